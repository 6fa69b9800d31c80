"""HTML data tables (``<table>``) read into the table model, found in the page's source.

``unstructured`` reads a table's text as one run of words; this reads its structure: rows
and cells, ``<th>`` (and ``<thead>``, ``scope="col"``) for the header, ``colspan`` and
``rowspan``, ``<caption>``. A table holding another table, or headings and paragraphs, is a
layout table (old sites and a browser's "save as" wrap the whole page in them): it is left
to the page's text, and only the tables inside it are read as data.

:func:`extract_tables` also gives each data table's place in the markup, so the HTML loader
can put a marker there and the table lands in the document at the place it had.
Event-based (stdlib :class:`html.parser.HTMLParser`), linear in the markup's length.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ingestion.tables import GridCell, Table, expand_spans, table_from_grid

__all__ = ["PlacedTable", "extract_tables", "tables_in_html"]

_BLOCK_CONTENT = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "form", "article"})
_SKIPPED = frozenset({"script", "style", "template", "noscript"})
_LINE_BREAKS = frozenset({"br", "p", "div", "li"})


@dataclass
class PlacedTable:
    """A data table and the span of its ``<table>…</table>`` in the markup."""

    table: Table
    start: int
    end: int


@dataclass
class _OpenTable:
    start: int
    rows: list[list[GridCell]] = field(default_factory=list)
    row: list[GridCell] | None = None
    cell: list[str] | None = None
    cell_attrs: dict[str, str] = field(default_factory=dict)
    cell_is_th: bool = False
    in_head: bool = False
    head_rows: int = 0
    caption: list[str] | None = None
    caption_text: str = ""
    layout: bool = False
    has_th: bool = False


def _span(value: str | None) -> int:
    try:
        return max(1, int((value or "1").strip()))
    except ValueError:
        return 1


class _TableParser(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", markup)]
        self.markup = markup
        self.stack: list[_OpenTable] = []
        self.found: list[PlacedTable] = []
        self.skipping = 0

    def source_offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
            return
        top = self.stack[-1] if self.stack else None
        if tag == "table":
            if top is not None:
                top.layout = True
            self.stack.append(_OpenTable(start=self.source_offset()))
            return
        if top is None:
            return
        values = {name: value or "" for name, value in attrs}
        if tag in _BLOCK_CONTENT:
            top.layout = True
        if tag == "caption":
            top.caption = []
        elif tag == "thead":
            top.in_head = True
        elif tag in ("tbody", "tfoot"):
            top.in_head = False
        elif tag == "tr":
            self._end_row(top)
            top.row = []
        elif tag in ("td", "th"):
            self._end_cell(top)
            if top.row is None:
                top.row = []
            top.cell = []
            top.cell_attrs = values
            top.cell_is_th = tag == "th" or top.in_head
            top.has_th = top.has_th or top.cell_is_th
        elif tag in _LINE_BREAKS and top.cell is not None:
            top.cell.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "table"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if not self.stack:
            return
        top = self.stack[-1]
        if tag == "caption" and top.caption is not None:
            top.caption_text = " ".join("".join(top.caption).split())
            top.caption = None
        elif tag in ("td", "th"):
            self._end_cell(top)
        elif tag == "tr":
            self._end_row(top)
        elif tag == "thead":
            top.in_head = False
        elif tag == "table":
            self._end_row(top)
            self.stack.pop()
            close = self.markup.find(">", self.source_offset())
            end = len(self.markup) if close < 0 else close + 1
            if not top.layout:
                table = self._table(top)
                if table is not None:
                    self.found.append(PlacedTable(table, top.start, end))

    def handle_data(self, data: str) -> None:
        if self.skipping or not self.stack:
            return
        top = self.stack[-1]
        if top.caption is not None:
            top.caption.append(data)
        elif top.cell is not None:
            top.cell.append(data)

    def _end_cell(self, top: _OpenTable) -> None:
        if top.cell is None:
            return
        if top.row is None:
            top.row = []
        scope = top.cell_attrs.get("scope", "").lower()
        top.row.append(
            GridCell(
                html.unescape("".join(top.cell)),
                colspan=_span(top.cell_attrs.get("colspan")),
                rowspan=_span(top.cell_attrs.get("rowspan")),
                # a row header (scope="row") labels its row; it is not a header row
                header=top.cell_is_th and scope != "row",
            )
        )
        top.cell = None

    def _end_row(self, top: _OpenTable) -> None:
        self._end_cell(top)
        if top.row is not None:
            top.rows.append(top.row)
            top.row = None

    @staticmethod
    def _table(top: _OpenTable) -> Table | None:
        if len(top.rows) < 2 or max(len(row) for row in top.rows) < 2:
            return None  # one row or one column: a layout box, read as text
        grid = expand_spans(top.rows)
        # Header rows: those of <th> cells; with no <th> at all, guessed from the text.
        return table_from_grid(grid, header_rows=None, caption=top.caption_text)


def extract_tables(markup: str) -> list[PlacedTable]:
    """The page's data tables in document order, each with its place in ``markup``."""
    parser = _TableParser(markup)
    parser.feed(markup)
    parser.close()
    return sorted(parser.found, key=lambda placed: placed.start)


def tables_in_html(markup: str) -> list[Table]:
    """Just the tables of an HTML fragment (``unstructured``'s ``text_as_html`` of a DOCX
    or PPTX table), in order."""
    return [placed.table for placed in extract_tables(markup)]
