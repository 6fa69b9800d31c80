"""``veraz serve`` and ``veraz keys``: the commands agent/cli.py registers.

Kept out of agent/cli.py so ``veraz --help`` imports neither FastAPI nor uvicorn; each
command imports them when it runs, and says which extra to install when they are missing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

HomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Data folder (default: VERAZ_HOME or ~/.veraz).")
]

keys_app = typer.Typer(
    help="API keys for `veraz serve`: create (shown once), list, revoke.", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def _require_server_extra() -> None:
    modules = ("fastapi", "uvicorn", "prometheus_client", "multipart")
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        _fail(
            f"the HTTP server needs {', '.join(missing)}; install it with: "
            "pip install 'veraz[server]'"
        )


def _settings(home: Path | None, **extra: object):  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from agent.config import Settings

    given = {k: v for k, v in {"home": home, **extra}.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        _fail(f"invalid configuration: {problems}")


def _store(home: Path | None):  # type: ignore[no-untyped-def]
    from agent.server.keys import KeyStore

    return KeyStore.for_home(_settings(home).home)


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


@keys_app.command("create")
def keys_create(
    collection: Annotated[
        list[str] | None,
        typer.Option("--collection", "-c", help="Only this collection (repeatable; default: all)."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="A label to recognise the key by.")] = "",
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"id": …, "key": …}.')] = False,
) -> None:
    """Create an API key and print it once: it is stored only as a hash."""
    from agent.server.keys import KeyStore

    settings = _settings(home)
    for name_given in collection or []:
        _settings(home, collection=name_given)  # a valid collection name, or one line
    record, secret = KeyStore.for_home(settings.home).create(name=name, collections=collection)
    if as_json:
        sys.stdout.write(json.dumps({"id": record.id, "key": secret}) + "\n")
        return
    scope = ", ".join(record.collections) if record.collections else "all collections"
    typer.echo(f"API key {record.id} ({scope}):\n\n    {secret}\n")
    typer.echo("Keep it now: it is stored only as a hash and cannot be shown again.")


@keys_app.command("list")
def keys_list(
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """Keys by id, with their collections and state (the keys themselves are not stored)."""
    keys = _store(home).list()
    if as_json:
        sys.stdout.write(json.dumps([k.to_dict() for k in keys], indent=2) + "\n")
        return
    if not keys:
        typer.echo("No API keys yet: veraz keys create")
    for key in keys:
        scope = ", ".join(key.collections) if key.collections else "all collections"
        state = "active" if key.active else f"revoked {_when(key.revoked_at)}"
        label = f" {key.name!r}" if key.name else ""
        typer.echo(f"{key.id}{label}  {scope}  created {_when(key.created_at)}  {state}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_…), from `veraz keys list`.")],
    home: HomeOpt = None,
) -> None:
    """Revoke a key: every worker refuses it from the next request on."""
    try:
        record = _store(home).revoke(key_id)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    typer.echo(f"revoked {record.id}")


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Processes serving requests.")
    ] = 1,
    home: HomeOpt = None,
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Default collection of /v1/ask …")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Answering model (VERAZ_MODEL).")
    ] = None,
    fallback_model: Annotated[
        str | None, typer.Option("--fallback-model", help="Fallback model.")
    ] = None,
    allow_model: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-model",
            help="Another model requests may choose (repeatable; VERAZ_SERVER_MODELS).",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="Browser origin allowed (repeatable; default none)."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning, error.")] = (
        "info"
    ),
) -> None:
    """Serve the HTTP API: OpenAI-compatible chat, native routes, metrics. Needs API keys."""
    _require_server_extra()
    from agent.server.launch import run_server

    if log_level.lower() not in ("debug", "info", "warning", "error"):
        _fail(f"--log-level must be debug, info, warning or error, not {log_level!r}")
    settings = _settings(home, collection=collection, model=model, fallback_model=fallback_model)
    from agent.server.keys import KeyStore

    if KeyStore.for_home(settings.home).active_count() == 0:
        typer.secho(
            "warning: no API keys: every request will get 401 until you run `veraz keys create`",
            fg="yellow",
            err=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.secho(
            f"warning: listening on {host}: reachable from the network; put TLS in front "
            "(a reverse proxy) before sending keys over it",
            fg="yellow",
            err=True,
        )
    run_server(
        settings,
        host=host,
        port=port,
        workers=workers,
        allowed_models=allow_model or [],
        cors_origins=cors_origin or [],
        log_level=log_level.lower(),
    )
