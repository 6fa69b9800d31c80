"""Plain text (.txt, .text, .rst): one section, read as written."""

from __future__ import annotations

from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import decode_text
from ingestion.loaders.text_cleanup import clean_text

__all__ = ["load_text"]

_MAX_TXT_TITLE_CHARS = 120


def load_text(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section; a short first line is taken as the document's title."""
    text = clean_text(decode_text(path, data))
    if not text:
        return [], ""
    first_line = text.split("\n", 1)[0].strip()
    title = first_line if len(first_line) < _MAX_TXT_TITLE_CHARS else ""
    return [Section(text=text, page=None, title="")], title
