"""Around every request: an id, the access log line, request metrics, and the last guard.

A pure ASGI middleware (not BaseHTTPMiddleware, which buffers streamed responses). Every
response names its request id and worker process (``X-Request-Id``, ``X-Veraz-Worker``).
The
access log names the route template, the status, the time and the key's id; never the
key, a query string or a body. An exception no handler turned into a response becomes
OpenAI's error JSON with status 500 and the request id, and the log gets its type and
where it was raised, never a traceback through uvicorn.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.server.errors import error_body, where_raised
from agent.server.metrics import ServerMetrics
from ingestion.path_checks import printable

logger = logging.getLogger("veraz.server")
access = logging.getLogger("veraz.server.access")
# which --workers process answered: for operators reading logs, and the workers test
WORKER = str(os.getpid()).encode()
CLIENT_CLOSED = 499  # nginx's status for a client that closed the connection first


def route_of(scope: Scope) -> str:
    """The matched route's template (``/v1/ask``), bounded for metrics and logs."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"x-veraz-worker", WORKER),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # gone mid-request (an upload cut short): not our error
            if not status["sent"]:
                status["code"] = CLIENT_CLOSED
            logger.info("request %s: the client disconnected before it was read", request_id)
        except Exception as exc:
            logger.error(
                "request %s failed: %s at %s", request_id, type(exc).__name__, where_raised(exc)
            )
            if not status["sent"]:
                body = error_body(
                    500, f"internal error (request {request_id}); the server log has its cause"
                )
                await JSONResponse(body, status_code=500)(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            self.metrics.requests.labels(route, scope["method"], str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(seconds)
            access.info(
                "%s %s %s %.1fms key=%s id=%s",
                printable(scope["method"])[:16],
                route,  # the template; an unmatched path is never logged as sent
                status["code"],
                seconds * 1000,
                state.get("key_id", "-"),
                request_id,
            )
