"""Matching the ``Table`` elements ``unstructured`` emits to the tables a loader read itself.

DOCX and PPTX keep ``unstructured`` for their text (headings from styles, list items, page
breaks) but read their tables with python-docx / python-pptx, which know the rows, the
merged cells and the header. ``unstructured`` emits one ``Table`` element per table in
document order but skips empty ones, so the two lists are walked together and matched by
their words, never by position alone: an element no table matches keeps its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingestion.tables import Table

__all__ = ["TableMatcher"]

_MIN_OVERLAP = 0.6


def _words(text: str) -> set[str]:
    return {word.lower() for word in text.split()}


def _table_words(table: Table) -> set[str]:
    words: set[str] = set()
    for row in (table.header, *table.rows):
        for cell in row:
            words |= _words(cell.replace("\\|", "|"))
    return words


class TableMatcher:
    """``matcher(element)``: the read table whose words match the element's, in order."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        self.words = [_table_words(table) for table in self.tables]
        self.next = 0

    def __call__(self, element: Any) -> Table | None:
        wanted = _words(element.text or "")
        if not wanted:
            return None
        for index in range(self.next, len(self.tables)):
            have = self.words[index]
            overlap = len(wanted & have) / max(len(wanted | have), 1)
            if overlap >= _MIN_OVERLAP:
                self.next = index + 1
                return self.tables[index]
        return None
