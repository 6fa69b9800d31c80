"""``Authorization: Bearer <key>`` on every route but the health probes and /metrics.

401 when the key is missing, malformed, unknown or revoked (one message for all four:
the answer must not tell a guesser which keys exist); 403 when a valid key asks for a
collection it is not allowed. The key's id (never the key) goes to the request's state
for the access log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agent.server.errors import APIError
from agent.server.keys import ApiKey


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_key(request: Request) -> ApiKey:
    """FastAPI dependency: the caller's valid key, or a 401.

    Async on purpose: the lookup is one indexed SQLite read (well under a millisecond),
    cheaper on the event loop than a hop to the thread pool and back.
    """
    state = request.app.state.veraz
    token = bearer_token(request)
    key = state.keys.verify(token) if token else None
    if key is None:
        state.metrics.auth_failures.labels("401").inc()
        message = (
            "invalid or revoked API key"
            if token
            else "missing API key: send 'Authorization: Bearer <key>' (create one with "
            "`veraz keys create`)"
        )
        raise APIError(401, message, code="invalid_api_key")
    request.state.key_id = key.id
    return key


def require_collection(request: Request, key: ApiKey, collection: str, param: str) -> None:
    """403 unless ``key`` may use ``collection``."""
    if not key.allows(collection):
        request.app.state.veraz.metrics.auth_failures.labels("403").inc()
        raise APIError(
            403,
            f"this API key may not use collection {collection!r}",
            param=param,
            code="collection_not_allowed",
        )


CallerKey = Annotated[ApiKey, Depends(require_key)]
"""A route parameter ``key: CallerKey`` requires a valid key and receives it."""
