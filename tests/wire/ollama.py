"""A test server speaking the Ollama REST API (the part Veraz uses).

Endpoints: ``POST /api/chat`` (NDJSON stream by default, one JSON object with
``"stream": false``), ``GET /api/tags``, ``POST /api/show``, ``GET /api/version`` and
``GET /`` ("Ollama is running"). Shapes follow Ollama's API docs and a real server's output,
so ``ollama.Client`` and ``ChatOllama`` parse them exactly as they would in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from .base import Behaviour, ChatCall, Exchange, Message, Responder, WireServer, default_responder

OLLAMA_VERSION = "0.12.6"
"""What ``GET /api/version`` reports."""

_CREATED_AT = "2025-01-15T10:00:00.000000Z"


@dataclass(frozen=True)
class OllamaModel:
    """A "pulled" model: what ``/api/tags`` lists and ``/api/show`` describes."""

    name: str
    architecture: str = "llama"
    context_length: int = 131072
    parameter_size: str = "3.2B"
    quantization_level: str = "Q4_K_M"
    size: int = 2_019_393_189

    @property
    def digest(self) -> str:
        """A stable fake sha256 digest derived from the name."""
        return (self.name.encode().hex() * 64)[:64]


DEFAULT_MODELS = (
    OllamaModel("llama3.2:latest"),
    OllamaModel(
        "qwen2.5:7b",
        architecture="qwen2",
        context_length=32768,
        parameter_size="7.6B",
        size=4_683_087_332,
    ),
)


def normalize_model_name(name: str) -> str:
    """Resolve a name as Ollama does: no tag means ``:latest``."""
    return name if ":" in name else f"{name}:latest"


class OllamaServer(WireServer):
    """Ollama's ``/api`` on localhost; pass ``base_url`` as ``host``/``base_url``.

    Unknown models get the real 404 (``model "x" not found, try pulling it first``). With
    ``api_key`` set, requests need ``Authorization: Bearer <key>`` (as behind Ollama's cloud
    or an authenticating proxy) and get 401 ``{"error": "unauthorized"}`` otherwise.
    """

    stream_content_type = "application/x-ndjson"

    def __init__(
        self,
        responder: Responder = default_responder,
        script: Iterable[Behaviour] = (),
        *,
        models: Iterable[OllamaModel] = DEFAULT_MODELS,
        api_key: str | None = None,
    ) -> None:
        super().__init__(responder, script)
        self.models = {normalize_model_name(m.name): m for m in models}
        self.api_key = api_key

    def is_chat_path(self, path: str) -> bool:
        """Only ``/api/chat`` is a chat call."""
        return path.split("?", 1)[0] == "/api/chat"

    # routing

    def handle(self, ex: Exchange) -> None:
        """Route to Ollama's endpoints; anything else is a plain-text 404 as in Ollama."""
        if ex.route == "/" and ex.method == "GET":
            ex.raw(200, b"Ollama is running", "text/plain; charset=utf-8")
            return
        if self.api_key is not None and ex.headers.get("authorization") != (
            f"Bearer {self.api_key}"
        ):
            ex.json(401, {"error": "unauthorized"})
            return
        if (ex.method, ex.route) == ("POST", "/api/chat"):
            self._chat(ex)
        elif (ex.method, ex.route) == ("GET", "/api/tags"):
            ex.json(200, {"models": [self._tag(m) for m in self.models.values()]})
        elif (ex.method, ex.route) == ("POST", "/api/show"):
            self._show(ex)
        elif (ex.method, ex.route) == ("GET", "/api/version"):
            ex.json(200, {"version": OLLAMA_VERSION})
        else:
            ex.raw(404, b"404 page not found", "text/plain")

    def _chat(self, ex: Exchange) -> None:
        body = ex.body if isinstance(ex.body, dict) else {}
        name = str(body.get("model") or "")
        if not name:
            ex.json(400, {"error": "model is required"})
            return
        model = self.models.get(normalize_model_name(name))
        if model is None:
            ex.json(404, self.error_body(404, f'model "{name}" not found, try pulling it first'))
            return
        messages: list[Message] = [
            {"role": str(m.get("role", "")), "content": str(m.get("content") or "")}
            for m in body.get("messages") or []
        ]
        call = ChatCall(
            model=name,
            messages=messages,
            stream=body.get("stream", True) is not False,  # streaming is Ollama's default
            body=body,
        )
        self.serve_chat(ex, call)

    def _show(self, ex: Exchange) -> None:
        body = ex.body if isinstance(ex.body, dict) else {}
        name = str(body.get("model") or body.get("name") or "")
        model = self.models.get(normalize_model_name(name))
        if model is None:
            ex.json(404, {"error": f"model '{name}' not found"})
            return
        arch = model.architecture
        ex.json(
            200,
            {
                "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
                "modelfile": f'# Modelfile generated by "ollama show"\nFROM {model.name}\n',
                "parameters": 'stop                           "<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": self._details(model),
                "model_info": {
                    "general.architecture": arch,
                    "general.basename": model.name.split(":")[0],
                    "general.file_type": 15,
                    "general.parameter_count": 3_212_749_888,
                    "general.quantization_version": 2,
                    f"{arch}.attention.head_count": 24,
                    f"{arch}.attention.head_count_kv": 8,
                    f"{arch}.block_count": 28,
                    f"{arch}.context_length": model.context_length,
                    f"{arch}.embedding_length": 3072,
                    f"{arch}.feed_forward_length": 8192,
                    "tokenizer.ggml.model": "gpt2",
                },
                "capabilities": ["completion", "tools"],
                "modified_at": "2025-01-15T10:00:00.000000+00:00",
            },
        )

    @staticmethod
    def _details(model: OllamaModel) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": model.architecture,
            "families": [model.architecture],
            "parameter_size": model.parameter_size,
            "quantization_level": model.quantization_level,
        }

    def _tag(self, model: OllamaModel) -> dict[str, Any]:
        return {
            "name": model.name,
            "model": model.name,
            "modified_at": "2025-01-15T10:00:00.000000+00:00",
            "size": model.size,
            "digest": model.digest,
            "details": self._details(model),
        }

    # provider hooks

    def error_body(self, code: int, message: str | None = None) -> dict[str, str]:
        """Ollama errors are ``{"error": "<text>"}`` whatever the status."""
        stock = {
            429: "too many requests, please try again later",
            500: "llama runner process has terminated: exit status 2",
            503: "server busy, please try again.  maximum pending requests exceeded",
        }
        text = message or stock.get(code) or HTTPStatus(code).phrase.lower()
        return {"error": text}

    def _final(self, call: ChatCall, content: str, eval_count: int) -> dict[str, Any]:
        return {
            "model": call.model,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "message": {"role": "assistant", "content": content},
            "done_reason": "stop",
            "done": True,
            "total_duration": 4_883_583_458,
            "load_duration": 1_334_875,
            "prompt_eval_count": call.prompt_tokens,
            "prompt_eval_duration": 342_546_000,
            "eval_count": eval_count,
            "eval_duration": 4_535_599_000,
        }

    def full_response(self, call: ChatCall, chunks: Sequence[str]) -> dict[str, Any]:
        """The single object ``"stream": false`` gets: the final chunk with the whole text."""
        return self._final(call, "".join(chunks), len(chunks))

    def stream_events(self, call: ChatCall, chunks: Sequence[str]) -> Iterator[bytes]:
        """One NDJSON line per token, then a ``done`` line with the counts and durations."""
        for chunk in chunks:
            yield _line(
                {
                    "model": call.model,
                    "created_at": _CREATED_AT,
                    "message": {"role": "assistant", "content": chunk},
                    "done": False,
                }
            )
        yield _line(self._final(call, "", len(chunks)))

    def malformed_stream(self, call: ChatCall) -> Iterator[bytes]:
        """One valid NDJSON line, then a line cut off mid-object."""
        yield _line(
            {
                "model": call.model,
                "created_at": _CREATED_AT,
                "message": {"role": "assistant", "content": "Hello"},
                "done": False,
            }
        )
        yield b'{"model": "' + call.model.encode() + b'", "message": {"role": "assis\n'


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj).encode() + b"\n"
