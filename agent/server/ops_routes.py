"""Probes and metrics: ``/healthz`` (alive), ``/readyz`` (ready for traffic), ``/metrics``.

None needs a key: orchestrators and Prometheus call them, and they reveal nothing about
documents, collections or keys (metrics labels are bounded: see metrics.py).
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from agent.server.state import ServerState

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, object]:
    """The process answers. ``worker`` tells --workers processes apart."""
    return {"status": "ok", "worker": os.getpid()}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """503 until the worker has loaded the embedding model and opened the default
    collection (or when that failed); then 200."""
    state: ServerState = request.app.state.veraz
    if not state.ready.is_set():
        return JSONResponse({"status": "starting"}, status_code=503)
    if state.warm_up_error:
        return JSONResponse({"status": "error", "detail": state.warm_up_error}, status_code=503)
    return JSONResponse({"status": "ready", "worker": os.getpid()})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    state: ServerState = request.app.state.veraz
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
