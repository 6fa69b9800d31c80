"""XLSX (Excel): each sheet a section under its name, its tables read with their headers.

Read with openpyxl (MIT, pure Python): cells' cached values (what a formula showed when the
file was last saved in Excel or LibreOffice, ``data_only=True``), each written as the sheet
shows it (:func:`~ingestion.loaders.cell_format.format_cell`), merged cells spread over
every slot they cover. Not read-only mode: that mode does not know merged ranges. Hidden
sheets are skipped (they hold lookup lists and scratch work, not what the user reads).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from ingestion.loaders.cell_format import format_cell
from ingestion.loaders.document import Section
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.sections import SectionBuilder
from ingestion.loaders.sheet_blocks import add_sheet
from ingestion.tables import GridCell

__all__ = ["load_xlsx"]


def load_xlsx(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section per visible sheet, titled by the sheet's name; the workbook's title
    (document properties) names the document, if set."""
    check_office_container(path, data, "XLSX")
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise LoaderError(path, "reading XLSX needs openpyxl: pip install openpyxl") from exc
    with warnings.catch_warnings():
        # "Data Validation extension is not supported", "Unknown extension": noise
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
        except KeyError as exc:
            raise LoaderError(path, "not a valid XLSX file (an XLS or ODS file renamed?)") from exc
    builder = SectionBuilder()
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            builder.heading(sheet.title, None)
            add_sheet(builder, (), None, spans=_spanning_rows(sheet))
    finally:
        workbook.close()
    sections, _ = builder.finish()
    title = (workbook.properties.title or "").strip() if workbook.properties else ""
    return sections, title


def _spanning_rows(sheet: object) -> list[list[GridCell]]:
    """The sheet's used range as spanning cells: a merged range is one cell at its top-left
    corner; the other cells it covers are left out (expand_spans fills them)."""
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for cell_range in sheet.merged_cells.ranges:  # type: ignore[attr-defined]
        rows = cell_range.max_row - cell_range.min_row + 1
        cols = cell_range.max_col - cell_range.min_col + 1
        merged[(cell_range.min_row, cell_range.min_col)] = (rows, cols)
        for r in range(cell_range.min_row, cell_range.max_row + 1):
            for c in range(cell_range.min_col, cell_range.max_col + 1):
                if (r, c) != (cell_range.min_row, cell_range.min_col):
                    covered.add((r, c))
    grid: list[list[GridCell]] = []
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        line: list[GridCell] = []
        for cell in row:
            place = (cell.row, cell.column)
            if place in covered:
                continue
            rows, cols = merged.get(place, (1, 1))
            line.append(
                GridCell(format_cell(cell.value, cell.number_format), colspan=cols, rowspan=rows)
            )
        grid.append(line)
    return grid
