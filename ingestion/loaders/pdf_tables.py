"""PDF tables read as rows, from the text layer, with pdfplumber's table finder (no model).

pdfminer's layout (what :mod:`.pdf` reads the text with) gives a table's text column by
column ("Norte Sur Este 40 25 60"), which separates every value from its row. pdfplumber
(MIT; built on the same pdfminer.six) finds tables from the page's ruling lines and gives
their cells row by row. A table drawn without lines is read from pdfplumber's words: the
columns are where every line of the aligned region leaves a gap.

It parses a page again, so it runs only on pages whose layout suggests a table: ruling
lines, or several lines of text split into side-by-side boxes at the same height. A table it
finds but cannot read as rows (most cells empty: the text is an image, or drawn across the
ruled cells) is reported (:func:`~ingestion.loaders.notes.note`) and the page keeps the
text pdfminer read, as before.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingestion.loaders.notes import note
from ingestion.tables import Table, table_from_grid

__all__ = ["FoundTable", "PageHints", "find_pdf_tables"]

logger = logging.getLogger(__name__)

_MAX_EMPTY_SHARE = 0.5
"""A table whose cells are mostly empty was not read as rows."""
_MIN_RULES = 4
"""Ruling lines (or thin rectangles) a page needs before it is searched for a ruled table."""
_MIN_ALIGNED_LINES = 3
"""Lines of side-by-side text boxes in a run that make a table drawn without lines."""


@dataclass(frozen=True)
class PageHints:
    """What pdfminer's layout of a page says about tables on it (cheap to gather)."""

    number: int
    rules: int
    aligned_region: tuple[float, float, float, float] | None
    """Bounding box (x0, top, x1, bottom; from the page top) of a run of text lines that
    are split into side-by-side boxes: a table drawn without lines, maybe."""

    @property
    def worth_searching(self) -> bool:
        return self.rules >= _MIN_RULES or self.aligned_region is not None


@dataclass(frozen=True)
class FoundTable:
    """A table on a page and where it is (from the page top, as pdfplumber measures)."""

    table: Table
    x0: float
    top: float
    x1: float
    bottom: float

    def covers(self, x0: float, top: float, x1: float, bottom: float) -> bool:
        """Whether a text box's centre lies inside the table."""
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        return self.x0 - 1 <= cx <= self.x1 + 1 and self.top - 1 <= cy <= self.bottom + 1


def aligned_region(
    boxes: Sequence[tuple[float, float, float, float]],
) -> tuple[float, float, float, float] | None:
    """The largest run of text lines each made of two or more boxes side by side.

    ``boxes``: (x0, top, x1, bottom) of the page's text boxes, from the page top. pdfminer
    splits a line where the gap between words is wide, which is what table columns are.
    """
    rows: dict[int, list[tuple[float, float, float, float]]] = {}
    for box in boxes:
        rows.setdefault(round(box[1] / 3), []).append(box)
    multi = sorted((key, found) for key, found in rows.items() if len(found) >= 2)
    best: list[tuple[float, float, float, float]] = []
    run: list[tuple[float, float, float, float]] = []
    lines = 0
    best_lines = 0
    previous_bottom: float | None = None
    for _, found in multi:
        top = min(b[1] for b in found)
        bottom = max(b[3] for b in found)
        height = max(bottom - top, 1.0)
        if previous_bottom is not None and top - previous_bottom > 2.5 * height:
            run, lines = [], 0
        run = run + found
        lines += 1
        previous_bottom = bottom
        if lines > best_lines:
            best, best_lines = list(run), lines
    if best_lines < _MIN_ALIGNED_LINES:
        return None
    return (
        min(b[0] for b in best),
        min(b[1] for b in best),
        max(b[2] for b in best),
        max(b[3] for b in best),
    )


def _grid(rows: list[list[str | None]]) -> tuple[list[list[str]], float]:
    """pdfplumber's rows to strings, and the share of empty cells.

    pdfplumber gives None for the slots a merged cell covers: a header slot takes the
    group name on its left ("Precio" over two columns), a body slot the value above it
    (a value merged down several rows belongs to each).
    """
    grid: list[list[str]] = []
    empty = total = 0
    for r, row in enumerate(rows):
        line: list[str] = []
        for c, cell in enumerate(row):
            if cell is None:
                if r == 0 or not grid:
                    text = line[c - 1] if c else ""
                else:
                    above = grid[-1]
                    text = above[c] if c < len(above) else ""
            else:
                text = " ".join(cell.split())
            total += 1
            empty += not text
            line.append(text)
        grid.append(line)
    return grid, (empty / total if total else 1.0)


def _readable(rows: list[list[str | None]]) -> tuple[list[list[str]], bool]:
    grid, empty_share = _grid(rows)
    wide = sum(1 for row in grid if sum(1 for cell in row if cell) >= 2)
    return grid, len(grid) >= 2 and wide >= 2 and empty_share <= _MAX_EMPTY_SHARE


