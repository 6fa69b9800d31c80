"""The formats Veraz reads: one registry from file extension to format, name and loader.

Adding a format is one entry here plus its module; nothing else lists formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ingestion.loaders.delimited import load_delimited
from ingestion.loaders.document import Section
from ingestion.loaders.docx import load_docx
from ingestion.loaders.eml import load_eml
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.html import load_html
from ingestion.loaders.markdown import load_markdown
from ingestion.loaders.notebook import load_notebook
from ingestion.loaders.ods import load_ods
from ingestion.loaders.pdf import load_pdf
from ingestion.loaders.pptx import load_pptx
from ingestion.loaders.restructured_text import load_rst
from ingestion.loaders.text import load_text
from ingestion.loaders.xlsx import load_xlsx

__all__ = [
    "FORMATS",
    "FORMAT_BY_EXTENSION",
    "SUPPORTED_EXTENSIONS",
    "DocumentFormat",
    "Loader",
    "format_of",
]


class Loader(Protocol):
    """Reads one format: the file's bytes (its path only names it in errors) to its sections
    and the title it found ("" for none). Raises LoaderError for input it cannot read."""

    def __call__(self, path: Path, data: bytes, /) -> tuple[list[Section], str]: ...


@dataclass(frozen=True)
class DocumentFormat:
    """One format Veraz reads."""

    key: str
    """Stored as the document's ``file_type``: "pdf", "docx", "html", "pptx", "eml", "md",
    "ipynb", "rst", "txt", "csv", "xlsx", "ods"."""
    name: str
    """How messages name it: "could not read {name} file: ..."."""
    extensions: tuple[str, ...]
    """Lower-case, with the dot; a file's extension is compared case-blind."""
    load: Loader
    reads_scans: bool = False
    """Its loader also takes ``ocr=OcrPolicy`` (PDF: pages without a text layer)."""


FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat("pdf", "PDF", (".pdf",), load_pdf, reads_scans=True),
    DocumentFormat("docx", "DOCX", (".docx",), load_docx),
    DocumentFormat("html", "HTML", (".html", ".htm"), load_html),
    DocumentFormat("pptx", "PPTX", (".pptx",), load_pptx),
    DocumentFormat("eml", "e-mail", (".eml",), load_eml),
    DocumentFormat("md", "Markdown", (".md", ".markdown"), load_markdown),
    DocumentFormat("ipynb", "Jupyter notebook", (".ipynb",), load_notebook),
    DocumentFormat("rst", "reStructuredText", (".rst", ".rest"), load_rst),
    DocumentFormat("txt", "TXT", (".txt", ".text"), load_text),
    DocumentFormat("csv", "CSV", (".csv", ".tsv"), load_delimited),
    DocumentFormat("xlsx", "XLSX", (".xlsx", ".xlsm"), load_xlsx),
    DocumentFormat("ods", "ODS", (".ods",), load_ods),
)

FORMAT_BY_EXTENSION: dict[str, DocumentFormat] = {
    extension: document_format
    for document_format in FORMATS
    for extension in document_format.extensions
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(FORMAT_BY_EXTENSION)


def format_of(path: Path) -> DocumentFormat:
    """The format ``path`` is read as, from its extension; LoaderError if unsupported.

    Checked before a file is opened, so a folder full of videos costs one ``stat`` each.
    """
    extension = Path(path).suffix.lower()
    document_format = FORMAT_BY_EXTENSION.get(extension)
    if document_format is None:
        supported = " ".join(sorted(SUPPORTED_EXTENSIONS))
        shown = extension or "(none)"
        raise LoaderError(Path(path), f"unsupported file type '{shown}' (supported: {supported})")
    return document_format
