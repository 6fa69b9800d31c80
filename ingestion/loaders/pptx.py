"""PPTX: one section per slide (page = slide number), speaker notes after the slide's text;
tables read with python-pptx into the table model (:mod:`ingestion.tables`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingestion.loaders.document import Section
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.sections import SectionBuilder
from ingestion.loaders.table_matching import TableMatcher
from ingestion.loaders.unstructured_elements import SKIPPED_CATEGORIES
from ingestion.tables import GridCell, Table, expand_spans, guess_header_rows, table_from_grid
from ingestion.unstructured_offline import ensure_offline_unstructured

__all__ = ["load_pptx"]


def _pptx_notes(data: bytes) -> dict[int, str]:
    """Speaker notes per slide number. Read with python-pptx because unstructured emits them
    before the slide title, where they would be filed under the previous slide's heading."""
    from pptx import Presentation

    notes: dict[int, str] = {}
    for number, slide in enumerate(Presentation(io.BytesIO(data)).slides, 1):
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            text = slide.notes_slide.notes_text_frame.text.strip()
            if text:
                notes[number] = text
    return notes


def _shape_tables(shapes: Any) -> list[Table]:
    """The tables among ``shapes`` (and inside their groups), in the slide's shape order."""
    found: list[Table] = []
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            found.extend(_shape_tables(shape.shapes))
        elif getattr(shape, "has_table", False):
            table = _pptx_table(shape.table)
            if table is not None:
                found.append(table)
    return found


def _pptx_table(table: Any) -> Table | None:
    """A PowerPoint table: merged cells spread over what they cover; the first row is the
    header when the table is set to show a header row (PowerPoint's default)."""
    rows: list[list[GridCell]] = []
    for r in range(len(table.rows)):
        line: list[GridCell] = []
        for c in range(len(table.columns)):
            cell = table.cell(r, c)
            if cell.is_spanned:
                continue
            spans = (cell.span_width, cell.span_height) if cell.is_merge_origin else (1, 1)
            line.append(GridCell(cell.text, colspan=spans[0], rowspan=spans[1]))
        rows.append(line)
    grid = [[slot.text for slot in line] for line in expand_spans(rows)]
    header_rows = None
    if table.first_row and len(grid) > 1:
        header_rows = max(1, guess_header_rows(grid))
    return table_from_grid(grid, header_rows=header_rows)


def _pptx_slide_tables(data: bytes) -> dict[int, TableMatcher]:
    """Per slide number, a matcher of its Table elements to the tables python-pptx reads."""
    from pptx import Presentation

    return {
        number: TableMatcher(_shape_tables(slide.shapes))
        for number, slide in enumerate(Presentation(io.BytesIO(data)).slides, 1)
    }


def load_pptx(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section per slide (page = slide number), titled by the slide's title placeholder.

    Offline, unstructured calls most short bullet lines "Title" (its verb check has no POS
    tagger), so only depth-0 titles, which come from the title placeholder, count as headings.
    """
    check_office_container(path, data, "PPTX")
    ensure_offline_unstructured()
    from unstructured.partition.pptx import partition_pptx

    elements = partition_pptx(file=io.BytesIO(data), include_slide_notes=False)
    notes = _pptx_notes(data)
    tables = _pptx_slide_tables(data)
    builder = SectionBuilder()
    by_slide: dict[int, list[Any]] = {}
    for element in elements:
        if element.category in SKIPPED_CATEGORIES or not (element.text or "").strip():
            continue
        by_slide.setdefault(element.metadata.page_number or 1, []).append(element)
    for number in sorted(set(by_slide) | set(notes)):
        slide_elements = by_slide.get(number, [])
        title = next(
            (
                e
                for e in slide_elements
                if e.category == "Title" and (e.metadata.category_depth or 0) == 0
            ),
            None,
        )
        if title is not None:
            builder.heading(title.text, number)
        for element in slide_elements:
            if element is title:
                continue
            table = (
                tables[number](element)
                if element.category == "Table" and number in tables
                else None
            )
            if table is not None:
                builder.table(table, number)
            else:
                builder.add(element.text, number)
        if number in notes:
            builder.add(notes[number], number)
    return builder.finish()
