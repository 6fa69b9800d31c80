"""``openai:MODEL`` — OpenAI, or any server that speaks its chat completions API.

``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` come from the environment (or ``.env``), the
names the openai library itself uses, so vLLM, llama.cpp's ``llama-server``, LM Studio
or Ollama's ``/v1`` work by pointing ``OPENAI_BASE_URL`` at them. Local servers often
need no key; Veraz then sends a placeholder, because the client library insists on one.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from agent.models.dependencies import require
from agent.models.messages import message
from agent.models.pricing import lookup_price
from agent.models.resolved import ModelSetupError, Reachability, ResolvedModel
from agent.tools.token_counter import TiktokenCounter

if TYPE_CHECKING:
    from agent.config import Settings

PROBE_TIMEOUT_S = 5.0
NO_KEY = "not-needed"


def _endpoint(target: str) -> tuple[str, str | None]:
    """The API key and base URL to use; a missing key is an error only for OpenAI itself."""
    base_url = os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY") or None
    if key is None:
        if base_url is None:
            raise ModelSetupError(message("openai_no_key", target=target))
        key = NO_KEY
    return key, base_url


def build(target: str, settings: Settings) -> ResolvedModel:
    langchain_openai = require("langchain_openai", "providers", "openai")
    key, base_url = _endpoint(target)
    llm = langchain_openai.ChatOpenAI(
        model=target,
        api_key=key,
        base_url=base_url,
        timeout=settings.model_timeout_s,
        max_retries=0,  # retry.py retries rate limits and 5xx for every provider alike
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        stream_usage=True,
    )
    price = lookup_price("openai", target, settings.prices_file)
    notes = []
    if price is None:
        notes.append(
            f"no price known for {target}: add it to VERAZ_PRICES_FILE to get costs "
            "(use 0 for a local server)"
        )
    where = base_url or "api.openai.com"
    return ResolvedModel(
        name=f"openai:{target}",
        llm=llm,
        provider="openai",
        context_window=price.context_window if price else None,
        counter=TiktokenCounter(target),
        price=price,
        notes=notes,
        hints={
            "auth": "check OPENAI_API_KEY",
            "not_found": f"the server at {where} does not serve {target!r}",
            "connection": f"nothing answers at {where}; check OPENAI_BASE_URL",
        },
    )


def check(target: str, settings: Settings) -> Reachability:
    openai = require("openai", "providers", "openai")
    name = f"openai:{target}"
    key, base_url = _endpoint(target)
    where = base_url or "api.openai.com"
    client = openai.OpenAI(api_key=key, base_url=base_url, timeout=PROBE_TIMEOUT_S, max_retries=0)
    try:
        served = [model.id for model in client.models.list()]
    except openai.AuthenticationError:
        return Reachability(name, "openai", False, message("openai_key_rejected", where=where))
    except Exception as exc:
        error = type(exc).__name__
        return Reachability(
            name, "openai", False, message("openai_unreachable", where=where, error=error)
        )
    if served and target not in served:
        shown = ", ".join(served[:5]) + (" …" if len(served) > 5 else "")
        return Reachability(
            name,
            "openai",
            False,
            message("openai_not_served", where=where, target=target, served=shown),
        )
    return Reachability(name, "openai", True, message("openai_served", where=where))
