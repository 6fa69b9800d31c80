"""The ``veraz`` command: parses arguments, calls :class:`agent.api.Veraz`, prints.

Thin on purpose: every behaviour lives in the API so the CLI, the UI, the HTTP server and
users' scripts agree. ``--json`` prints exactly the result's ``to_dict()``; otherwise
Rich, with every value escaped (agent/terminal.py). One module per group of commands:

- documents.py: ingest, retrieve, stats, demo
- answers.py: ask, chat, models (answer_view.py draws an answer)
- sources.py: schedule, watch, status, doctor
- reindex.py: reindex (re-embed a collection with another embedding model)
- migrate.py: migrate (copy collections between the sqlite and postgres stores)

The HTTP server (serve, keys) registers its commands from agent/server/. The UI,
evaluations, benchmarks and fine-tuning live above ``agent`` and register theirs through
the ``veraz.commands`` entry point (pyproject.toml): ``agent`` never imports them, so
there is no import cycle. Their heavy imports (streamlit, fastapi, ragas, peft) happen
only when one of their commands runs.
"""

from __future__ import annotations

# isort: off
# Importing a command module registers its commands; this order is the order of `--help`.
from agent.cli import documents, answers, sources, reindex, migrate  # noqa: F401
from agent.cli.app import app

# isort: on


def _register_side_tools() -> None:
    from importlib.metadata import entry_points

    from agent.server.command import keys_app
    from agent.server.command import serve as serve_command

    for entry in sorted(entry_points(group="veraz.commands"), key=lambda e: e.name):
        entry.load()(app)
    app.command(name="serve")(serve_command)
    app.add_typer(keys_app, name="keys")


_register_side_tools()


def main() -> None:
    app()


__all__ = ["app", "main"]
