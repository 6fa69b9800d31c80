"""The Typer applications every ``veraz`` command module registers on.

Kept apart from the commands so each command module imports only this (and what it
needs itself): ``veraz --help`` stays fast and no module imports another's commands.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="veraz",
    help="Veraz: ask your documents in Spanish or English; every answer checked against them.",
    no_args_is_help=True,
    add_completion=False,
)
bench_app = typer.Typer(
    help="Measure retrieval, ingestion, answers, the verifier and the graph.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")
