"""DOCX: ``unstructured``'s partitioner, which takes headings from Word's paragraph styles."""

from __future__ import annotations

import io
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.unstructured_elements import sections_from_elements
from ingestion.unstructured_offline import ensure_offline_unstructured

__all__ = ["load_docx"]


def load_docx(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the document's headings; pages where Word saved page breaks."""
    check_office_container(path, data, "DOCX")
    ensure_offline_unstructured()
    from unstructured.partition.docx import partition_docx

    return sections_from_elements(partition_docx(file=io.BytesIO(data)))
