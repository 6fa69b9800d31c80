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
    # Typer's own --install-completion / --show-completion: tab completion for bash, zsh,
    # fish and PowerShell without a script of ours to keep in step with the commands.
    add_completion=True,
)


def _print_version(value: bool) -> None:
    """``veraz --version``: the installed distribution's version, read from its metadata
    so it can never disagree with pyproject.toml."""
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("veraz")
    except PackageNotFoundError:  # run from a checkout that was never pip-installed
        installed = "unknown (not installed)"
    typer.echo(f"veraz {installed}")
    raise typer.Exit()


@app.callback()
def _main(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Veraz: ask your documents in Spanish or English; every answer checked against them."""


bench_app = typer.Typer(
    help="Measure retrieval, ingestion, answers, the verifier and the graph.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")
