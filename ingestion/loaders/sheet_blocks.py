"""A sheet's grid (CSV, an XLSX or ODS sheet) to what it holds: tables and lines of text.

A spreadsheet is seldom one clean table from A1: a title in A1, a blank row, then the header;
two tables side by side under each other separated by a blank row; a note under the total.
Blocks of rows separated by empty rows are read apart: a block that is one column wide (or
one cell per row) is text, which becomes the caption of the table under it when short; a
wider block is a table (:func:`~ingestion.tables.table_from_grid` finds its header).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ingestion.loaders.sections import SectionBuilder
from ingestion.tables import GridCell, Table, caption_from, expand_spans, table_from_grid

__all__ = ["add_sheet"]


def _blocks(rows: Iterable[list[str]]) -> list[list[list[str]]]:
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if any(cell.strip() for cell in row):
            blocks[-1].append(row)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _is_text_block(block: Sequence[Sequence[str]]) -> bool:
    """Lines of text rather than a table: at most one filled cell on every row."""
    return all(sum(1 for cell in row if cell.strip()) <= 1 for row in block)


def add_sheet(
    builder: SectionBuilder,
    rows: Iterable[list[str]],
    page: int | None,
    *,
    spans: Sequence[Sequence[GridCell]] | None = None,
) -> int:
    """Feed a sheet's rows to ``builder``: text blocks as paragraphs, tables as tables.

    ``spans``: the sheet as spanning cells instead (merged cells known); then ``rows`` is
    ignored. Returns the number of tables found.
    """
    grid: list[list[str]]
    if spans is not None:
        grid = [[slot.text for slot in line] for line in expand_spans(spans)]
    else:
        grid = [list(row) for row in rows]
    tables = 0
    caption = ""
    for block in _blocks(grid):
        if _is_text_block(block):
            lines = [" ".join(cell.split()) for row in block for cell in row if cell.strip()]
            text = "\n".join(lines)
            builder.add(text, page)
            caption = caption_from(lines[-1]) if lines else ""
            continue
        table: Table | None = table_from_grid(block, caption=caption, caption_in_text=True)
        caption = ""
        if table is None:
            continue
        builder.table(table, page)
        tables += 1
    return tables
