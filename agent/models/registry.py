"""Resolve a model setting (``provider:model``) into a :class:`ResolvedModel`.

``extractive`` is the embedded default: no language model at all; every graph node has
a deterministic path for it. A LangChain ``BaseChatModel`` instance is accepted as is,
so users (and tests, with LangChain's fake chat models) can plug in any model. Every
other setting names a provider module here; each module exposes ``build(target,
settings)`` and ``check(target, settings)`` and is imported only when used, so a
missing optional library only matters to whoever asks for that provider.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel

from agent.models.messages import message
from agent.models.resolved import (
    EXTRACTIVE,
    ModelSetupError,
    Reachability,
    ResolvedModel,
    UnknownModelError,
)
from agent.models.retry import RetryPolicy

if TYPE_CHECKING:
    from agent.config import Settings

__all__ = [
    "EXTRACTIVE",
    "PROVIDERS",
    "ResolvedModel",
    "UnknownModelError",
    "check_model",
    "parse_spec",
    "resolve_model",
]

# provider name -> module implementing it
PROVIDERS: dict[str, str] = {
    "ollama": "agent.models.ollama",
    "llamacpp": "agent.models.llamacpp",
    "openai": "agent.models.openai",
    "gemini": "agent.models.gemini",
    "hf": "agent.models.hf",
}


def parse_spec(spec: str) -> tuple[str, str]:
    """``"ollama:qwen2.5:7b"`` -> ``("ollama", "qwen2.5:7b")``; only the first colon splits."""
    text = spec.strip()
    provider, sep, target = text.partition(":")
    provider = provider.strip().lower()
    if text.lower() == EXTRACTIVE:
        return EXTRACTIVE, ""
    if not sep or provider not in PROVIDERS:
        known = ", ".join(f"{name}:MODEL" for name in PROVIDERS)
        raise UnknownModelError(
            message("unknown_provider", spec=spec, provider=provider, known=known)
        )
    if not target.strip():
        raise UnknownModelError(message("empty_model_name", spec=spec, provider=provider))
    return provider, target.strip()


def _settings(settings: Settings | None) -> Settings:
    if settings is not None:
        return settings
    from agent.config import Settings

    return Settings()


def resolve_model(
    spec: str | BaseChatModel | None, settings: Settings | None = None
) -> ResolvedModel:
    """A ready model for the graph; raises :class:`ModelSetupError` with a one-line reason."""
    if spec is None:
        return ResolvedModel(EXTRACTIVE, None)
    if isinstance(spec, BaseChatModel):
        return ResolvedModel(f"custom:{type(spec).__name__}", spec, provider="custom")
    provider, target = parse_spec(spec)
    if provider == EXTRACTIVE:
        return ResolvedModel(EXTRACTIVE, None)
    settings = _settings(settings)
    module = importlib.import_module(PROVIDERS[provider])
    return _apply_settings(module.build(target, settings), settings)


def _apply_settings(model: ResolvedModel, settings: Settings) -> ResolvedModel:
    """What every provider takes from the settings the same way, set in one place: the
    reply budget, the retry policy and the user's context-window override (which wins
    over what the provider reports, for local models as for hosted ones)."""
    model.max_output_tokens = settings.max_output_tokens
    model.retry = RetryPolicy(attempts=settings.model_attempts)
    if settings.context_window:
        model.context_window = settings.context_window
    return model


def check_model(spec: str, settings: Settings | None = None) -> Reachability:
    """Whether ``spec`` can answer now (server up, model present, key set); never raises."""
    try:
        provider, target = parse_spec(spec)
    except ModelSetupError as exc:
        return Reachability(spec, "?", False, exc.message)
    if provider == EXTRACTIVE:
        return Reachability(spec, EXTRACTIVE, True, message("extractive"))
    try:
        module = importlib.import_module(PROVIDERS[provider])
        return module.check(target, _settings(settings))
    except ModelSetupError as exc:
        return Reachability(spec, provider, False, exc.message)
    except Exception as exc:  # a check must report, never crash `veraz models`
        error = f"{type(exc).__name__}: {exc}"
        return Reachability(spec, provider, False, message("check_failed", error=error))
