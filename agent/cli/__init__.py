"""The ``veraz`` command: parses arguments, calls :class:`agent.api.Veraz`, prints.

Thin on purpose: every behaviour lives in the API so the CLI, the UI, the HTTP server and
users' scripts agree. ``--json`` prints exactly the result's ``to_dict()``; otherwise
Rich, with every value escaped (agent/terminal.py). One module per group of commands:

- documents.py: ingest, retrieve, stats, demo
- answers.py: ask, chat, models (answer_view.py draws an answer)
- sources.py: schedule, watch, status, doctor
- reindex.py: reindex (re-embed a collection with another embedding model)
- migrate.py: migrate (copy collections between the sqlite and postgres stores)
- bench.py: bench retrieval | ingest | verify | graph | answers | serve

The UI, the HTTP server (serve, keys), evaluations and fine-tuning register their own
commands from their packages; their heavy imports (streamlit, fastapi, ragas, peft)
happen only when one of them runs.
"""

from __future__ import annotations

# isort: off
# Importing a command module registers its commands; this order is the order of `--help`.
from agent.cli import documents, answers, sources, reindex, migrate, bench  # noqa: F401
from agent.cli.app import app

# isort: on


def _register_side_tools() -> None:
    from agent.server.command import keys_app
    from agent.server.command import serve as serve_command
    from evals.command import eval_app
    from finetune.command import finetune_app
    from ui.command import ui as ui_command

    app.command(name="ui")(ui_command)
    app.command(name="serve")(serve_command)
    app.add_typer(keys_app, name="keys")
    app.add_typer(eval_app, name="eval")
    app.add_typer(finetune_app, name="finetune")


_register_side_tools()


def main() -> None:
    app()


__all__ = ["app", "main"]
