"""Start uvicorn for ``veraz serve``: configuration through the environment, logs, metrics.

``--workers N`` makes uvicorn spawn N fresh processes that import
``agent.server.app:create_app``; they inherit only the environment. So the resolved
settings (home, collection, models) and the server's options go into ``VERAZ_*``
variables here, and ``PROMETHEUS_MULTIPROC_DIR`` points every worker at one fresh folder
for the metrics they share; the folder is removed when the server stops.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import tempfile
from typing import Any

from agent.config import Settings
from agent.server.home_modes import make_private

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


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts on, created as an explicit TCP socket.

    uvicorn's own ``bind_socket`` (used with ``--workers``) creates it with protocol 0,
    and asyncio then skips TCP_NODELAY on the connections it accepts (it checks for
    IPPROTO_TCP): each response written in two parts waited for the client's delayed
    ACK, about 40 ms per request (measured: /healthz 4 ms with one worker, 48 ms with
    two). Passing our own socket fixes that for any number of workers.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


class _Stopped(BaseException):
    """A stop signal arrived after uvicorn had finished with it."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


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
    from uvicorn.supervisors import Multiprocess

    make_private(settings.home)  # before any worker or metrics file exists
    os.environ.update(worker_environment(settings, allowed_models, cors_origins))
    metrics_dir = tempfile.mkdtemp(prefix="veraz-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    config = uvicorn.Config(
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
        # uvicorn restarts a worker that does not answer its supervisor's ping in time;
        # its 5 s default killed workers still importing torch on a busy machine.
        timeout_worker_healthcheck=60,
    )
    sock = listening_socket(host, port)
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("veraz.server").info(
        "Veraz API on http://%s:%d with %d worker(s)", shown, port, workers
    )
    # uvicorn handles SIGINT/SIGTERM, then restores the handlers it found and raises the
    # signal again; with the default SIGTERM handler that killed the process before the
    # ``finally`` below, leaving the metrics folder in /tmp. Ours ends the run instead.
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
