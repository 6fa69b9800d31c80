"""``gemini:MODEL`` — Google's Gemini API through langchain-google-genai.

The key is ``GOOGLE_API_KEY`` or ``GEMINI_API_KEY`` (either, as Google's own tools
accept). ``GOOGLE_GEMINI_BASE_URL`` points the client elsewhere (a proxy, or the tests'
local server). Gemini has no local tokenizer, so prompt sizes are estimated (and marked
so) until the reply's own usage report arrives.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from agent.models.dependencies import require
from agent.models.messages import message
from agent.models.pricing import lookup_price
from agent.models.resolved import ModelSetupError, Reachability, ResolvedModel

if TYPE_CHECKING:
    from agent.config import Settings

PROBE_TIMEOUT_S = 5.0


def _key(target: str) -> str:
    key = os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY")
    if not key:
        raise ModelSetupError(message("gemini_no_key", target=target))
    return key


def build(target: str, settings: Settings) -> ResolvedModel:
    genai = require("langchain_google_genai", "providers", "gemini")
    key = _key(target)
    base_url = os.environ.get("GOOGLE_GEMINI_BASE_URL") or None
    llm = genai.ChatGoogleGenerativeAI(
        model=target,
        google_api_key=key,
        base_url=base_url,
        timeout=settings.model_timeout_s,
        max_retries=1,  # one attempt: retry.py retries rate limits and 5xx for all providers
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
    )
    price = lookup_price("gemini", target, settings.prices_file)
    notes = ["token counts before a reply are estimates (no local Gemini tokenizer)"]
    if price is None:
        notes.append(f"no price known for {target}: add it to VERAZ_PRICES_FILE")
    return ResolvedModel(
        name=f"gemini:{target}",
        llm=llm,
        provider="gemini",
        context_window=price.context_window if price else None,
        price=price,
        notes=notes,
        hints={"auth": "check GOOGLE_API_KEY", "not_found": f"no Gemini model {target!r}"},
    )


def check(target: str, settings: Settings) -> Reachability:
    genai = require("google.genai", "providers", "gemini")
    name = f"gemini:{target}"
    base_url = os.environ.get("GOOGLE_GEMINI_BASE_URL") or None
    options = genai.types.HttpOptions(base_url=base_url, timeout=int(PROBE_TIMEOUT_S * 1000))
    client = genai.Client(api_key=_key(target), http_options=options)
    try:
        model = client.models.get(model=target)
    except Exception as exc:
        code = getattr(exc, "code", None)
        if code == 404:
            return Reachability(name, "gemini", False, message("gemini_not_found", target=target))
        if code in (401, 403) or (code == 400 and "key" in str(exc).lower()):
            return Reachability(name, "gemini", False, message("gemini_key_rejected"))
        error = type(exc).__name__
        return Reachability(name, "gemini", False, message("gemini_unreachable", error=error))
    limit = getattr(model, "input_token_limit", None)
    return Reachability(name, "gemini", True, message("gemini_available", limit=limit))
