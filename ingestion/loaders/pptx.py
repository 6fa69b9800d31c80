"""PPTX: one section per slide (page = slide number), speaker notes after the slide's text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingestion.loaders.document import Section
from ingestion.loaders.office_container import check_office_container
from ingestion.loaders.sections import SectionBuilder
from ingestion.loaders.unstructured_elements import SKIPPED_CATEGORIES
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
            if element is not title:
                builder.add(element.text, number)
        if number in notes:
            builder.add(notes[number], number)
    return builder.finish()
