"""The FastAPI application: ``create_app()`` is what uvicorn runs in every worker.

Uvicorn imports ``agent.server.app:create_app`` (a factory) in each ``--workers``
process, so every worker reads its configuration from the environment that ``veraz
serve`` prepared, opens the collections itself, and shares nothing with the others but
the files under VERAZ_HOME: SQLite in WAL mode and FAISS generations let each read a
consistent index while another writes (ingestion/index/store.py and its backends).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from agent.config import Settings
from agent.server import ingest_routes, native_routes, openai_routes, ops_routes
from agent.server.body_limit import BodyLimit
from agent.server.config import ServerSettings
from agent.server.errors import install_error_handlers
from agent.server.home_modes import make_private
from agent.server.request_context import RequestContext
from agent.server.state import ServerState


def create_app(settings: Settings | None = None, server: ServerSettings | None = None) -> FastAPI:
    """The app, configured from ``settings`` / ``server`` or else from the environment."""
    settings = settings or Settings()
    server = server or ServerSettings()
    make_private(settings.home)  # each worker: what it creates is the owner's alone
    state = ServerState.build(settings, server)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # In the background: the worker accepts connections (and answers /healthz and
        # /readyz) while the embedding model loads.
        threading.Thread(target=state.warm_up, name="veraz-warm-up", daemon=True).start()
        yield
        state.engines.close()
        state.threads.close()

    app = FastAPI(
        title="Veraz",
        summary="Cited, verified answers from your documents; OpenAI-compatible.",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.veraz = state
    install_error_handlers(app)
    app.include_router(openai_routes.router)
    app.include_router(native_routes.router)
    app.include_router(ingest_routes.router)
    app.include_router(ops_routes.router)
    if server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        BodyLimit,
        request_bytes=server.max_request_bytes,
        upload_bytes=server.max_upload_bytes,
    )
    app.add_middleware(RequestContext, metrics=state.metrics)
    return app
