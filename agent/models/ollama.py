"""``ollama:NAME`` — a model served by a local (or remote) Ollama server.

The server is ``OLLAMA_HOST`` (default ``127.0.0.1:11434``), as the ollama CLI reads
it. Ollama reports exact token counts with every reply, and its ``/api/show`` tells the
model's context length; the context actually used is ``num_ctx``, which Veraz sets
(``VERAZ_OLLAMA_NUM_CTX``, capped at the model's own length) so passages are packed to
what the server really keeps.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from agent.models.dependencies import require
from agent.models.messages import message
from agent.models.pricing import Price
from agent.models.resolved import Reachability, ResolvedModel

if TYPE_CHECKING:
    from agent.config import Settings

DEFAULT_HOST = "http://127.0.0.1:11434"
PROBE_TIMEOUT_S = 3.0


def ollama_host() -> str:
    """``OLLAMA_HOST`` as a URL: "0.0.0.0:11434", "myhost" and "http://h:1" all work."""
    raw = os.environ.get("OLLAMA_HOST", "").strip().rstrip("/")
    if not raw:
        return DEFAULT_HOST
    if "://" not in raw:
        raw = "http://" + raw
    scheme, _, rest = raw.partition("://")
    host, _, path = rest.partition("/")
    if host.startswith("0.0.0.0"):  # a bind address, not one to connect to
        host = "127.0.0.1" + host[len("0.0.0.0") :]
    if ":" not in host.rsplit("]", 1)[-1]:
        host += ":11434"
    return f"{scheme}://{host}" + (f"/{path}" if path else "")


def _context_length(show: Any) -> int | None:
    """``<arch>.context_length`` from ``/api/show``'s model_info, if the server says."""
    info = getattr(show, "modelinfo", None) or {}
    for key, value in info.items():
        if key.endswith(".context_length") and isinstance(value, int):
            return value
    return None


def build(target: str, settings: Settings) -> ResolvedModel:
    langchain_ollama = require("langchain_ollama", "providers", "ollama")
    ollama = require("ollama", "providers", "ollama")
    host = ollama_host()
    name = f"ollama:{target}"
    notes: list[str] = []
    native = None
    try:
        client = ollama.Client(host=host, timeout=PROBE_TIMEOUT_S)
        native = _context_length(client.show(target))
    except Exception as exc:  # the server may come up later; calls will say if not
        notes.append(f"could not ask {host} about {target} now ({type(exc).__name__})")
    num_ctx = min(settings.ollama_num_ctx, native) if native else settings.ollama_num_ctx
    llm = langchain_ollama.ChatOllama(
        model=target,
        base_url=host,
        num_ctx=num_ctx,
        num_predict=settings.max_output_tokens,
        temperature=settings.temperature,
        client_kwargs={"timeout": settings.model_timeout_s},
    )
    return ResolvedModel(
        name=name,
        llm=llm,
        provider="ollama",
        context_window=num_ctx,
        price=Price(0.0, 0.0),
        notes=notes,
        hints={
            "not_found": f"run: ollama pull {target}",
            "connection": f"is Ollama running at {host}? start it with: ollama serve",
        },
    )


def check(target: str, settings: Settings) -> Reachability:
    ollama = require("ollama", "providers", "ollama")
    host = ollama_host()
    name = f"ollama:{target}"
    try:
        listed = ollama.Client(host=host, timeout=PROBE_TIMEOUT_S).list()
    except Exception as exc:
        error = type(exc).__name__
        return Reachability(
            name, "ollama", False, message("ollama_no_server", host=host, error=error)
        )
    pulled = {m.model for m in listed.models if m.model}
    wanted = target if ":" in target else f"{target}:latest"
    if target in pulled or wanted in pulled:
        return Reachability(name, "ollama", True, message("ollama_pulled", host=host))
    return Reachability(
        name, "ollama", False, message("ollama_not_pulled", host=host, target=target)
    )
