"""``veraz ui``: the Typer command the CLI registers (``app.command()(ui)``).

Kept out of agent/cli.py so the CLI does not import anything of the UI until asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def ui(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 to serve the UI on.")
    ] = 8501,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data folder (default: VERAZ_HOME or ~/.veraz).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser tab.")
    ] = False,
) -> None:
    """Open the chat UI in the browser: cited, verified answers from your documents."""
    import importlib.util

    from ui.launch import run_ui

    if importlib.util.find_spec("streamlit") is None:
        typer.secho(
            "error: the UI needs Streamlit; install it with: pip install 'veraz[ui]'",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"Veraz UI: http://127.0.0.1:{port}  (Ctrl+C to stop)")
    run_ui(port, home, open_browser=not no_browser)


def register(app: typer.Typer) -> None:
    """Entry point ``veraz.commands``: ``veraz ui``."""
    app.command(name="ui")(ui)
