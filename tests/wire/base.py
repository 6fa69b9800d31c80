"""Shared machinery for the provider test servers: HTTP plumbing, scripting and recording.

Each provider module only knows its own JSON shapes; everything about *when* a server
misbehaves (rate limits, slowness, broken bodies) lives here so the three servers fail in
the same, predictable ways and a test reads the same whichever provider it drives.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

Message = dict[str, str]
"""A chat message reduced to ``{"role": ..., "content": ...}``, whatever the provider."""

Responder = Callable[[list[Message]], str]
"""Turns the conversation a client sent into the reply text the server sends back."""

DEFAULT_REPLY = "Madrid is the capital of Spain and its largest city."
"""What every server answers when neither the script nor a responder says otherwise."""

_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def default_responder(messages: list[Message]) -> str:
    """Answer every conversation with :data:`DEFAULT_REPLY`, so tests can assert on it."""
    del messages
    return DEFAULT_REPLY


def echo_responder(messages: list[Message]) -> str:
    """Answer with the last user message, to prove the prompt arrived intact."""
    for message in reversed(messages):
        if message["role"] == "user":
            return message["content"]
    return ""


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into word-sized stream chunks whose concatenation is exactly ``text``.

    Every chunk but the first starts with a word and keeps the whitespace that follows it,
    which is how real providers stream, so joining the chunks reproduces the reply.
    """
    parts = [part for part in re.split(r"(?<=\s)(?=\S)", text) if part]
    return parts or [""]


def count_words(text: str) -> int:
    """Stand-in tokenizer: one token per whitespace-separated word, so counts are predictable."""
    return len(text.split())


