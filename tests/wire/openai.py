"""A test server speaking OpenAI's Chat Completions API (the part Veraz uses).

Endpoints: ``POST /v1/chat/completions`` (JSON, or SSE with ``"stream": true``, honouring
``stream_options.include_usage``), ``GET /v1/models`` and ``GET /v1/models/{id}``. Errors use
OpenAI's ``{"error": {"message", "type", "param", "code"}}`` shape, so the ``openai`` SDK
maps them to its own exception classes exactly as against api.openai.com.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from http import HTTPStatus
from typing import Any

from .base import Behaviour, ChatCall, Exchange, Message, Responder, WireServer, default_responder

_CREATED = 1_736_935_200
_FINGERPRINT = "fp_0ba0d124f1"

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4.1-mini")


def _content_text(content: Any) -> str:
    """Flatten a message's content: a string, or a list of ``{"type": "text"}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


class OpenAIServer(WireServer):
    """OpenAI's ``/v1`` on localhost; give clients ``base_url`` (which ends in ``/v1``).

    Every ``/v1`` request needs ``Authorization: Bearer ...`` (401 otherwise); with
    ``api_key`` set the token must also match. Unknown models get the real 404
    ``model_not_found``.
    """

    stream_content_type = "text/event-stream; charset=utf-8"

    def __init__(
        self,
        responder: Responder = default_responder,
        script: Iterable[Behaviour] = (),
        *,
        models: Iterable[str] = DEFAULT_MODELS,
        api_key: str | None = None,
    ) -> None:
        super().__init__(responder, script)
        self.models = list(models)
        self.api_key = api_key

    @property
    def base_url(self) -> str:
        """What the SDK calls ``base_url``: the root plus ``/v1``."""
        return f"{self.url}/v1"

    def is_chat_path(self, path: str) -> bool:
        """Only ``/v1/chat/completions`` is a chat call."""
        return path.split("?", 1)[0] == "/v1/chat/completions"

    # routing

    def handle(self, ex: Exchange) -> None:
        """Check the bearer token, then route; unknown paths get OpenAI's 404 JSON."""
        if not self._authorized(ex):
            return
        if (ex.method, ex.route) == ("POST", "/v1/chat/completions"):
            self._chat(ex)
        elif (ex.method, ex.route) == ("GET", "/v1/models"):
            ex.json(200, {"object": "list", "data": [self._model(m) for m in self.models]})
        elif ex.method == "GET" and ex.route.startswith("/v1/models/"):
            name = ex.route.removeprefix("/v1/models/")
            if name in self.models:
                ex.json(200, self._model(name))
            else:
                ex.json(404, self._model_not_found(name))
        else:
            ex.json(
                404,
                _error(f"Invalid URL ({ex.method} {ex.route})", "invalid_request_error", None),
            )

    def _authorized(self, ex: Exchange) -> bool:
        auth = ex.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if not token:
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
                "or as the password field (with blank username) if you're accessing the API "
                "from your browser and are prompted for a username and password. You can "
                "obtain an API key from https://platform.openai.com/account/api-keys."
            )
            ex.json(401, _error(message, "invalid_request_error", None))
            return False
        if self.api_key is not None and token != self.api_key:
            message = (
                f"Incorrect API key provided: {token[:3]}***{token[-4:]}. You can find your "
                "API key at https://platform.openai.com/account/api-keys."
            )
            ex.json(401, _error(message, "invalid_request_error", "invalid_api_key"))
            return False
        return True

    def _chat(self, ex: Exchange) -> None:
        body = ex.body if isinstance(ex.body, dict) else {}
        model = str(body.get("model") or "")
        if model not in self.models:
            ex.json(404, self._model_not_found(model))
            return
        messages: list[Message] = [
            {"role": str(m.get("role", "")), "content": _content_text(m.get("content"))}
            for m in body.get("messages") or []
        ]
        call = ChatCall(model=model, messages=messages, stream=bool(body.get("stream")), body=body)
        self.serve_chat(ex, call)

    @staticmethod
    def _model(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": _CREATED, "owned_by": "system"}

    @staticmethod
    def _model_not_found(name: str) -> dict[str, Any]:
        message = f"The model `{name}` does not exist or you do not have access to it."
        return _error(message, "invalid_request_error", "model_not_found")

    # provider hooks

    def error_body(self, code: int, message: str | None = None) -> dict[str, Any]:
        """OpenAI's error JSON; 429 looks like a requests-per-minute limit."""
        if code == 429:
            text = message or (
                "Rate limit reached for gpt-4o-mini in organization org-test on requests per "
                "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."
            )
            return _error(text, "requests", "rate_limit_exceeded")
        if code == 401:
            text = message or (
                "Incorrect API key provided: sk-te***test. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            )
            return _error(text, "invalid_request_error", "invalid_api_key")
        if code == 503:
            return _error(message or "The server is overloaded or not ready yet.", "server_error")
        if code >= 500:
            text = message or (
                "The server had an error while processing your request. Sorry about that!"
            )
            return _error(text, "server_error")
        return _error(message or HTTPStatus(code).phrase, "invalid_request_error")

    def _usage(self, call: ChatCall, completion_tokens: int) -> dict[str, Any]:
        return {
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": call.prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def full_response(self, call: ChatCall, chunks: Sequence[str]) -> dict[str, Any]:
        """A ``chat.completion`` object with one choice and a usage block."""
        return {
            "id": "chatcmpl-test0000000000000000000001",
            "object": "chat.completion",
            "created": _CREATED,
            "model": call.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": "".join(chunks),
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": self._usage(call, len(chunks)),
            "service_tier": "default",
            "system_fingerprint": _FINGERPRINT,
        }

    def stream_events(self, call: ChatCall, chunks: Sequence[str]) -> Iterator[bytes]:
        """A role chunk, one chunk per token, a finish chunk, [usage chunk], ``[DONE]``."""
        options = call.body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            event: dict[str, Any] = {
                "id": "chatcmpl-test0000000000000000000002",
                "object": "chat.completion.chunk",
                "created": _CREATED,
                "model": call.model,
                "service_tier": "default",
                "system_fingerprint": _FINGERPRINT,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                event["usage"] = None
            return event

        yield _sse(chunk({"role": "assistant", "content": "", "refusal": None}))
        for text in chunks:
            yield _sse(chunk({"content": text}))
        yield _sse(chunk({}, "stop"))
        if include_usage:
            usage_event = chunk({})
            usage_event["choices"] = []
            usage_event["usage"] = self._usage(call, len(chunks))
            yield _sse(usage_event)
        yield b"data: [DONE]\n\n"

    def malformed_stream(self, call: ChatCall) -> Iterator[bytes]:
        """The role chunk, then an event cut off mid-object (and no ``[DONE]``)."""
        events = self.stream_events(call, ["Hello"])
        yield next(events)
        yield b'data: {"id": "chatcmpl-test", "object": "chat.completion.chunk", "choi\n\n'


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"
