"""Sections from the elements ``unstructured`` partitions DOCX, HTML and PPTX files into.

``unstructured`` runs offline here (:mod:`ingestion.unstructured_offline`); its partitioners
give headings from styles and tags, which is why these formats use it. Its tables are not
kept as it reads them (one run of words): each loader reads its tables' structure itself
(:mod:`ingestion.tables`) and hands them in, either for the ``Table`` elements
(``table_for``) or as markers it put in the markup where each table was (HTML).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ingestion.loaders.sections import SectionBuilder, Sectioned
from ingestion.tables import Table

__all__ = [
    "SKIPPED_CATEGORIES",
    "add_with_table_markers",
    "sections_from_elements",
    "table_marker",
]

SKIPPED_CATEGORIES = frozenset({"Header", "Footer", "PageBreak", "PageNumber"})
"""Page furniture: it repeats on every page and pollutes retrieval."""

_MARKER_RE = re.compile(r"VERAZTABLE(\d+)X")


def table_marker(index: int) -> str:
    """The word a loader puts in the markup where its ``index``-th table was."""
    return f"VERAZTABLE{index}X"


def add_with_table_markers(
    builder: SectionBuilder,
    text: str,
    page: int | None,
    tables: Sequence[Table],
    *,
    joiner: str = "\n\n",
) -> bool:
    """Add ``text``, with the table of each marker in it put at the marker's place.

    Returns whether ``text`` held a marker (the caller then treats it as body text).
    """
    position = 0
    found = False
    for match in _MARKER_RE.finditer(text):
        index = int(match.group(1))
        if index >= len(tables):
            continue
        found = True
        before = text[position : match.start()].strip()
        if before:
            builder.add(before, page, joiner=joiner)
        builder.table(tables[index], page)
        position = match.end()
    if not found:
        return False
    rest = text[position:].strip()
    if rest:
        builder.add(rest, page)
    return True


def sections_from_elements(
    elements: Iterable[Any],
    *,
    table_for: Callable[[Any], Table | None] | None = None,
    tables: Sequence[Table] = (),
) -> Sectioned:
    """Group unstructured elements into sections: a Title starts one, so does a new page.

    Page headers/footers are dropped (they repeat on every page and pollute retrieval).
    Consecutive list items stay on consecutive lines instead of becoming paragraphs.
    A ``Table`` element becomes the table ``table_for`` reads for it (its text when None);
    a marker of ``tables`` in an element's text becomes that table.
    """
    builder = SectionBuilder()
    previous_category = ""
    for element in elements:
        text = (element.text or "").strip()
        if element.category in SKIPPED_CATEGORIES or not text:
            continue
        page = getattr(element.metadata, "page_number", None)
        if tables and add_with_table_markers(builder, text, page, tables):
            previous_category = "Table"
            continue
        table = table_for(element) if table_for and element.category == "Table" else None
        if table is not None:
            builder.table(table, page)
        elif element.category == "Title":
            builder.heading(text, page)
        else:
            list_run = element.category == "ListItem" and previous_category == "ListItem"
            builder.add(text, page, joiner="\n" if list_run else "\n\n")
        previous_category = element.category
    return builder.finish()
