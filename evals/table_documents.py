"""The table dev set (evals/data/tables/tables.json) written as documents in every format.

Each table becomes a small document as a user would keep it: a title, a sentence that
introduces the table, the table, a sentence after it. Each format is written by a different
generator, the way such files reach Veraz: python-docx (Word), hand-written HTML and HTML as
a browser's "save as" leaves it (inline styles, ``<td><b>`` headers, no ``<th>``), fpdf2 and
reportlab (PDF), python-pptx (slides), the stdlib ``csv`` (Excel's Spanish ``;`` dialect for
the Spanish tables), openpyxl (XLSX) and a hand-built ODS. A two-level header (a group name
over two columns) is merged where the format can merge cells.
"""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "DevTable", "load_dev_tables", "write_document"]

DATASET = Path(__file__).parent / "data" / "tables" / "tables.json"


@dataclass(frozen=True)
class DevTable:
    id: str
    language: str
    split: str
    title: str
    intro: str
    after: str
    header: list[list[str]]
    rows: list[list[str]]
    questions: list[dict[str, Any]]

    @property
    def width(self) -> int:
        return len(self.rows[0])

    def header_cells(self) -> list[list[tuple[str, int, int]]]:
        """Header rows as (text, colspan, rowspan), covered slots left out.

        In the first row, an empty cell after a name is covered by it (a group over
        columns); in the second, an empty cell under a name is covered from above."""
        if len(self.header) == 1:
            return [[(text, 1, 1) for text in self.header[0]]]
        top, below = self.header[0], self.header[1]
        first: list[tuple[str, int, int]] = []
        for i, text in enumerate(top):
            if not text:
                continue
            span = 1
            while i + span < len(top) and not top[i + span] and below[i + span]:
                span += 1
            first.append((text, span, 1 if below[i] else 2))
        second = [(text, 1, 1) for text in below if text]
        return [first, second]

    def flat_header(self) -> list[str]:
        """The header as one row: the two levels joined ("Coste 2024"), for formats that
        cannot merge cells and are written with one header row."""
        if len(self.header) == 1:
            return list(self.header[0])
        names, group = [], ""
        for top, below in zip(self.header[0], self.header[1], strict=True):
            group = top or group if below else top
            names.append(f"{group} {below}".strip() if below and top != below else top or below)
        return names


def load_dev_tables(path: Path = DATASET) -> list[DevTable]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        DevTable(**{k: v for k, v in entry.items() if k in DevTable.__dataclass_fields__})
        for entry in data["tables"]
    ]


# -- writers -------------------------------------------------------------------------------


def _docx(table: DevTable, path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading(table.title, level=1)
    document.add_paragraph(table.intro)
    grid = document.add_table(rows=len(table.header) + len(table.rows), cols=table.width)
    grid.style = "Table Grid"
    _fill_grid(grid, table)
    document.add_paragraph(table.after)
    document.save(str(path))


def _fill_grid(grid: Any, table: DevTable) -> None:
    """Write ``table`` into a word-processor or slide table (python-docx and python-pptx
    tables share ``cell(r, c)``, ``.text`` and ``merge``): the header lines, their merged
    cells (the merged cell is the top-left one), then the rows."""
    for r, line in enumerate(table.header):
        for c, text in enumerate(line):
            grid.cell(r, c).text = text
    for r, cells in enumerate(table.header_cells()):
        c = 0
        for text, colspan, rowspan in cells:
            while r == 1 and table.header[0][c] and not table.header[1][c]:
                c += 1  # covered from above
            if colspan > 1 or rowspan > 1:
                grid.cell(r, c).merge(grid.cell(r + rowspan - 1, c + colspan - 1))
                grid.cell(r, c).text = text
            c += colspan
    for r, line in enumerate(table.rows, start=len(table.header)):
        for c, text in enumerate(line):
            grid.cell(r, c).text = text


def _html_cells(table: DevTable) -> str:
    rows = []
    for cells in table.header_cells():
        parts = []
        for text, colspan, rowspan in cells:
            spans = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                f' rowspan="{rowspan}"' if rowspan > 1 else ""
            )
            parts.append(f'<th scope="col"{spans}>{html.escape(text)}</th>')
        rows.append("<tr>" + "".join(parts) + "</tr>")
    head = "<thead>" + "".join(rows) + "</thead>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line) + "</tr>"
        for line in table.rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _html(table: DevTable, path: Path) -> None:
    path.write_text(
        f'<!DOCTYPE html><html lang="{table.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(table.title)}</title></head><body><main>"
        f"<h1>{html.escape(table.title)}</h1><p>{html.escape(table.intro)}</p>"
        f"{_html_cells(table)}<p>{html.escape(table.after)}</p></main></body></html>",
        encoding="utf-8",
    )


