"""One call to a chat model: prompt in, text and token usage out, failures classified.

Nodes never see provider exceptions: every failure becomes a :class:`ModelCallError`
whose ``kind`` (timeout, connection, rate_limit, malformed, error) the graph records in
``steps`` and uses to decide on the fallback model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agent.types import Usage


class ModelCallError(RuntimeError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def classify_error(exc: BaseException) -> str:
    """A coarse, provider-neutral kind for an exception raised by a model client."""
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    if "timeout" in name or "timed out" in text or "timeout" in text:
        return "timeout"
    if "ratelimit" in name or "429" in text or "rate limit" in text:
        return "rate_limit"
    if "connect" in name or "connection" in text or "refused" in text:
        return "connection"
    return "error"


def call_model(llm: BaseChatModel, prompt: str) -> tuple[str, Usage]:
    """Send one user message; return the reply text and its token usage."""
    try:
        reply = llm.invoke([HumanMessage(content=prompt)])
    except Exception as exc:
        raise ModelCallError(classify_error(exc), f"{type(exc).__name__}: {exc}") from exc
    text = reply.content if isinstance(reply.content, str) else _flatten(reply.content)
    if not text.strip():
        raise ModelCallError("malformed", "the model returned an empty reply")
    return text.strip(), usage_of(reply)


def usage_of(message: Any) -> Usage:
    meta = getattr(message, "usage_metadata", None) or {}
    return Usage(
        prompt_tokens=int(meta.get("input_tokens", 0)),
        completion_tokens=int(meta.get("output_tokens", 0)),
    )


def _flatten(content: list[Any]) -> str:
    parts = [c if isinstance(c, str) else c.get("text", "") for c in content]
    return "".join(parts)


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model reply (models wrap JSON in prose or code fences)."""
    match = _JSON_OBJECT.search(text)
    if not match:
        raise ModelCallError("malformed", f"expected a JSON object, got: {text[:120]!r}")
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise ModelCallError("malformed", f"invalid JSON from the model: {exc}") from exc
    if not isinstance(value, dict):
        raise ModelCallError("malformed", "expected a JSON object")
    return value


def add_usage(total: Usage, more: Usage) -> Usage:
    return Usage(
        prompt_tokens=total.prompt_tokens + more.prompt_tokens,
        completion_tokens=total.completion_tokens + more.completion_tokens,
        cost_usd=total.cost_usd + more.cost_usd,
    )
