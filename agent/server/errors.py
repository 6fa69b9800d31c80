"""Every error as OpenAI's JSON shape, ``{"error": {message, type, param, code}}``.

OpenAI-compatible clients (the ``openai`` library, LangChain, Open WebUI) read
``error.message`` and raise by status code, so native routes answer errors the same way.
A user never sees a traceback: unexpected exceptions become a 500 whose message names
the request id (agent/server/request_context.py); the log gets the exception's type and
where it was raised, never its arguments (they may quote a document).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    500: "server_error",
    503: "server_error",
    504: "server_error",
}


class APIError(Exception):
    """An error a client should see, with its HTTP status and the field it is about."""

    def __init__(
        self, status: int, message: str, *, param: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


def error_body(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": _TYPES.get(status, "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(error: APIError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error_body(error.status, error.message, error.param, error.code),
        status_code=error.status,
        headers=headers,
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "messages", 0, "role")`` -> ``"messages[0].role"``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    """One readable line for the first problems, and the field of the first."""
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return "the request body is not valid JSON", None
    shown = []
    for problem in problems[:3]:
        where = _field(problem.get("loc", ())) or "body"
        shown.append(f"{where}: {problem.get('msg', 'invalid')}")
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(shown) + more, _field(problems[0].get("loc", ())) if problems else None


def where_raised(exc: BaseException) -> str:
    """``agent/api.py:123`` for the innermost frame: enough to find it, nothing of the data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{'/'.join(Path(last.filename).parts[-2:])}:{last.lineno}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = validation_message(exc)
        return error_response(APIError(400, message, param=param, code="invalid_request"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {
            404: f"no route {request.method} {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }
        message = messages.get(exc.status_code, str(exc.detail))
        code = "request_too_large" if exc.status_code == 413 else None  # a chunked body
        return error_response(
            APIError(exc.status_code, message, code=code), dict(exc.headers or {})
        )
