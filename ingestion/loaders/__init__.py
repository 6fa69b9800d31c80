"""Turn a file on disk into clean, sectioned text: the single entry point of ingestion.

Everything downstream (chunking, indexing, citations) sees only :class:`LoadedDocument`, so
all format quirks are settled here: encodings, mojibake, scanned PDFs, page numbers, headings.
Bad input never escapes as a parser traceback; it becomes a :class:`LoaderError` whose message
can be shown to the user as is.

The package, one concept per module:

* :mod:`.registry`: the formats (extension -> name and loader), the one list of them;
* one module per format: :mod:`.pdf`, :mod:`.docx`, :mod:`.html`, :mod:`.pptx`,
  :mod:`.eml`, :mod:`.markdown`, :mod:`.notebook`, :mod:`.text` (each says which parser it
  uses and why);
* shared pieces: :mod:`.file_reading` (bytes, size limits), :mod:`.encoding_detection`
  (bytes -> str), :mod:`.text_cleanup` (ftfy, Unicode, whitespace), :mod:`.mojibake`
  (the Mac Roman / Windows-1252 damage ftfy leaves), :mod:`.sections`
  (blocks -> sections), :mod:`.unstructured_elements` and :mod:`.office_container`
  (what the ``unstructured``-based formats share), :mod:`.document` and :mod:`.errors`
  (what callers get back), :mod:`.notes` (what a loader could read only in part);
* tables: every format's tables become :mod:`ingestion.tables`'s model (:mod:`.html_tables`,
  :mod:`.table_matching`, :mod:`.pdf_tables`, :mod:`.sheet_blocks`, :mod:`.cell_format`);
  CSV/TSV, XLSX and ODS are read as tables (:mod:`.delimited`, :mod:`.xlsx`, :mod:`.ods`).
"""

from __future__ import annotations

import logging
import os  # path type below; tests also reach os.open / os.read through this module
from pathlib import Path
from typing import Any

from ingestion.language import detect_language
from ingestion.loaders.document import LoadedDocument, Section
from ingestion.loaders.errors import LoaderError, one_line_cause
from ingestion.loaders.file_reading import (
    CHANGED_WHILE_READING,
    DEFAULT_MAX_BYTES,
    DISAPPEARED_WHILE_READING,
    FileSnapshot,
    read_file,
    size_problem,
)
from ingestion.loaders.notes import collecting_notes
from ingestion.loaders.pdf import OcrPolicy
from ingestion.loaders.registry import FORMATS, SUPPORTED_EXTENSIONS, Loader, format_of
from ingestion.loaders.text_cleanup import clean_title
from ingestion.ocr import tesseract_available

__all__ = [
    "CHANGED_WHILE_READING",
    "DEFAULT_MAX_BYTES",
    "DISAPPEARED_WHILE_READING",
    "SUPPORTED_EXTENSIONS",
    "FileSnapshot",
    "LoadedDocument",
    "LoaderError",
    "Section",
    "file_type_of",
    "load_document",
    "read_file",
    "size_problem",
]

logger = logging.getLogger(__name__)

_LOADERS: dict[str, Loader] = {fmt.key: fmt.load for fmt in FORMATS}
"""The loader per format key, built from the registry. :func:`load_document` calls through
this table, so a test can put a failing loader in place of one format's."""


def file_type_of(path: str | os.PathLike[str]) -> str:
    """The format key ("pdf", "md", ...) ``path`` is read as; LoaderError if unsupported."""
    return format_of(Path(path)).key


def load_document(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = True,
    snapshot: FileSnapshot | None = None,
) -> LoadedDocument:
    """Load ``path`` into sections of clean text, or raise :class:`LoaderError` saying why not.

    ``max_bytes`` is checked against the file size before reading. ``ocr`` allows running
    tesseract on PDF pages that have no text layer (when tesseract is installed).
    ``snapshot``: bytes already read with :func:`read_file` (the pipeline hashes them
    first); the file is then not read again, so text and hash come from the same bytes.
    """
    path = Path(path)
    document_format = format_of(path)
    data = (snapshot or read_file(path, max_bytes)).data
    options: dict[str, Any] = {}
    if document_format.reads_scans:
        options["ocr"] = OcrPolicy(enabled=ocr, available=tesseract_available)
    try:
        with collecting_notes() as notes:
            sections, title = _LOADERS[document_format.key](path, data, **options)
    except LoaderError:
        raise
    except Exception as exc:
        logger.debug("parser failed on %s", path, exc_info=True)
        raise LoaderError(
            path, f"could not read {document_format.name} file: {one_line_cause(exc)}"
        ) from exc

    if not sections:
        raise LoaderError(path, "no text")
    document = LoadedDocument(
        path=path,
        sections=sections,
        title=clean_title(title) or path.stem,
        language="other",
        file_type=document_format.key,
        notes=notes,
    )
    document.language = detect_language(document.text)
    return document
