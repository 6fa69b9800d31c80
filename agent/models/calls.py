"""One call to a chat model: prompt in, text and token usage out, failures classified.

Nodes never see provider exceptions: every failure becomes a :class:`ModelCallError`
whose ``kind`` (timeout, connection, rate_limit, server_error, auth, not_found,
malformed, error) the graph records in ``steps`` and uses to decide on the fallback
model. Rate limits and server errors are retried with backoff first (see retry.py).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from langchain_core.messages import HumanMessage

from agent.models.local_chat import question_deadline
from agent.models.resolved import ResolvedModel
from agent.models.retry import with_retries
from agent.types import Usage


class ModelCallError(RuntimeError):
    """A call that gave no usable text. ``called``: the model was actually asked (False
    when the question's time budget was spent before the call started)."""

    def __init__(self, kind: str, message: str, *, called: bool = True) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.called = called

    @property
    def usage(self) -> Usage:
        """What the failed call counts for: one call, or none if it never started."""
        return Usage(llm_calls=1 if self.called else 0)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: LangChain and SDKs wrap transport errors."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status an SDK attached: ``status_code`` (openai, ollama), ``code`` (genai)."""
    for attr in ("status_code", "code", "status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


def classify_error(exc: BaseException) -> str:
    """A coarse, provider-neutral kind for an exception raised by a model client."""
    for link in _chain(exc):
        status = _status_of(link)
        if status == 429:
            return "rate_limit"
        if status is not None and status >= 500:
            return "server_error"
        if status in (401, 403):
            return "auth"
        if status == 404:
            return "not_found"
        if status == 400 and "api_key_invalid" in str(link).lower():
            return "auth"  # Gemini answers a bad key with 400 API_KEY_INVALID
    for link in _chain(exc):
        name = type(link).__name__.lower()
        text = str(link).lower()
        if "timeout" in name or "timed out" in text:
            return "timeout"
        if "ratelimit" in name or "rate limit" in text or "resource_exhausted" in text:
            return "rate_limit"
        if isinstance(link, ConnectionError) or "connect" in name or "refused" in text:
            return "connection"
        if isinstance(link, json.JSONDecodeError) or "decode" in name or "unknownapi" in name:
            return "malformed"
    return "error"


def call_model(
    model: ResolvedModel, prompt: str, *, deadline: float = 0.0, max_tokens: int | None = None
) -> tuple[str, Usage]:
    """Send one user message; return the reply text and its token usage and cost.

    ``deadline`` (epoch seconds, 0: none) is the question's time budget: no call starts
    after it, and in-process models stop generating at it (see local_chat.Deadline).
    ``max_tokens``: a shorter reply budget for this call (a JSON decision).
    """
    if max_tokens is not None:
        model = model.with_reply_limit(max_tokens)
    if model.llm is None:
        raise ModelCallError("error", "the extractive model has no language model to call")
    if deadline and time.time() >= deadline:
        raise ModelCallError("timeout", "the question's time budget is spent", called=False)
    llm, messages = model.llm, [HumanMessage(content=prompt)]
    try:
        with question_deadline(deadline):
            reply, _ = with_retries(lambda: llm.invoke(messages), model.retry, classify_error)
    except Exception as exc:
        kind = classify_error(exc)
        hint = model.hints.get(kind)
        raise ModelCallError(kind, _describe(exc) + (f" ({hint})" if hint else "")) from exc
    text = reply.content if isinstance(reply.content, str) else _flatten(reply.content)
    if not text.strip():
        raise ModelCallError("malformed", "the model returned an empty reply")
    return text.strip(), _usage(model, reply, prompt, text)


def _describe(exc: BaseException) -> str:
    """One line: the exception type and the first line of its message, without secrets."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}"


def _usage(model: ResolvedModel, reply: Any, prompt: str, text: str) -> Usage:
    """Reported usage when the provider sends it; otherwise counted (or estimated)."""
    reported = usage_of(reply)
    if reported.prompt_tokens or reported.completion_tokens:
        usage = reported
    else:
        usage = Usage(
            prompt_tokens=model.counter.count(prompt),
            completion_tokens=model.counter.count(text),
            estimated=not model.counter.exact,
        )
    usage.llm_calls = 1
    if model.price is None:
        usage.priced = False
    else:
        usage.cost_usd = model.price.cost(usage.prompt_tokens, usage.completion_tokens)
    return usage


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
