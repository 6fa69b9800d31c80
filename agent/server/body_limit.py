"""Request bodies bounded by route: JSON requests by VERAZ_SERVER_MAX_REQUEST_MB, uploads
(``/v1/ingest``) by VERAZ_SERVER_MAX_UPLOAD_MB.

A declared ``Content-Length`` over the limit is refused before a byte is read; a body
without one (chunked) is counted as it arrives and refused when it passes the limit. The
refusal is a 413 in OpenAI's error shape (Starlette's own limiter answers plain text,
whatever the app's handlers say, so it is not used).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.server.errors import APIError, error_response

UPLOAD_PATHS = frozenset({"/v1/ingest"})


class BodyLimit:
    def __init__(self, app: ASGIApp, *, request_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.request_bytes = request_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"] in UPLOAD_PATHS else self.request_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await error_response(_too_large(limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # an HTTPException passes FastAPI's body parsing untouched and reaches
                    # the app's handler, which answers it as OpenAI-style JSON
                    raise HTTPException(413, _too_large(limit).message)
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> APIError:
    return APIError(
        413,
        f"the request body is larger than this server accepts ({limit / 1048576:g} MB)",
        code="request_too_large",
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
