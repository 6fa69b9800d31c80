"""Sections from the elements ``unstructured`` partitions DOCX, HTML and PPTX files into.

``unstructured`` runs offline here (:mod:`ingestion.unstructured_offline`); its partitioners
give headings from styles and tags, which is why these formats use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ingestion.loaders.sections import SectionBuilder, Sectioned

__all__ = ["SKIPPED_CATEGORIES", "sections_from_elements"]

SKIPPED_CATEGORIES = frozenset({"Header", "Footer", "PageBreak", "PageNumber"})
"""Page furniture: it repeats on every page and pollutes retrieval."""


def sections_from_elements(elements: Iterable[Any]) -> Sectioned:
    """Group unstructured elements into sections: a Title starts one, so does a new page.

    Page headers/footers are dropped (they repeat on every page and pollute retrieval).
    Consecutive list items stay on consecutive lines instead of becoming paragraphs.
    """
    builder = SectionBuilder()
    previous_category = ""
    for element in elements:
        text = (element.text or "").strip()
        if element.category in SKIPPED_CATEGORIES or not text:
            continue
        page = getattr(element.metadata, "page_number", None)
        if element.category == "Title":
            builder.heading(text, page)
        else:
            list_run = element.category == "ListItem" and previous_category == "ListItem"
            builder.add(text, page, joiner="\n" if list_run else "\n\n")
        previous_category = element.category
    return builder.finish()
