"""Resolve a model setting into a LangChain chat model, or ``None`` for ``extractive``.

``extractive`` is the embedded default: no language model at all; every graph node has
a deterministic path for it. A LangChain ``BaseChatModel`` instance is also accepted as
is, so users (and tests, with LangChain's fake chat models) can plug in any model.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

EXTRACTIVE = "extractive"


class UnknownModelError(ValueError):
    """The model setting names no provider Veraz knows."""


@dataclass
class ResolvedModel:
    name: str
    llm: BaseChatModel | None  # None: the extractive model

    @property
    def is_extractive(self) -> bool:
        return self.llm is None


def resolve_model(spec: str | BaseChatModel | None) -> ResolvedModel:
    """``"extractive"``/``None`` -> extractive; a chat model instance -> itself."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == EXTRACTIVE):
        return ResolvedModel(EXTRACTIVE, None)
    if isinstance(spec, BaseChatModel):
        return ResolvedModel(f"custom:{type(spec).__name__}", spec)
    provider = spec.split(":", 1)[0] if ":" in spec else spec
    raise UnknownModelError(
        f"model {spec!r}: provider {provider!r} is not available in this version of Veraz; "
        "use 'extractive' or pass a LangChain chat model to Veraz(model=...)"
    )
