"""Start uvicorn for ``veraz serve``: configuration through the environment, logs, metrics.

``--workers N`` makes uvicorn spawn N fresh processes that import
``agent.server.app:create_app``; they inherit only the environment. So the resolved
settings (home, collection, models) and the server's options go into ``VERAZ_*``
variables here, and ``PROMETHEUS_MULTIPROC_DIR`` points every worker at one fresh folder
for the metrics they share; the folder is removed when the server stops.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any

from agent.config import Settings

APP = "agent.server.app:create_app"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's own messages and Veraz's access log, one format, on stderr; uvicorn's
    access log is off (ours names the route and key id, never a key or query string)."""
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "veraz": {"handlers": ["stderr"], "level": upper, "propagate": False},
        },
    }


def worker_environment(
    settings: Settings, allowed_models: list[str], cors_origins: list[str]
) -> dict[str, str]:
    """The variables every worker must see to build the same app."""
    from agent.server.config import ServerSettings

    current = ServerSettings()
    env = {
        "VERAZ_HOME": str(settings.home),
        "VERAZ_COLLECTION": settings.collection,
        "VERAZ_MODEL": settings.model,
        "VERAZ_FALLBACK_MODEL": settings.fallback_model,
        "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
        "TOKENIZERS_PARALLELISM": "false",
    }
    if allowed_models:
        env["VERAZ_SERVER_MODELS"] = json.dumps([*current.models, *allowed_models])
    if cors_origins:
        env["VERAZ_SERVER_CORS_ORIGINS"] = json.dumps([*current.cors_origins, *cors_origins])
    return env


def run_server(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    allowed_models: list[str],
    cors_origins: list[str],
    log_level: str,
) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn handles both and drains open requests)."""
    import uvicorn

    os.environ.update(worker_environment(settings, allowed_models, cors_origins))
    metrics_dir = tempfile.mkdtemp(prefix="veraz-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            server_header=False,
            log_config=log_config(log_level),
            log_level=log_level,
            timeout_graceful_shutdown=30,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
