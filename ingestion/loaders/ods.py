"""ODS (LibreOffice Calc): each sheet a section, read from its XML with the stdlib alone.

No library needed: an ODS file is a ZIP whose ``content.xml`` holds every cell with the text
the sheet displays (``<text:p>``, already formatted: "12,50 €", "01/05/2024"), so there is
no number format to apply. Read as a stream (:func:`xml.etree.ElementTree.iterparse`), each
row dropped once read. Repeated rows and cells (``number-rows-repeated``, which LibreOffice
writes as 1,048,576 for the empty rows to the sheet's end) are expanded only when they
hold text, and then at most :data:`_MAX_REPEAT` times.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from ingestion.loaders.document import Section
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.sections import SectionBuilder
from ingestion.loaders.sheet_blocks import add_sheet
from ingestion.tables import GridCell

__all__ = ["load_ods"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_MAX_REPEAT = 1000


def _attr(element: Element, name: str, default: str = "") -> str:
    return element.get(f"{{{_TABLE}}}{name}", default)


def _count(element: Element, name: str) -> int:
    try:
        return max(1, int(_attr(element, name, "1")))
    except ValueError:
        return 1


def _paragraphs(cell: Element) -> str:
    """A cell's displayed text: its paragraphs, each with its spans, tabs and spaces."""
    lines = []
    for paragraph in cell.iter(f"{{{_TEXT}}}p"):
        lines.append("".join(paragraph.itertext()))
    return "\n".join(lines)


def _row_cells(row: Element) -> list[GridCell]:
    cells: list[GridCell] = []
    for cell in row:
        tag = cell.tag.rsplit("}", 1)[-1]
        if tag == "covered-table-cell":
            continue  # the slot of a merged cell: expand_spans fills it
        if tag != "table-cell":
            continue
        text = _paragraphs(cell)
        repeat = _count(cell, "number-columns-repeated")
        if not text.strip():
            repeat = min(repeat, _MAX_REPEAT) if repeat < _MAX_REPEAT else 1
        cells.extend(
            GridCell(
                text,
                colspan=_count(cell, "number-columns-spanned"),
                rowspan=_count(cell, "number-rows-spanned"),
            )
            for _ in range(min(repeat, _MAX_REPEAT))
        )
    while cells and not cells[-1].text.strip():
        cells.pop()
    return cells


def load_ods(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section per sheet, titled by the sheet's name."""
    check_office_container(path, data, "ODS")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if (
                archive.read("mimetype").strip()
                != b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                raise LoaderError(path, "not an ODS spreadsheet (another OpenDocument file?)")
            content = archive.read("content.xml")
    except KeyError as exc:
        raise LoaderError(path, "not a valid ODS file (no content.xml)") from exc
    builder = SectionBuilder()
    sheet: list[list[GridCell]] = []
    blank_rows = 0
    try:
        for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{{{_TABLE}}}table":
                    builder.heading(_attr(element, "name") or "Hoja", None)
                    sheet, blank_rows = [], 0
                continue
            if tag == f"{{{_TABLE}}}table-row":
                cells = _row_cells(element)
                repeat = _count(element, "number-rows-repeated")
                if cells:
                    sheet.extend([] for _ in range(min(blank_rows, 1)))
                    blank_rows = 0
                    sheet.extend(list(cells) for _ in range(min(repeat, _MAX_REPEAT)))
                else:
                    blank_rows += repeat
                element.clear()
            elif tag == f"{{{_TABLE}}}table":
                add_sheet(builder, (), None, spans=sheet)
                sheet = []
                element.clear()
    except ParseError as exc:
        raise LoaderError(path, f"not a valid ODS file (damaged content.xml: {exc})") from exc
    sections, _ = builder.finish()
    return sections, ""
