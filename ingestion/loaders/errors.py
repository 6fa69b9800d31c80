"""The one error a loader raises, with a reason fit to show the user as is.

Bad input never escapes as a parser traceback: every loader turns what went wrong into a
:class:`LoaderError`, and :func:`one_line_cause` shortens an unexpected parser exception
into a single readable line for it.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["LoaderError", "one_line_cause"]


class LoaderError(Exception):
    """A file could not be loaded; ``str(error)`` is a reason fit to show the user."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[LoaderError], tuple[Path, str]]:
        """Rebuild with both arguments, so the error survives a trip through a process pool."""
        return type(self), (self.path, self.reason)


_OBJECT_REPR_RE = re.compile(r":?[^\S\n]{0,8}<[^<>]* at 0x[0-9a-fA-F]+>")  # bounded: linear
_MAX_CAUSE_CHARS = 160


def one_line_cause(exc: BaseException) -> str:
    """``Type: message`` on one line, without object reprs, at most 160 characters."""
    message = " ".join(_OBJECT_REPR_RE.sub("", str(exc)).split())
    cause = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return cause if len(cause) <= _MAX_CAUSE_CHARS else cause[: _MAX_CAUSE_CHARS - 3] + "..."
