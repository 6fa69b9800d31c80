"""A test server speaking the Gemini Developer API (generativelanguage.googleapis.com).

Endpoints (under ``/v1beta``, also ``/v1`` and ``/v1alpha``):
``POST models/{model}:generateContent``, ``POST models/{model}:streamGenerateContent?alt=sse``
(what google-genai requests: SSE ``data: {...}`` events), ``GET models/{model}`` (with
``inputTokenLimit`` / ``outputTokenLimit``) and ``GET models``. Errors use Google's
``{"error": {"code", "message", "status", "details"}}`` shape.

The API key arrives in the ``x-goog-api-key`` header (google-genai) or a ``key`` query
parameter (REST examples); both are accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from .base import Behaviour, ChatCall, Exchange, Message, Responder, WireServer, default_responder

DEFAULT_MODELS: Mapping[str, tuple[int, int]] = {
    "gemini-2.5-flash": (1_048_576, 65_536),
    "gemini-2.5-pro": (1_048_576, 65_536),
}
"""Model name → (inputTokenLimit, outputTokenLimit)."""

_ROUTE = re.compile(r"^/(?P<version>v1|v1beta|v1alpha)/models(?:/(?P<rest>.+))?$")

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

_STOCK_MESSAGES = {
    429: (
        "You exceeded your current quota, please check your plan and billing details. "
        "For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits."
    ),
    500: (
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting"
    ),
    503: "The model is overloaded. Please try again later.",
    401: (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential."
    ),
}


class GeminiServer(WireServer):
    """The Gemini Developer API on localhost; give clients ``base_url`` (the root URL).

    A missing API key gets the real 403 ``PERMISSION_DENIED``; with ``api_key`` set, a
    wrong one gets the real 400 ``INVALID_ARGUMENT`` / ``API_KEY_INVALID`` (Gemini does not
    answer 401 for a bad key). Unknown models get 404 ``NOT_FOUND``.
    """

    stream_content_type = "text/event-stream"

    def __init__(
        self,
        responder: Responder = default_responder,
        script: Iterable[Behaviour] = (),
        *,
        models: Mapping[str, tuple[int, int]] = DEFAULT_MODELS,
        api_key: str | None = None,
    ) -> None:
        super().__init__(responder, script)
        self.models = dict(models)
        self.api_key = api_key

    def is_chat_path(self, path: str) -> bool:
        """``:generateContent`` and ``:streamGenerateContent`` are chat calls."""
        route = path.split("?", 1)[0]
        return route.endswith((":generateContent", ":streamGenerateContent"))

    # routing

    def handle(self, ex: Exchange) -> None:
        """Check the key, then route ``models`` calls; anything else is a 404."""
        match = _ROUTE.match(ex.route)
        if match is None:
            ex.json(404, self.error_body(404, f"Requested entity was not found: {ex.route}"))
            return
        if not self._authorized(ex):
            return
        version, rest = match["version"], match["rest"] or ""
        if ex.method == "GET" and not rest:
            ex.json(200, {"models": [self._model(name) for name in self.models]})
            return
        name, _, method = rest.partition(":")
        if ex.method == "GET" and not method:
            if name in self.models:
                ex.json(200, self._model(name))
            else:
                ex.json(404, self.error_body(404, f"models/{name} is not found"))
            return
        if ex.method != "POST" or method not in ("generateContent", "streamGenerateContent"):
            ex.json(404, self.error_body(404, f"Method not found: {method or ex.method}"))
            return
        if name not in self.models:
            message = (
                f"models/{name} is not found for API version {version}, or is not supported "
                f"for {method}. Call ListModels to see the list of available models and their "
                "supported methods."
            )
            ex.json(404, self.error_body(404, message))
            return
        stream = method == "streamGenerateContent"
        if stream and ex.query.get("alt") != "sse":
            # The REST API would stream a JSON array here; google-genai always asks for SSE.
            message = "This test server only streams with ?alt=sse, as google-genai requests."
            ex.json(400, self.error_body(400, message))
            return
        body = ex.body if isinstance(ex.body, dict) else {}
        call = ChatCall(model=name, messages=_messages(body), stream=stream, body=body)
        self.serve_chat(ex, call)

    def _authorized(self, ex: Exchange) -> bool:
        key = ex.headers.get("x-goog-api-key") or ex.query.get("key")
        if not key:
            message = (
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API."
            )
            ex.json(403, self.error_body(403, message))
            return False
        if self.api_key is not None and key != self.api_key:
            body = self.error_body(400, "API key not valid. Please pass a valid API key.")
            body["error"]["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                }
            ]
            ex.json(400, body)
            return False
        return True

    def _model(self, name: str) -> dict[str, Any]:
        input_limit, output_limit = self.models[name]
        return {
            "name": f"models/{name}",
            "version": "001",
            "displayName": name.replace("-", " ").title(),
            "description": f"Test double of {name}.",
            "inputTokenLimit": input_limit,
            "outputTokenLimit": output_limit,
            "supportedGenerationMethods": [
                "generateContent",
                "countTokens",
                "createCachedContent",
                "batchGenerateContent",
            ],
            "temperature": 1,
            "topP": 0.95,
            "topK": 64,
            "maxTemperature": 2,
            "thinking": True,
        }

    # provider hooks

    def error_body(self, code: int, message: str | None = None) -> dict[str, Any]:
        """Google's error JSON; 429 carries a ``RetryInfo`` detail as the real one does."""
        error: dict[str, Any] = {
            "code": code,
            "message": message or _STOCK_MESSAGES.get(code) or HTTPStatus(code).phrase,
            "status": _STATUS_NAMES.get(code, "UNKNOWN"),
        }
        if code == 429:
            error["details"] = [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}
            ]
        return {"error": error}

    def _usage(self, call: ChatCall, candidates: int) -> dict[str, Any]:
        return {
            "promptTokenCount": call.prompt_tokens,
            "candidatesTokenCount": candidates,
            "totalTokenCount": call.prompt_tokens + candidates,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": call.prompt_tokens}],
        }

    def _response(
        self, call: ChatCall, text: str, finished: bool, candidates: int
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "index": 0,
        }
        if finished:
            candidate["finishReason"] = "STOP"
        return {
            "candidates": [candidate],
            "usageMetadata": self._usage(call, candidates),
            "modelVersion": call.model,
            "responseId": "test-response-0001",
        }

    def full_response(self, call: ChatCall, chunks: Sequence[str]) -> dict[str, Any]:
        """A ``GenerateContentResponse`` with one finished candidate and usage."""
        return self._response(call, "".join(chunks), True, len(chunks))

    def stream_events(self, call: ChatCall, chunks: Sequence[str]) -> Iterator[bytes]:
        """One SSE event per token; usage is cumulative and the last one has finishReason."""
        for index, chunk in enumerate(chunks, start=1):
            yield _sse(self._response(call, chunk, index == len(chunks), index))

    def malformed_stream(self, call: ChatCall) -> Iterator[bytes]:
        """One valid event, then one cut off mid-object."""
        yield _sse(self._response(call, "Hello", False, 1))
        yield b'data: {"candidates": [{"content": {"parts": [{"te\r\n\r\n'


def _messages(body: dict[str, Any]) -> list[Message]:
    """Flatten ``systemInstruction`` and ``contents`` into role/content messages."""

    def text(content: Any) -> str:
        parts = content.get("parts") if isinstance(content, dict) else None
        return "".join(str(p.get("text", "")) for p in parts or [] if isinstance(p, dict))

    messages: list[Message] = []
    if system := body.get("systemInstruction") or body.get("system_instruction"):
        messages.append({"role": "system", "content": text(system)})
    for content in body.get("contents") or []:
        role = "assistant" if content.get("role") == "model" else "user"
        messages.append({"role": role, "content": text(content)})
    return messages


def _sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\r\n\r\n"
