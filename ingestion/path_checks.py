"""Which file paths ingestion refuses before opening them, and how to show any path safely.

A file name may hold any byte but ``/`` and NUL. Names with control characters (a newline,
an ANSI escape such as ``\\x1b[2J``) are legal but can forge or erase lines in terminals and
log files that print them, so ingestion refuses them with a reason, and every place that
prints a path a user did not type goes through :func:`printable`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf") and char not in "\u200d\u200c"


def printable(path: str | Path) -> str:
    """``path`` with control and format characters written as escapes (``\\n``, ``\\x1b``)."""
    text = str(path)
    if not any(_is_control(c) for c in text):
        return text
    return "".join(
        c.encode("unicode_escape").decode("ascii") if _is_control(c) else c for c in text
    )


def name_problem(path: Path) -> str | None:
    """Why ``path``'s own name cannot be ingested, or None when it can."""
    bad = sorted({c for c in path.name if _is_control(c)})
    if not bad:
        return None
    shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
    return f"file name contains control characters ({shown}); rename the file to ingest it"


def outside_root(path: Path, resolved: Path, root: Path) -> str | None:
    """Why a file found under folder ``root`` must be skipped because it resolves elsewhere.

    A symlink (or a ``..`` component) inside a watched folder that leads out of it would
    index files the user never pointed at, for example ``~/.ssh`` through a link in a shared
    folder. Name the target's folder itself as a path to ingest it.
    """
    if resolved.is_relative_to(root):
        return None
    return f"links outside the folder {printable(root)} (to {printable(resolved)}); not followed"
