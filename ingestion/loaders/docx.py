"""DOCX: ``unstructured``'s partitioner, which takes headings from Word's paragraph styles;
tables read with python-docx, in document order among the paragraphs.

A Word table becomes the table model (:mod:`ingestion.tables`): python-docx gives each row
one cell per grid column, a merged cell repeated over the columns and rows it covers; rows
marked "repeat as header row" are the header, else the header is guessed from the text.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingestion.loaders.document import Section
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.table_matching import TableMatcher
from ingestion.loaders.unstructured_elements import sections_from_elements
from ingestion.tables import Table, table_from_grid
from ingestion.unstructured_offline import ensure_offline_unstructured

__all__ = ["docx_tables", "load_docx"]


def _is_header_row(row: Any) -> bool:
    """Word's "repeat as header row at the top of each page" (``w:tblHeader``)."""
    properties = row._tr.trPr
    if properties is None:
        return False
    return any(child.tag.endswith("}tblHeader") for child in properties)


def _caption(table: Any) -> str:
    """The table's own caption (``w:tblCaption``, Word's alt-text title), if any."""
    properties = table._tbl.tblPr
    if properties is None:
        return ""
    for child in properties:
        if child.tag.endswith("}tblCaption"):
            return next((v for k, v in child.attrib.items() if k.endswith("}val")), "")
    return ""


def docx_tables(data: bytes) -> list[Table]:
    """The document body's tables in order (not those nested in a cell), as tables."""
    from docx import Document

    tables: list[Table] = []
    for table in Document(io.BytesIO(data)).tables:
        rows = list(table.rows)
        grid = [[cell.text for cell in row.cells] for row in rows]
        marked = 0
        while marked < len(rows) - 1 and _is_header_row(rows[marked]):
            marked += 1
        found = table_from_grid(grid, header_rows=marked or None, caption=_caption(table))
        if found is not None:
            tables.append(found)
    return tables


def load_docx(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the document's headings; pages where Word saved page breaks."""
    check_office_container(path, data, "DOCX")
    ensure_offline_unstructured()
    from unstructured.partition.docx import partition_docx

    elements = partition_docx(file=io.BytesIO(data))
    return sections_from_elements(elements, table_for=TableMatcher(docx_tables(data)))