def _html_saved(table: DevTable, path: Path) -> None:
    """As a browser's "save as" keeps a page: site chrome, inline styles, spans in every
    cell, a bold first row of ``<td>`` instead of ``<th>``, the Windows-1252 charset."""

    def cell(text: str, bold: bool = False) -> str:
        inner = f"<b>{html.escape(text)}</b>" if bold else html.escape(text)
        return (
            '<td style="padding:4px 8px;border:1px solid #ccc" valign="top">'
            f'<p class="MsoNormal"><span style="font-family:Arial">{inner}</span></p></td>'
        )

    header = table.flat_header()
    rows = ["<tr>" + "".join(cell(text, bold=True) for text in header) + "</tr>"]
    rows += ["<tr>" + "".join(cell(text) for text in line) + "</tr>" for line in table.rows]
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        f"<title>{html.escape(table.title)} - Intranet</title>"
        "<style>body{font-family:Arial}</style><script>var _gaq=[];</script></head>"
        '<body><div id="wrapper"><nav><a href="/">Inicio</a> | <a href="/faq">FAQ</a></nav>'
        f'<div class="content"><h2 class="entry-title">{html.escape(table.title)}</h2>'
        f'<div class="entry"><p>{html.escape(table.intro)}&nbsp;</p>'
        '<table cellspacing="0" cellpadding="0" border="1" style="border-collapse:collapse">'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p>{html.escape(table.after)}</p></div></div>"
        "<footer>© 2024 · Aviso legal</footer></div></body></html>"
    )
    path.write_bytes(page.encode("cp1252", errors="xmlcharrefreplace"))


