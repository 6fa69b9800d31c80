"""The table model every loader hands its tables in: rows of cells under one flat header.

Users' tables (price lists, room lists, exam calendars) are answered one row at a time: "How
many seats does room Sur have?" is answered by the row "Sala: Sur · Plazas: 25 · …", never by
the whole table. So a loader that meets a table (DOCX, HTML, PPTX, PDF, CSV, XLSX, ODS) does
not flatten it into a line of words; it builds a :class:`Table`:

- ``header``: one name per column. Several header rows and merged header cells are
  flattened top to bottom into "Grupo › Columna" (a cell spanning two columns names both);
- ``rows``: the body rows, each as long as the header, merged cells repeated into every
  column and row they cover (a value merged down three rows belongs to all three);
- ``caption``: its caption, else the heading or short sentence just before it, which says
  what the table is about.

:func:`render_table` writes it as a Markdown pipe table, the form the answer units
(``agent/tools/answer_units.py``) already read row by row with their header ("Formato:
Q4_K_M · Tamaño en disco: 4,1 GB"); the chunker splits a long one by rows and repeats its
caption and header in every chunk (:func:`table_head`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "HEADER_PATH_SEPARATOR",
    "GridCell",
    "Table",
    "expand_spans",
    "flatten_header",
    "guess_header_rows",
    "render_table",
    "table_from_grid",
    "table_head",
]

HEADER_PATH_SEPARATOR = " › "
"""Between the levels of a flattened header ("Precio › Adulto"), as answer units join
heading paths."""

_SEPARATOR_LINE = "| --- "
_MAX_CAPTION_WORDS = 40
"""A sentence before a table longer than this is prose, not what the table is about."""


@dataclass(frozen=True)
class Table:
    """A table as rows under one flat header; see the module docstring."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    caption_in_text: bool = False
    """The caption is text the document already shows just before the table (a heading or
    sentence), so rendering it again would say it twice; only split chunks repeat it."""

    @property
    def width(self) -> int:
        return len(self.header)


@dataclass(frozen=True)
class GridCell:
    """A cell as markup gives it: its text and how many columns and rows it spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    """Marked as a header cell (``<th>``, a bold first row, a repeated Word header row)."""


@dataclass
class _Placed:
    text: str
    header: bool
    origin: bool = True


def cell_text(text: str) -> str:
    """A cell's text on one line: line breaks and runs of spaces folded, pipes escaped
    (an unescaped ``|`` would end the cell in the Markdown the answer units read)."""
    return " ".join(text.split()).replace("|", "\\|")


_MAX_SPAN = 1000
"""Spans are clamped: a ``colspan="100000"`` must not build a grid of that width."""
_MAX_COLUMNS = 1024
"""A table is read up to this many columns (no table a person reads is wider); cells
past it are left out, so a row of wide spans cannot make every row that wide."""
_SPAN_SLOTS_FLOOR = 100_000
_SPAN_SLOTS_PER_CELL = 8
"""Slots that merged cells may fill, in all: a floor plus a few per cell of the file. A
36 KB page of ``colspan=1000 rowspan=1000`` cells once built a grid of gigabytes; past
this budget a cell keeps its one slot, so the work stays linear in the file's size."""


def expand_spans(rows: Sequence[Sequence[GridCell]]) -> list[list[_Placed]]:
    """Rows of spanning cells to a full grid: a merged cell's text in every slot it covers.

    Ragged rows are padded with empty cells so every row is as wide as the widest.
    Linear in the number of slots the table covers.
    """
    grid: list[list[_Placed | None]] = []
    budget = _SPAN_SLOTS_FLOOR + _SPAN_SLOTS_PER_CELL * sum(len(row) for row in rows)
    for r, row in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for cell in row:
            line = grid[r]
            while c < len(line) and line[c] is not None:
                c += 1
            if c >= _MAX_COLUMNS:
                break
            colspan = max(1, min(cell.colspan, _MAX_SPAN, _MAX_COLUMNS - c))
            rowspan = max(1, min(cell.rowspan, _MAX_SPAN, len(rows) - r))
            if colspan * rowspan > budget:
                colspan = rowspan = 1
            budget -= colspan * rowspan
            text = cell_text(cell.text)
            for dr in range(rowspan):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                for dc in range(colspan):
                    while len(target) <= c + dc:
                        target.append(None)
                    target[c + dc] = _Placed(text, cell.header, origin=dr == 0 and dc == 0)
            c += colspan
    width = max((len(line) for line in grid), default=0)
    return [
        [slot if slot is not None else _Placed("", False) for slot in line]
        + [_Placed("", False) for _ in range(width - len(line))]
        for line in grid
    ]