def find_pdf_tables(data: bytes, hints: Sequence[PageHints]) -> dict[int, list[FoundTable]]:
    """The tables on the hinted pages that read as rows, per page number.

    Ruled tables first (pdfplumber's "lines" strategy); on a page with none, the aligned
    region is read with the "text" strategy. A table found but not readable is noted.
    """
    pages = [hint for hint in hints if hint.worth_searching]
    if not pages:
        return {}
    import pdfplumber

    found: dict[int, list[FoundTable]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for hint in pages:
            if hint.number > len(pdf.pages):
                continue
            page = pdf.pages[hint.number - 1]
            try:
                tables = _page_tables(page, hint)
            except Exception:  # a table finder failing must not lose the page's text
                logger.debug("table finder failed on page %d", hint.number, exc_info=True)
                note(f"tables on page {hint.number} could not be read as rows; indexed as text")
                continue
            if tables:
                found[hint.number] = tables
    return found


_LINE_TOLERANCE = 2.0
_MIN_COLUMN_GAP = 0.8
"""A gap between columns is at least this many times the words' font size wide; the
space between two words of one cell is about a quarter of it."""


def _lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into lines by their top, each line left to right."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _columns(lines: list[list[dict[str, Any]]]) -> list[tuple[float, float]]:
    """Column intervals: where the words of all lines, projected on the x axis, leave a gap
    wider than a column gap."""
    spans = sorted((w["x0"], w["x1"]) for line in lines for w in line)
    size = sorted(w["bottom"] - w["top"] for line in lines for w in line)[len(spans) // 2]
    columns: list[tuple[float, float]] = []
    for x0, x1 in spans:
        if columns and x0 - columns[-1][1] < _MIN_COLUMN_GAP * size:
            columns[-1] = (columns[-1][0], max(columns[-1][1], x1))
        else:
            columns.append((x0, x1))
    return columns


def _fits(line: list[dict[str, Any]], columns: list[tuple[float, float]]) -> bool:
    """Every word of ``line`` lies within one column (a prose line runs across the gaps)."""
    return all(any(c0 - 1 <= w["x0"] and w["x1"] <= c1 + 1 for c0, c1 in columns) for w in line)


def _unruled_table(
    page: Any, region: tuple[float, float, float, float]
) -> tuple[tuple[float, float, float, float], list[list[str | None]]] | None:
    """A table drawn without lines, from the words around the aligned region: columns where
    every line leaves a gap; the lines just above that fit those columns (a header with an
    empty corner, which pdfminer joins into one box) belong to it."""
    words = page.extract_words()
    lines = _lines(words)
    _, top, _, bottom = region
    inside = [i for i, line in enumerate(lines) if top - 1 <= line[0]["top"] <= bottom + 1]
    if len(inside) < _MIN_ALIGNED_LINES:
        return None
    first, last = inside[0], inside[-1]
    body = lines[first : last + 1]
    columns = _columns(body)
    if len(columns) < 2 or not all(_fits(line, columns) for line in body):
        return None
    height = max(w["bottom"] - w["top"] for line in body for w in line)
    while first > 0:
        above = lines[first - 1]
        gap = lines[first][0]["top"] - above[0]["bottom"]
        # A header line may be wider than the values below it, but it must not bridge
        # the gap between two columns (a sentence does).
        if gap > 1.5 * height or len(_columns([above, *body])) != len(columns):
            break
        body = [above, *body]
        columns = _columns(body)
        first -= 1
    rows: list[list[str | None]] = []
    for line in lines[first : last + 1]:
        cells = ["" for _ in columns]
        for word in line:
            centre = (word["x0"] + word["x1"]) / 2
            index = min(range(len(columns)), key=lambda c: _distance(centre, columns[c]))
            cells[index] = f"{cells[index]} {word['text']}".strip()
        rows.append(list(cells))
    chosen = [w for line in lines[first : last + 1] for w in line]
    bbox = (
        min(w["x0"] for w in chosen),
        min(w["top"] for w in chosen),
        max(w["x1"] for w in chosen),
        max(w["bottom"] for w in chosen),
    )
    return bbox, rows


def _distance(x: float, column: tuple[float, float]) -> float:
    return 0.0 if column[0] <= x <= column[1] else min(abs(x - column[0]), abs(x - column[1]))


def _page_tables(page: Any, hint: PageHints) -> list[FoundTable]:
    results: list[FoundTable] = []
    candidates: list[tuple[tuple[float, float, float, float], list[list[str | None]]]] = []
    if hint.rules >= _MIN_RULES:
        candidates = [(t.bbox, t.extract()) for t in page.find_tables()]
    if not candidates and hint.aligned_region is not None:
        unruled = _unruled_table(page, hint.aligned_region)
        if unruled is not None:
            candidates = [unruled]
    for bbox, rows in candidates:
        grid, readable = _readable(rows)
        if not readable:
            if hint.rules >= _MIN_RULES:
                note(
                    f"a table on page {hint.number} could not be read as rows (most of its "
                    "cells are empty: text drawn as an image or across the cells?); "
                    "indexed as text"
                )
            continue
        table = table_from_grid(grid)
        if table is None or table.width < 2:
            continue
        results.append(FoundTable(table, *bbox))
    return results