def closed_port() -> int:
    """Return a localhost port that nothing listens on, for "connection refused" tests.

    The port is bound by the OS and released again; nothing reuses it in the few
    milliseconds before the test connects.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refused_url() -> str:
    """Base URL of a closed localhost port (see :func:`closed_port`)."""
    return f"http://127.0.0.1:{closed_port()}"


# --- scripted behaviours ----------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """Answer the next chat request with ``text`` instead of asking the responder."""

    text: str


@dataclass(frozen=True)
class Chunks:
    """Answer the next chat request with exactly these stream chunks (joined if not streaming)."""

    parts: tuple[str, ...]

    def __init__(self, parts: Iterable[str]) -> None:
        object.__setattr__(self, "parts", tuple(parts))


@dataclass(frozen=True)
class Status:
    """Fail the next ``times`` chat requests with HTTP ``code`` and the provider's error JSON.

    429 and 503 carry a ``Retry-After`` header (``retry_after`` seconds, default 1) as the
    real services do; pass ``retry_after`` to send one with any code. ``message`` replaces
    the provider's stock error message.
    """

    code: int
    times: int = 1
    retry_after: float | None = None
    message: str | None = None

    @property
    def retry_after_header(self) -> str | None:
        """Value of the ``Retry-After`` header, or ``None`` when none is sent."""
        if self.retry_after is not None:
            return f"{self.retry_after:g}"
        return "1" if self.code in (429, 503) else None


@dataclass(frozen=True)
class Slow:
    """Wait ``seconds`` before answering the next chat request, to trip client timeouts.

    The wait ends early when the server stops, so a test that timed out does not hold
    the server thread (or the test session) for the full delay.
    """

    seconds: float


@dataclass(frozen=True)
class Malformed:
    """Answer the next chat request with HTTP 200 and a body the client cannot parse.

    Non-streaming: truncated JSON. Streaming: one valid token chunk, then a broken one,
    which is how a dropped proxy connection or a buggy gateway looks to the client.
    """


Behaviour = Reply | Chunks | Status | Slow | Malformed


# --- request recording and HTTP plumbing ------------------------------------------------


class RecordedRequest(NamedTuple):
    """What a client sent, so tests can assert on the exact request a library built.

    ``path`` keeps the query string (e.g. ``?alt=sse``); ``body`` is the parsed JSON, the
    raw text when it is not JSON, or ``None`` when empty; header names are lower-case.
    """

    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class ChatCall:
    """One chat request, reduced to what the shared chat flow needs from any provider."""

    model: str
    messages: list[Message]
    stream: bool
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_tokens(self) -> int:
        """Predictable prompt token count: words over all messages, at least one."""
        return max(1, sum(count_words(m["content"]) for m in self.messages))


class Exchange:
    """One HTTP request and the means to answer it (plain JSON, raw bytes or a stream)."""

    def __init__(self, handler: _Handler, method: str, body: Any) -> None:
        self.handler = handler
        self.method = method
        split = urlsplit(handler.path)
        self.route = split.path
        self.query = {key: values[-1] for key, values in parse_qs(split.query).items()}
        self.body = body
        self.headers = {key.lower(): value for key, value in handler.headers.items()}

    def raw(
        self,
        code: int,
        payload: bytes,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a complete response with a Content-Length."""
        handler = self.handler
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)
        handler.wfile.flush()

    def json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        """Send ``obj`` as a JSON response."""
        self.raw(code, json.dumps(obj).encode(), headers=headers)

    def stream(
        self,
        content_type: str,
        events: Iterable[bytes],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a 200 whose body arrives piece by piece (chunked transfer encoding).

        Each event is flushed on its own, as a real server does per generated token.
        """
        handler = self.handler
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        for event in events:
            if event:
                handler.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its owner and stays quiet about vanished clients."""

    daemon_threads = True
    owner: WireServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hung up (timeouts do that); report anything else."""
        import sys

        if isinstance(sys.exc_info()[1], _CONNECTION_ERRORS):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the owning :class:`WireServer`."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real services
    server: _HTTPServer

    def setup(self) -> None:
        """Track the connection so ``stop()`` can cut idle keep-alive sockets."""
        super().setup()
        self.server.owner._track(self.connection)

    def finish(self) -> None:
        """Forget the connection; a client that vanished mid-reply is not an error."""
        with contextlib.suppress(*_CONNECTION_ERRORS, ValueError):
            super().finish()
        self.server.owner._untrack(self.connection)

    def do_GET(self) -> None:
        """Serve a GET."""
        self.server.owner._dispatch(self, "GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self.server.owner._dispatch(self, "POST")

    def do_DELETE(self) -> None:
        """Serve a DELETE (only to answer it with the provider's 404)."""
        self.server.owner._dispatch(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: tests assert on ``requests``, not on access logs."""


# --- the server ---------------------------------------------------------------------------


class WireServer:
    """A provider test server on ``127.0.0.1`` (ephemeral port), run in a daemon thread.

    Use as a context manager (``with OllamaServer() as server:``) or call ``start()`` /
    ``stop()``. Chat requests take behaviours from ``script`` in order; once it is empty the
    ``responder`` produces the reply. Every request, chat or not, is appended to
    ``requests``.

    Subclasses implement ``handle`` (routing) and the provider's JSON shapes.
    """

    stream_content_type = "application/json"

    def __init__(
        self,
        responder: Responder = default_responder,
        script: Iterable[Behaviour] = (),
    ) -> None:
        self.responder = responder
        self._script: deque[Behaviour] = deque(script)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any ``Slow`` wait, and close open client connections."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on (it must be started)."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL to give the provider's client; subclasses add a path prefix if needed."""
        return self.url

    # scripting

    def push(self, *behaviours: Behaviour) -> None:
        """Append behaviours to the script (for tests that script as they go)."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def script(self) -> list[Behaviour]:
        """The behaviours not yet consumed, in order (a copy)."""
        with self._lock:
            return list(self._script)

    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded requests that were chat calls (subclasses say which paths)."""
        return [r for r in self.requests if self.is_chat_path(r.path)]

    def is_chat_path(self, path: str) -> bool:
        """Whether ``path`` is one of this provider's chat endpoints."""
        raise NotImplementedError

    def _next_behaviour(self) -> Behaviour | None:
        with self._lock:
            if not self._script:
                return None
            behaviour = self._script.popleft()
            if isinstance(behaviour, Status) and behaviour.times > 1:
                self._script.appendleft(replace(behaviour, times=behaviour.times - 1))
            return behaviour

    # plumbing

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def _dispatch(self, handler: _Handler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        exchange = Exchange(handler, method, body)
        self.requests.append(RecordedRequest(handler.path, body, exchange.headers))
        try:
            self.handle(exchange)
        except _CONNECTION_ERRORS:
            handler.close_connection = True

    def handle(self, ex: Exchange) -> None:
        """Route one request; subclasses implement the provider's endpoints."""
        raise NotImplementedError

    # the shared chat flow

    def serve_chat(self, ex: Exchange, call: ChatCall) -> None:
        """Answer a chat request according to the next scripted behaviour.

        Providers call this once they have parsed the request (and rejected bad models or
        keys), so faults look the same on every server.
        """
        behaviour = self._next_behaviour()
        if isinstance(behaviour, Status):
            headers = {}
            if (retry_after := behaviour.retry_after_header) is not None:
                headers["Retry-After"] = retry_after
            ex.json(behaviour.code, self.error_body(behaviour.code, behaviour.message), headers)
            return
        if isinstance(behaviour, Slow):
            if self._stopping.wait(behaviour.seconds):
                ex.handler.close_connection = True
                return
            behaviour = None
        if isinstance(behaviour, Malformed):
            if call.stream:
                ex.stream(self.stream_content_type, self.malformed_stream(call))
            else:
                ex.raw(200, self.malformed_body(call))
            return
        if isinstance(behaviour, Reply):
            chunks = split_tokens(behaviour.text)
        elif isinstance(behaviour, Chunks):
            chunks = list(behaviour.parts) or [""]
        else:
            chunks = split_tokens(self.responder(call.messages))
        if call.stream:
            ex.stream(self.stream_content_type, self.stream_events(call, chunks))
        else:
            ex.json(200, self.full_response(call, chunks))

    # provider hooks

    def error_body(self, code: int, message: str | None = None) -> Any:
        """The provider's error JSON for HTTP ``code``."""
        raise NotImplementedError

    def full_response(self, call: ChatCall, chunks: Sequence[str]) -> Any:
        """The provider's non-streaming chat response for the reply ``"".join(chunks)``."""
        raise NotImplementedError

    def stream_events(self, call: ChatCall, chunks: Sequence[str]) -> Iterator[bytes]:
        """The provider's streamed chat response, one framed event per item."""
        raise NotImplementedError

    def malformed_body(self, call: ChatCall) -> bytes:
        """A 200 body that starts like the real thing but is not valid JSON."""
        return json.dumps(self.full_response(call, ["truncated"])).encode()[:-7]

    def malformed_stream(self, call: ChatCall) -> Iterator[bytes]:
        """A stream whose first event is valid and whose second is broken JSON."""
        events = self.stream_events(call, ["Hello", " broken"])
        yield next(events)
        yield next(events)[:-12] + b"\n\n"