def flatten_header(header_rows: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Several header rows to one name per column: "Grupo › Columna".

    A level that repeats the one above it (a cell merged down through two header rows) is
    said once; empty levels are skipped.
    """
    width = max((len(row) for row in header_rows), default=0)
    names: list[str] = []
    for c in range(width):
        levels: list[str] = []
        for row in header_rows:
            text = row[c] if c < len(row) else ""
            if text and (not levels or levels[-1] != text):
                levels.append(text)
        names.append(HEADER_PATH_SEPARATOR.join(levels))
    return tuple(names)


# Read on the stripped cell, with no two space runs side by side (that was quadratic on
# a cell of spaces): "25", "4,1 GB", "12 €", "(3,5)", "2024-05-01", "45%".
_NUMBER_LIKE = re.compile(r"[\-+−(]{0,3}[$€£¥%]?[ ]?\d[\d\s.,:/%'’\-]*[$€£¥%a-zA-Z]{0,4}\)?")


def _is_number_like(text: str) -> bool:
    """A value rather than a name: "25", "4,1 GB", "12 €", "2024-05-01", "45%"."""
    return bool(_NUMBER_LIKE.fullmatch(text.strip()))


def guess_header_rows(rows: Sequence[Sequence[str]]) -> int:
    """How many leading rows of a table without header markup (CSV, a sheet, a PDF, a Word
    table) are header.

    The first row is a header when its cells are names, not numbers, all filled (or all but
    an empty corner over the row labels), and the rows below differ from it: a number in
    some column, or no body row repeating it. It is the top of a two-row header when it
    groups columns (a name merged over several: repeated, or followed by empty cells) and
    the row under it is names again: "Precio" over "Adulto | Niño".
    """
    if len(rows) < 2:
        return 0
    first = list(rows[0])
    if not any(first) or any(_is_number_like(t) for t in first if t):
        return 0
    if len(rows) > 2 and (_has_group_gaps(first) or _has_repeats(first)):
        # The row under a group: the first column's name merged down into it (or left
        # empty), the group's columns named (years are names here: "Coste" over "2024").
        second = list(rows[1])
        if second[0] in ("", first[0]) and all(second[1:]) and second != first:
            return 2
    if not (all(first) or (not first[0] and all(first[1:]))):
        return 0
    body = rows[1:]
    typed = any(
        any(c < len(row) and _is_number_like(row[c]) for row in body) for c in range(len(first))
    )
    distinct = len(set(first)) == len(first) and all(list(row) != first for row in body)
    return 1 if typed or distinct else 0


def _has_repeats(cells: Sequence[str]) -> bool:
    """The same name in adjacent cells: a header cell merged over several columns."""
    return any(cells[i] and cells[i] == cells[i - 1] for i in range(1, len(cells)))


def _has_group_gaps(cells: Sequence[str]) -> bool:
    """Empty cells right after a filled one: a group name merged over several columns."""
    return any(not cells[i] and cells[i - 1] for i in range(1, len(cells)))


def table_from_grid(
    grid: Sequence[Sequence[str]] | list[list[_Placed]],
    *,
    header_rows: int | None = None,
    caption: str = "",
    caption_in_text: bool = False,
) -> Table | None:
    """A :class:`Table` from a full grid (strings, or what :func:`expand_spans` makes).

    ``header_rows``: how many leading rows are header; None to take the rows marked as
    header cells (``<th>``), else to guess (:func:`guess_header_rows`). Empty rows and
    empty columns are dropped; a table with no body row left is None (not a table).
    A group name in a header row with empty cells after it (a merge the file did not
    record) is carried over those cells: "Precio", "" over "Adulto", "Niño" is "Precio ›
    Adulto", "Precio › Niño".
    """
    texts = [
        [slot.text if isinstance(slot, _Placed) else cell_text(slot) for slot in row]
        for row in grid
    ]
    marks = [[isinstance(slot, _Placed) and slot.header for slot in row] for row in grid]
    width = max((len(row) for row in texts), default=0)
    texts = [row + [""] * (width - len(row)) for row in texts]
    marks = [row + [False] * (width - len(row)) for row in marks]
    kept = [i for i, row in enumerate(texts) if any(row)]
    texts = [texts[i] for i in kept]
    marks = [marks[i] for i in kept]
    columns = [c for c in range(width) if any(row[c] for row in texts)]
    texts = [[row[c] for c in columns] for row in texts]
    marks = [[row[c] for c in columns] for row in marks]
    if not texts or not columns:
        return None
    if header_rows is None:
        header_rows = 0
        while (
            header_rows < len(texts) - 1
            and all(
                mark or not text
                for mark, text in zip(marks[header_rows], texts[header_rows], strict=True)
            )
            and any(marks[header_rows])
        ):
            header_rows += 1
        if header_rows == 0:
            header_rows = guess_header_rows(texts)
    header_rows = max(0, min(header_rows, len(texts) - 1))
    head = [
        _carry_group_names(row) if i < header_rows - 1 else list(row)
        for i, row in enumerate(texts[:header_rows])
    ]
    header = flatten_header(head) if head else tuple("" for _ in columns)
    rows = tuple(tuple(row) for row in texts[header_rows:])
    if not rows:
        return None
    return Table(
        header=header,
        rows=rows,
        caption=" ".join(caption.split()),
        caption_in_text=caption_in_text,
    )


def _carry_group_names(row: list[str]) -> list[str]:
    """A group name over the empty cells after it, in a header row above another one."""
    carried: list[str] = []
    for i, text in enumerate(row):
        carried.append(text or (carried[i - 1] if i else ""))
    return carried


def caption_from(text: str) -> str:
    """What the text just before a table says about it, if short enough to be its caption."""
    words = text.split()
    return " ".join(words) if 0 < len(words) <= _MAX_CAPTION_WORDS else ""


def _lead_line(caption: str) -> str:
    """The caption as a line that introduces the table ("Salas del edificio B:"), which is
    how the answer units take a line as the context of the rows below it."""
    return caption if caption.endswith((":", "?")) else f"{caption.rstrip('.')}:"


def _header_line(table: Table) -> str:
    """The header row and the separator under it; "" for a table without header (its rows
    are then read as their cells in order)."""
    if not any(table.header):
        return ""
    return "| " + " | ".join(table.header) + " |\n" + (_SEPARATOR_LINE * table.width) + "|"


def _row_line(row: Sequence[str]) -> str:
    return "| " + " | ".join(row) + " |"


def render_table(table: Table) -> str:
    """The table as document text: its caption (unless the text already shows it), then a
    Markdown pipe table, one row per line."""
    lines = []
    if table.caption and not table.caption_in_text:
        lines.append(_lead_line(table.caption))
    lines.append(_header_line(table))
    lines.extend(_row_line(row) for row in table.rows)
    return "\n".join(line for line in lines if line)


def table_head(table: Table) -> str:
    """What every chunk of a table split by rows starts with: its caption (as the line that
    introduces the rows) and its header, so each row is still read with its header."""
    lines = [_lead_line(table.caption)] if table.caption else []
    lines.append(_header_line(table))
    return "\n".join(line for line in lines if line)