def _fpdf(table: DevTable, path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    font = _unicode_font()
    if font:
        pdf.add_font("Body", "", font)
        pdf.add_font("Body", "B", _unicode_font(bold=True) or font)
        family = "Body"
    else:
        family = "Helvetica"
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 10, _latin(table.title, font), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 11)
    pdf.multi_cell(0, 7, _latin(table.intro, font), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table(first_row_as_headings=True) as grid:
        for text_row in [table.flat_header(), *table.rows]:
            row = grid.row()
            for text in text_row:
                row.cell(_latin(text, font))
    pdf.ln(2)
    pdf.multi_cell(0, 7, _latin(table.after, font), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _reportlab(table: DevTable, path: Path) -> None:
    """reportlab's Table with no grid drawn: a table without ruling lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as RLTable

    styles = getSampleStyleSheet()
    story = [
        Paragraph(html.escape(table.title), styles["Heading1"]),
        Paragraph(html.escape(table.intro), styles["BodyText"]),
        Spacer(1, 8),
        RLTable([table.flat_header(), *table.rows], hAlign="LEFT"),
        Spacer(1, 8),
        Paragraph(html.escape(table.after), styles["BodyText"]),
    ]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def _pptx(table: DevTable, path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = table.title
    box = slide.shapes.add_textbox(Inches(0.5), Inches(1.4), Inches(9), Inches(0.6))
    box.text_frame.text = table.intro
    n_rows = len(table.header) + len(table.rows)
    shape = slide.shapes.add_table(
        n_rows, table.width, Inches(0.5), Inches(2.1), Inches(9), Inches(3)
    )
    _fill_grid(shape.table, table)
    notes = slide.notes_slide.notes_text_frame
    notes.text = table.after
    deck.save(str(path))


def _csv(table: DevTable, path: Path) -> None:
    """Spanish tables as a Spanish Excel saves them: ``;`` and Windows-1252."""
    spanish = table.language == "es"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if spanish else ",", lineterminator="\r\n")
    writer.writerows([*table.header, *table.rows])
    data = buffer.getvalue()
    path.write_bytes(data.encode("cp1252") if spanish else data.encode("utf-8"))


def _xlsx(table: DevTable, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31].replace(":", "")
    sheet.append([table.title])
    sheet.append([table.intro])
    sheet.append([])
    first = sheet.max_row + 1
    for line in table.header:
        sheet.append(line)
    for r, cells in enumerate(table.header_cells()):
        c = 0
        for _text, colspan, rowspan in cells:
            while r == 1 and table.header[0][c] and not table.header[1][c]:
                c += 1
            if colspan > 1 or rowspan > 1:
                sheet.merge_cells(
                    start_row=first + r,
                    start_column=c + 1,
                    end_row=first + r + rowspan - 1,
                    end_column=c + colspan,
                )
            c += colspan
    for line in table.rows:
        sheet.append(line)
    notes = book.create_sheet("Notas")
    notes.append([table.after])
    book.save(str(path))


def _ods(table: DevTable, path: Path) -> None:
    """A minimal ODS as LibreOffice writes one: merged header cells and covered cells."""

    def cell(text: str, colspan: int = 1, rowspan: int = 1) -> str:
        spans = ""
        if colspan > 1:
            spans += f' table:number-columns-spanned="{colspan}"'
        if rowspan > 1:
            spans += f' table:number-rows-spanned="{rowspan}"'
        return (
            f'<table:table-cell office:value-type="string"{spans}>'
            f"<text:p>{html.escape(text)}</text:p></table:table-cell>"
        )

    covered = "<table:covered-table-cell/>"
    rows = [f"<table:table-row>{cell(table.title)}</table:table-row>"]
    rows.append(f"<table:table-row>{cell(table.intro)}</table:table-row>")
    rows.append(
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
    )
    for r, line in enumerate(table.header):
        parts = []
        for c, text in enumerate(line):
            spec = next(
                (
                    (colspan, rowspan)
                    for t, colspan, rowspan in table.header_cells()[r]
                    if t == text and text
                ),
                None,
            )
            is_covered = len(table.header) > 1 and (
                (r == 0 and not text and c > 0) or (r == 1 and table.header[0][c] and not text)
            )
            if is_covered:
                parts.append(covered)
            elif spec:
                parts.append(cell(text, *spec))
            else:
                parts.append(cell(text))
        rows.append("<table:table-row>" + "".join(parts) + "</table:table-row>")
    for line in table.rows:
        rows.append("<table:table-row>" + "".join(cell(t) for t in line) + "</table:table-row>")
    rows.append(
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        "<office:body><office:spreadsheet>"
        f'<table:table table:name="{html.escape(table.title[:31])}">{"".join(rows)}</table:table>'
        f'<table:table table:name="Notas"><table:table-row>{cell(table.after)}</table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)


_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


def _unicode_font(bold: bool = False) -> str | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    return None


def _latin(text: str, font: str | None) -> str:
    """fpdf2's core fonts are Latin-1 only: "€" is written "EUR" there (not with DejaVu)."""
    return text if font else text.replace("€", "EUR").replace("–", "-")


FORMATS: dict[str, tuple[str, Callable[[DevTable, Path], None]]] = {
    "docx": (".docx", _docx),
    "html": (".html", _html),
    "html-saved": (".htm", _html_saved),
    "pdf-fpdf2": (".pdf", _fpdf),
    "pdf-reportlab": (".pdf", _reportlab),
    "pptx": (".pptx", _pptx),
    "csv": (".csv", _csv),
    "xlsx": (".xlsx", _xlsx),
    "ods": (".ods", _ods),
}
"""Generator name -> (file extension, writer)."""


def write_document(table: DevTable, generator: str, folder: Path) -> Path:
    """Write ``table`` with ``generator`` into ``folder``; returns the file."""
    extension, writer = FORMATS[generator]
    path = folder / f"{table.id}{extension}"
    writer(table, path)
    return path
