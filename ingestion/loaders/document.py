"""What a loader hands to the rest of ingestion: a document as sections of clean text.

Everything downstream (chunking, indexing, citations) sees only :class:`LoadedDocument`, so
the format a file came in never leaks past the loaders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LoadedDocument", "Section"]


@dataclass
class Section:
    """A run of text that shares a page and a heading: the unit chunks and citations point to."""

    text: str
    page: int | None
    """1-based page for PDFs and PPTX slides (and DOCX files Word saved with page breaks);
    None where a format has no pages."""
    title: str
    """Nearest heading above this text ("" if none); carried across page breaks."""
    table_head: str = ""
    """For a section that is one table (:mod:`ingestion.tables`): its caption and header
    lines, which every chunk of it repeats when the chunker splits it by rows; "" for prose."""


@dataclass
class LoadedDocument:
    """A document reduced to repaired, normalised text sections plus what we know about it."""

    path: Path
    sections: list[Section]
    title: str
    """First heading, HTML <title>, PDF metadata title or e-mail subject, else the file stem."""
    language: str
    """ "es", "en" or "other", detected on the full text."""
    file_type: str
    """A format key of :data:`~ingestion.loaders.registry.FORMATS`: "pdf", "docx", "html",
    "pptx", "eml", "md", "txt", "csv", "xlsx" or "ods"."""
    notes: list[str] = field(default_factory=list)
    """What the loader read only in part ("the table on page 3 could not be read as rows;
    indexed as text"): listed in the ingest report, the file is still indexed."""

    @property
    def text(self) -> str:
        """The whole document, sections separated by a blank line."""
        return "\n\n".join(section.text for section in self.sections)
