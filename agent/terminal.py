"""Printing to the terminal through Rich without letting text become markup.

Rich reads ``[word]`` as a style tag and silently drops it, so "add [[sources]] to
veraz.toml" printed as markup came out as "add [] to veraz.toml", and a file named
``[bold]notes].md`` or an answer quoting ``[tool.ruff]`` would be mangled the same way.
The rule here: markup is written only in literal templates in the code; every value put
into one (file names, reasons, questions, answers, exception text) goes through
:func:`markup`, which escapes it and shows control characters as escapes. Text printed
on its own uses :func:`plain`. tests/test_terminal_markup.py holds every command module
to that rule.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingestion.path_checks import printable

console = Console()
errors = Console(stderr=True)


def safe(value: Any) -> Any:
    """``value`` ready to sit inside markup: strings escaped and printable, numbers as is
    (so format specs such as ``{seconds:.1f}`` still apply)."""
    if isinstance(value, str | bytes) or not isinstance(value, int | float):
        return escape(printable(str(value)))
    return value


def markup(template: str, /, **values: Any) -> str:
    """``template`` (literal Rich markup from the code) filled with escaped ``values``."""
    return template.format(**{key: safe(value) for key, value in values.items()})


def say(template: str, /, *, to: Console | None = None, **values: Any) -> None:
    """Print ``template`` with ``values`` escaped (see :func:`markup`)."""
    (to or console).print(markup(template, **values), highlight=False)


def plain(
    text: str, *, to: Console | None = None, style: str | None = None, end: str = "\n"
) -> None:
    """Print ``text`` exactly as it is: no markup, no highlighting."""
    (to or console).print(text, markup=False, highlight=False, style=style, end=end)


def fail(message: str, code: int = 2) -> NoReturn:
    """One red line on stderr, then exit with ``code`` (2: usage or configuration error)."""
    say("[bold red]error:[/] {message}", to=errors, message=message)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (what ``--json`` prints), never through Rich."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_flat(result: dict[str, Any], prefix: str = "") -> None:
    """A nested result as ``a.b.c: value`` lines (benchmarks without ``--json``)."""
    for key, value in result.items():
        if isinstance(value, dict):
            print_flat(value, f"{prefix}{key}.")
        else:
            say("{key}: [bold]{value}[/]", key=f"{prefix}{key}", value=value)


def progress_bar() -> Progress:
    """A transient progress bar on stderr, so ``--json`` output on stdout stays clean."""
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )
