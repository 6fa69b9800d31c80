"""What a loader read only in part, said to the user in the ingest report.

A loader that falls back (a PDF table that could not be read as rows is indexed as plain
text) still succeeds, but the user should know why answers about that table may be
poor. Loaders call :func:`note`; :func:`~ingestion.loaders.load_document` collects the notes
of the one file it loads (a context variable, so loaders on other threads do not mix) into
``LoadedDocument.notes``, and the pipeline lists them in ``IngestReport.notes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["collecting_notes", "note"]

_NOTES: ContextVar[list[str] | None] = ContextVar("veraz_loader_notes", default=None)


def note(message: str) -> None:
    """Record ``message`` about the file being loaded (dropped outside a load)."""
    notes = _NOTES.get()
    if notes is not None and message not in notes:
        notes.append(message)


@contextmanager
def collecting_notes() -> Iterator[list[str]]:
    """The notes loaders record inside the ``with`` block."""
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)
