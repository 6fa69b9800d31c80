"""Turn a file on disk into clean, sectioned text: the single entry point of ingestion.

Everything downstream (chunking, indexing, citations) sees only :class:`LoadedDocument`, so
all format quirks are settled here: encodings, mojibake, scanned PDFs, page numbers, headings.
Bad input never escapes as a parser traceback; it becomes a :class:`LoaderError` whose message
can be shown to the user as is.

Which parser reads what, and why:

* PDF: pdfminer.six directly, not ``unstructured.partition.pdf``. That module imports
  ``pi_heif`` and ``unstructured_inference`` at import time even for ``strategy="fast"``, and
  those come only with unstructured's ``pdf`` extra, which we leave out (it pulls torchvision).
  Reading pdfminer's layout ourselves also gives font sizes, which find headings far more
  reliably than unstructured's text heuristics do with the blank spaCy pipeline we run offline.
  Pages without text are OCR'd with tesseract (:mod:`ingestion.ocr`).
* DOCX, HTML, PPTX: ``unstructured`` partitioners (headings from styles and tags).
* EML: the standard library ``email`` package; ``partition_email`` needs python-dateutil, which
  is not a dependency. An HTML-only body goes through ``partition_html``.
* Markdown and plain text: read directly, so headings, code and line breaks stay as written.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import html
import io
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import ftfy

from ingestion.language import detect_language
from ingestion.ocr import OcrError, ocr_pdf, tesseract_available
from ingestion.unstructured_offline import ensure_offline_unstructured

if TYPE_CHECKING:
    from pdfminer.layout import LTPage

__all__ = [
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

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_FILE_TYPES: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".pptx": "pptx",
    ".eml": "eml",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
    ".rst": "txt",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_FILE_TYPES)


@dataclass
class Section:
    """A run of text that shares a page and a heading: the unit chunks and citations point to."""

    text: str
    page: int | None
    """1-based page for PDFs and PPTX slides (and DOCX files Word saved with page breaks);
    None where a format has no pages."""
    title: str
    """Nearest heading above this text ("" if none); carried across page breaks."""


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
    """"pdf", "docx", "html", "pptx", "eml", "md" or "txt"."""

    @property
    def text(self) -> str:
        """The whole document, sections separated by a blank line."""
        return "\n\n".join(section.text for section in self.sections)


class LoaderError(Exception):
    """A file could not be loaded; ``str(error)`` is a reason fit to show the user."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[LoaderError], tuple[Path, str]]:
        """Rebuild with both arguments, so the error survives a trip through a process pool."""
        return type(self), (self.path, self.reason)


# --------------------------------------------------------------------------- text cleanup

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_HSPACE_RUN_RE = re.compile(r"(?<=\S)[^\S\n]{2,}|[^\S\n ]")
_TRAILING_SPACE_RE = re.compile(r"[^\S\n]+\n")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _clean(text: str) -> str:
    """Repair mojibake, normalise to NFC and tidy whitespace, keeping line structure.

    ``ftfy`` undoes both UTF-8-read-as-Latin-1 ("OptimizaciÃ³n") and UTF-8-read-as-Mac-Roman
    ("Optimizaci√≥n"). Runs of spaces collapse to one, but leading indentation survives so
    code blocks in Markdown still read as code.
    """
    text = ftfy.fix_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _HSPACE_RUN_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def _clean_title(title: str) -> str:
    """Titles are single lines: clean them like text and fold line breaks into spaces."""
    return " ".join(_clean(title).split())


class _Sectioned(NamedTuple):
    sections: list[Section]
    first_heading: str
    """The document's first heading, the usual fallback for its title."""


@dataclass
class _SectionBuilder:
    """Accumulates blocks of text into sections, starting a new one at each heading or page.

    A heading directly followed by another heading on the same page (a chapter title, then its
    first subsection) does not get a section of its own: it stays as text in front of the next
    one, so no chunk downstream is a bare heading.
    """

    sections: list[Section] = field(default_factory=list)
    first_heading: str = ""
    _blocks: list[str] = field(default_factory=list)
    _page: int | None = None
    _title: str = ""
    _started: bool = False
    _has_body: bool = False

    def heading(self, text: str, page: int | None, *, title: str | None = None) -> None:
        """Start a section under heading ``text`` (also part of its text); ``title`` overrides
        the section title, e.g. a Markdown heading's text without its ``#`` marks."""
        clean_title = _clean_title(text if title is None else title)
        self.first_heading = self.first_heading or clean_title
        if self._has_body or page != self._page:
            self._flush()
        self._title = clean_title
        self._page = page
        self._started = True
        self._blocks.append(text)

    def add(self, text: str, page: int | None, *, joiner: str = "\n\n") -> None:
        """Append a block; a page change starts a new section under the same heading.

        Except when the block continues a sentence cut by the page break (the previous
        block ends without closing punctuation and this one starts in lower case): it is
        joined to that sentence, so no chunk starts or ends mid-sentence at a page edge.
        """
        if self._started and page != self._page:
            if self._continues(text):
                self._blocks[-1] = _join_pdf_lines([self._blocks[-1], text])
                self._has_body = True
                return
            self._flush()
        self._page = page
        self._started = True
        self._has_body = True
        if self._blocks and joiner != "\n\n":
            self._blocks[-1] = self._blocks[-1] + joiner + text
        else:
            self._blocks.append(text)

    def _continues(self, text: str) -> bool:
        if not self._has_body or not self._blocks:
            return False
        tail = self._blocks[-1].rstrip()
        return bool(tail) and tail[-1] not in '.!?:;»")]' and text[:1].islower()

    def finish(self) -> _Sectioned:
        self._flush()
        return _Sectioned(self.sections, self.first_heading)

    def _flush(self) -> None:
        text = _clean("\n\n".join(self._blocks))
        if text:
            self.sections.append(Section(text=text, page=self._page, title=self._title))
        self._blocks = []
        self._has_body = False


# --------------------------------------------------------------------------- file access


def _format_size(n_bytes: float) -> str:
    """Sizes in MB as the user sets them (VERAZ_MAX_FILE_MB); bytes when that would read 0."""
    if n_bytes < 0.1 * 1024 * 1024:
        return f"{int(n_bytes)} bytes"
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"


@dataclass(frozen=True)
class FileSnapshot:
    """The bytes of a file together with the ``stat`` they were read under.

    The pipeline hashes ``data`` and parses the same ``data``, so a document's stored content
    hash always describes the text that was indexed, even when the file changes meanwhile.
    """

    data: bytes
    size: int
    mtime: float


_OVER_LIMIT = "file is {size}, over the limit of {limit} (VERAZ_MAX_FILE_MB)"
CHANGED_WHILE_READING = "file changed while it was being read; it will be read again next run"
DISAPPEARED_WHILE_READING = "file disappeared while it was being read"
_READ_BLOCK = 1 << 20


def _fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _access_error(path: Path, exc: OSError) -> LoaderError:
    if isinstance(exc, FileNotFoundError):
        return LoaderError(path, "file not found")
    if isinstance(exc, PermissionError):
        return LoaderError(path, "cannot read file: permission denied")
    return LoaderError(path, f"cannot read file: {exc.strerror or exc}")


def size_problem(size: int, max_bytes: int) -> str | None:
    """Why a file of ``size`` bytes is refused (empty, over the limit), or None.

    Public so that uploads (the UI, the HTTP API) refuse a file before storing it with
    the same words an ingestion run uses.
    """
    if size == 0:
        return "empty file"
    if size > max_bytes:
        return _OVER_LIMIT.format(size=_format_size(size), limit=_format_size(max_bytes))
    return None


def _check_size(path: Path, size: int, max_bytes: int) -> None:
    problem = size_problem(size, max_bytes)
    if problem:
        raise LoaderError(path, problem)


def read_file(path: Path, max_bytes: int) -> FileSnapshot:
    """Read a regular file once, refusing it by size before reading a byte of it.

    ``os.stat`` decides first (never read a 2 GB file to reject it). The file is opened
    non-blocking (a FIFO swapped in after the check cannot hang the run) and read in blocks,
    never more than ``max_bytes + 1``. If its inode, size or modification time differ
    before and after the read, or the name no longer points at it, the bytes may mix two
    versions: that is an error for this run, and the file is read again on the next one.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _access_error(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise LoaderError(path, "not a regular file")
    _check_size(path, st.st_size, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _access_error(path, exc) from None
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise LoaderError(path, "not a regular file")
        _check_size(path, before.st_size, max_bytes)
        blocks: list[bytes] = []
        total = 0
        while block := os.read(fd, min(_READ_BLOCK, max_bytes + 1 - total)):
            blocks.append(block)
            total += len(block)
            if total > max_bytes:
                raise LoaderError(
                    path, f"file grew over the limit of {_format_size(max_bytes)} while being read"
                )
        after = os.fstat(fd)
    except OSError as exc:
        raise _access_error(path, exc) from None
    finally:
        os.close(fd)
    try:
        now = os.stat(path)
    except FileNotFoundError:
        raise LoaderError(path, DISAPPEARED_WHILE_READING) from None
    except OSError as exc:
        raise _access_error(path, exc) from None
    if not (_fingerprint(before) == _fingerprint(after) == _fingerprint(now)) or total != (
        before.st_size
    ):
        raise LoaderError(path, CHANGED_WHILE_READING)
    if total == 0:
        raise LoaderError(path, "empty file")
    return FileSnapshot(data=b"".join(blocks), size=total, mtime=before.st_mtime)


_BINARY_REASON = "binary content, not text (is this really a .{ext} file?)"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WESTERN_MAX_NON_ASCII_LETTERS = 0.3
"""In Spanish, English, French or German text, accented letters are a few percent of all
letters; Cyrillic or Greek bytes read as cp1252 come out almost entirely "accented"."""


def _looks_western(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    non_ascii = sum(not c.isascii() for c in letters)
    return non_ascii <= _WESTERN_MAX_NON_ASCII_LETTERS * len(letters)


def _has_control_chars(text: str) -> bool:
    """More than 1% C0/C1 control characters (besides whitespace) means we decoded binary."""
    controls = sum(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v" for c in text)
    return controls > 0.01 * max(len(text), 1)


_UTF16_MIN_NUL_SHARE = 0.4
_UTF16_MAX_OTHER_NUL_SHARE = 0.05


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows tools do), or None.

    Latin-script text in UTF-16 has a NUL in every other byte: in the odd positions for
    little-endian, the even ones for big-endian. Binary files do not keep that rhythm.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    if odd_nuls >= _UTF16_MIN_NUL_SHARE * half and even_nuls <= _UTF16_MAX_OTHER_NUL_SHARE * half:
        encoding = "utf-16-le"
    elif even_nuls >= _UTF16_MIN_NUL_SHARE * half and odd_nuls <= _UTF16_MAX_OTHER_NUL_SHARE * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if _has_control_chars(text) else text


_MAX_INVALID_UTF8_SHARE = 0.05


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (a damaged or concatenated file), the bad bytes dropped.

    Only when the valid multi-byte characters outnumber the invalid bytes, and those are
    under 5% of the text: a Windows-1252 file has no valid multi-byte sequences and is
    left to the cp1252 step, which reads its accented letters correctly.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_non_ascii = sum(1 for c in text if not c.isascii()) - invalid
    if valid_non_ascii < invalid or invalid > _MAX_INVALID_UTF8_SHARE * len(text):
        return None
    text = text.replace("\ufffd", "")
    return None if _has_control_chars(text) else text


def _decode_text(path: Path, data: bytes, *, declared: str | None = None) -> str:
    """Decode bytes of a text format, trying the likely encodings in order.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise UTF-8, then a charset the
    file declares (HTML ``<meta charset>``), then Windows-1252 (a superset of Latin-1) when the
    result reads as a Western language, and last charset-normalizer's best guess. We try
    cp1252 before charset-normalizer because on short Spanish text it guesses cp1250 and turns
    "pequeños" into "pequeńos". NUL bytes mean UTF-16 without a BOM or a file that is not
    text. UTF-8 with a few invalid bytes keeps its valid text and drops the invalid bytes.
    """
    ext = path.suffix.lstrip(".").lower() or "txt"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise LoaderError(path, _BINARY_REASON.format(ext=ext))
        return text
    candidates = ["utf-8"] + ([declared] if declared else []) + ["cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            if encoding == "utf-8" and (repaired := _mostly_utf8(data)) is not None:
                return repaired
            continue
        if encoding == "cp1252" and not _looks_western(text):
            continue
        if not _has_control_chars(text):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else ""
    if best is None or _has_control_chars(text):
        raise LoaderError(path, _BINARY_REASON.format(ext=ext))
    return text


# --------------------------------------------------------------------------- PDF

_PDF_SCANNED_NO_OCR = "PDF has no text layer (scanned?) and OCR is turned off"
_PDF_SCANNED_NO_TESSERACT = (
    "PDF has no text layer (scanned?); install tesseract-ocr (and tesseract-ocr-spa) to OCR it"
)
_CID_RE = re.compile(r"\(cid:\d+\)")
_BOLD_FONT_RE = re.compile(r"bold|black|heavy|semibold|demi|cmbx|-medi", re.IGNORECASE)
_HEADING_MIN_SIZE_RATIO = 1.15
_HEADING_MAX_WORDS = 15
_HEADING_MAX_CHARS = 150
_HEADING_MAX_LINES = 3
_JUNK_PDF_TITLE_RE = re.compile(
    r"^(untitled|microsoft (word|powerpoint) - .*|.*\.(docx?|pptx?|pdf|tex|dvi|indd|odt))$",
    re.IGNORECASE,
)


@dataclass
class _PdfBlock:
    """One pdfminer text box with the font facts that tell headings from body text."""

    text: str
    size: float
    bold: bool
    lines: int
    in_margin: bool
    """Entirely within the top or bottom 8% of the page, where running heads live."""
    top: float = 0.0
    bottom: float = 0.0


_LOOSE_LINE_GAP = 0.8
"""pdfminer makes one box per line when lines are set far apart (1.5 spacing and more);
boxes of one font whose vertical gap is under this many font sizes are one paragraph.
Paragraph breaks in such layouts are larger (a blank line, about one font size)."""


def _merge_loose_lines(blocks: list[_PdfBlock]) -> list[_PdfBlock]:
    """Join consecutive same-font boxes separated by a line-sized gap into one paragraph."""
    merged: list[_PdfBlock] = []
    for block in blocks:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and not prev.in_margin
            and not block.in_margin
            and abs(prev.size - block.size) < 0.5
            and prev.bold == block.bold
            and 0 <= prev.bottom - block.top < _LOOSE_LINE_GAP * block.size
        ):
            merged[-1] = _PdfBlock(
                text=_join_pdf_lines([prev.text, block.text]),
                size=prev.size,
                bold=prev.bold,
                lines=prev.lines + block.lines,
                in_margin=False,
                top=prev.top,
                bottom=block.bottom,
            )
        else:
            merged.append(block)
    return merged


@dataclass
class _PdfPage:
    number: int
    blocks: list[_PdfBlock]
    has_images: bool


def _pdf_error_cause(data: bytes, exc: BaseException) -> str:
    """A short, human cause for a PDF that would not parse."""
    if b"%PDF-" not in data[:1024]:
        return "no %PDF header (is this really a PDF?)"
    if b"%%EOF" not in data[-2048:]:
        return "file is truncated (no %%EOF marker)"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:160].rstrip(": ")


def _join_pdf_lines(lines: Iterable[str]) -> str:
    """Join a text box's lines into a paragraph, undoing end-of-line hyphenation.

    "optimi-\\nzation" becomes "optimization" (a lower-case letter must follow), which is what
    search needs; the rare compound split at its own hyphen loses that hyphen.
    """
    out = ""
    for raw in lines:
        line = _CID_RE.sub("", raw).strip()
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"[^\W\d_][-\u00ad]$", out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out = out + " " + line
    return out


_MARGIN_FRACTION = 0.08
"""Headers and page numbers sit within ~7% of the page edge; body text starts below a
typical 2.5 cm (8.5%) margin."""


def _pdf_page_blocks(layout: LTPage, number: int) -> _PdfPage:
    from pdfminer.layout import LTChar, LTFigure, LTImage, LTTextBox, LTTextLine

    def walk(container: Iterable[Any]) -> Iterator[Any]:
        """Layout items in reading order, descending into figures (form XObjects)."""
        for item in container:
            if isinstance(item, LTFigure):
                yield from walk(item)
            else:
                yield item

    blocks: list[_PdfBlock] = []
    has_images = False
    for item in walk(layout):
        if isinstance(item, LTImage):
            has_images = True
        elif isinstance(item, LTTextBox):
            lines = [line for line in item if isinstance(line, LTTextLine)]
            chars = [c for line in lines for c in line if isinstance(c, LTChar)]
            text = _join_pdf_lines(line.get_text() for line in lines)
            if not text or not chars:
                continue
            sizes = sorted(round(c.size, 1) for c in chars)
            letters = [c for c in chars if c.get_text().isalpha()] or chars
            bold = sum(bool(_BOLD_FONT_RE.search(c.fontname)) for c in letters)
            blocks.append(
                _PdfBlock(
                    text=text,
                    size=sizes[len(sizes) // 2],
                    bold=bold >= 0.9 * len(letters),
                    lines=len(lines),
                    in_margin=(
                        item.y0 >= layout.y1 - _MARGIN_FRACTION * layout.height
                        or item.y1 <= layout.y0 + _MARGIN_FRACTION * layout.height
                    ),
                    top=item.y1,
                    bottom=item.y0,
                )
            )
    return _PdfPage(number=number, blocks=_merge_loose_lines(blocks), has_images=has_images)


def _is_pdf_heading(block: _PdfBlock, body_size: float, body_bold: bool) -> bool:
    """A short block set larger than the body font, or bold where the body is not."""
    text = block.text
    if (
        len(text) > _HEADING_MAX_CHARS
        or len(text.split()) > _HEADING_MAX_WORDS
        or block.lines > _HEADING_MAX_LINES
        or not any(c.isalpha() for c in text)
        or text.endswith((".", ",", ";"))
    ):
        return False
    if block.size >= _HEADING_MIN_SIZE_RATIO * body_size:
        return True
    return block.bold and not body_bold and block.size >= 0.95 * body_size


_RUNNING_HEAD_MIN_PAGES = 3
_RUNNING_HEAD_MAX_CHARS = 100
_DIGITS_RE = re.compile(r"\d+")
_PAGE_NUMBER_RE = re.compile(
    r"^(?:(?:page|p[aá]gina|p[aá]g\.?)\s*)?#(?:\s*(?:/|of|de)\s*#)?$|^[ivxlcdm]{1,6}$"
)


def _furniture_key(text: str) -> str:
    """Compare page-edge lines with their numbers masked: "Chapter 2 - 14" ~ "Chapter 2 - 15"."""
    return _DIGITS_RE.sub("#", " ".join(text.lower().split()))


def _running_heads(pages: Sequence[_PdfPage]) -> frozenset[str]:
    """Keys of margin lines that repeat on several pages: running heads and footers.

    They would otherwise start every page's section with "Chapter 2: ..." and pollute search.
    """
    counts: dict[str, int] = {}
    for page in pages:
        for key in {_furniture_key(block.text) for block in page.blocks if block.in_margin}:
            counts[key] = counts.get(key, 0) + 1
    return frozenset(k for k, n in counts.items() if n >= _RUNNING_HEAD_MIN_PAGES)


def _is_page_furniture(block: _PdfBlock, running_heads: frozenset[str]) -> bool:
    """A page number ("12", "Página 3 de 9", "iv") or a repeated running head/footer.

    Only short one-line boxes in the page margins qualify: text in the body of the page is
    content, even if the same template text recurs on every page.
    """
    if not block.in_margin or block.lines > 1 or len(block.text) > _RUNNING_HEAD_MAX_CHARS:
        return False
    key = _furniture_key(block.text)
    return key in running_heads or _PAGE_NUMBER_RE.match(key) is not None


def _body_font(pages: Sequence[_PdfPage]) -> tuple[float, bool]:
    """The font size (and boldness) carrying the most characters is the body text."""
    weight_by_size: dict[float, int] = {}
    bold_chars = 0
    total = 0
    for page in pages:
        for block in page.blocks:
            key = round(block.size * 2) / 2
            weight_by_size[key] = weight_by_size.get(key, 0) + len(block.text)
            total += len(block.text)
            bold_chars += len(block.text) if block.bold else 0
    if not weight_by_size:
        return 0.0, False
    return max(weight_by_size, key=weight_by_size.__getitem__), bold_chars > total / 2


def _pdf_metadata(path: Path, data: bytes) -> tuple[int, str]:
    """Page count and metadata title via pypdf; also where encryption is detected.

    pypdf tells an owner-password-only PDF (opens with the empty password, so we can read it)
    from one that needs a user password (we cannot).
    """
    from pypdf import PasswordType, PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise LoaderError(path, "PDF is encrypted (password-protected)")
        n_pages = len(reader.pages)
        meta = reader.metadata
        title = str(meta.title or "") if meta is not None else ""
    except LoaderError:
        raise
    except Exception as exc:
        raise LoaderError(path, f"not a valid PDF: {_pdf_error_cause(data, exc)}") from exc
    title = _clean_title(title)
    return n_pages, "" if _JUNK_PDF_TITLE_RE.match(title) else title


def _ocr_pages(
    path: Path, data: bytes, pages: Sequence[int] | None, *, all_empty: bool, ocr: bool
) -> dict[int, str]:
    """OCR ``pages`` (None = all); failures are fatal only when nothing else has text."""
    if not ocr:
        if all_empty:
            raise LoaderError(path, _PDF_SCANNED_NO_OCR)
        return {}
    if not tesseract_available():
        if all_empty:
            raise LoaderError(path, _PDF_SCANNED_NO_TESSERACT)
        logger.info("%s: %d image-only pages skipped (no tesseract)", path, len(pages or []))
        return {}
    try:
        return dict(ocr_pdf(data, pages=pages))
    except (OcrError, OSError) as exc:
        if all_empty:
            raise LoaderError(path, f"PDF has no text layer and OCR failed: {exc}") from exc
        logger.warning("%s: OCR of image-only pages failed: %s", path, exc)
        return {}


def _load_pdf(path: Path, data: bytes, *, ocr: bool) -> tuple[list[Section], str]:
    n_pages, meta_title = _pdf_metadata(path, data)
    if n_pages == 0:
        raise LoaderError(path, "not a valid PDF: it has no pages")

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    # all_texts: also group text drawn inside form XObjects; some producers put a whole page's
    # content in one, and without this it reads as a page with no text (a false "scan").
    laparams = LAParams(all_texts=True)

    try:
        pages = [
            _pdf_page_blocks(layout, number)
            for number, layout in enumerate(extract_pages(io.BytesIO(data), laparams=laparams), 1)
        ]
    except PDFPasswordIncorrect as exc:
        raise LoaderError(path, "PDF is encrypted (password-protected)") from exc
    except Exception as exc:
        raise LoaderError(path, f"not a valid PDF: {_pdf_error_cause(data, exc)}") from exc

    all_empty = not any(page.blocks for page in pages)
    wanted = None if all_empty else [p.number for p in pages if not p.blocks and p.has_images]
    ocr_text = _ocr_pages(path, data, wanted, all_empty=all_empty, ocr=ocr) if wanted != [] else {}

    body_size, body_bold = _body_font(pages)
    boilerplate = _running_heads(pages)
    builder = _SectionBuilder()
    for page in pages:
        if not page.blocks and ocr_text.get(page.number, "").strip():
            builder.add(ocr_text[page.number], page.number)
        for block in page.blocks:
            heading = _is_pdf_heading(block, body_size, body_bold)
            if not heading and _is_page_furniture(block, boilerplate):
                continue
            if heading:
                builder.heading(block.text, page.number)
            else:
                builder.add(block.text, page.number)
    sections, first_heading = builder.finish()
    if not sections:
        if all_empty and ocr_text:
            raise LoaderError(path, "PDF has no text layer and OCR found no text in it")
        raise LoaderError(path, "no text")
    return sections, meta_title or first_heading


# --------------------------------------------------------------------------- unstructured

_SKIPPED_CATEGORIES = frozenset({"Header", "Footer", "PageBreak", "PageNumber"})


def _sections_from_elements(elements: Iterable[Any]) -> _Sectioned:
    """Group unstructured elements into sections: a Title starts one, so does a new page.

    Page headers/footers are dropped (they repeat on every page and pollute retrieval).
    Consecutive list items stay on consecutive lines instead of becoming paragraphs.
    """
    builder = _SectionBuilder()
    previous_category = ""
    for element in elements:
        text = (element.text or "").strip()
        if element.category in _SKIPPED_CATEGORIES or not text:
            continue
        page = getattr(element.metadata, "page_number", None)
        if element.category == "Title":
            builder.heading(text, page)
        else:
            list_run = element.category == "ListItem" and previous_category == "ListItem"
            builder.add(text, page, joiner="\n" if list_run else "\n\n")
        previous_category = element.category
    return builder.finish()


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_office_container(path: Path, data: bytes, kind: str) -> None:
    """DOCX/PPTX are ZIP archives; say plainly what else the file is instead of a zip error.

    An OLE2 container is what Office writes for a password-protected file (and for the old
    binary .doc/.ppt formats).
    """
    if data.startswith(_ZIP_MAGIC):
        _check_unzipped_size(path, data, kind)
        return
    if data.startswith(_OLE_MAGIC):
        raise LoaderError(
            path, f"{kind} is password-protected, or an old binary .{kind.lower()[:3]} file"
        )
    raise LoaderError(path, f"not a valid {kind} file (not a ZIP archive; corrupt?)")


_UNZIPPED_FLOOR = 128 * 1024 * 1024
_UNZIPPED_RATIO = 3


def _check_unzipped_size(path: Path, data: bytes, kind: str) -> None:
    """Refuse a ZIP that would expand far beyond its size (a zip bomb) before parsing it.

    python-docx and python-pptx read every part of the package into memory, so the sum of
    the parts' uncompressed sizes is what parsing costs. The sizes come from the central
    directory; :mod:`zipfile` never returns more bytes than a member declares (and fails
    its CRC check if the data disagree), so a lying header cannot smuggle in more. Allowed:
    128 MB, or three times the file's own size if larger (images barely compress).
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoaderError(
            path, f"not a valid {kind} file (damaged or truncated ZIP archive)"
        ) from exc
    limit = max(_UNZIPPED_FLOOR, _UNZIPPED_RATIO * len(data))
    if unzipped > limit:
        raise LoaderError(
            path,
            f"{kind} expands to {_format_size(unzipped)} when unzipped, over the limit of "
            f"{_format_size(limit)} (a zip bomb?); not read",
        )


def _load_docx(path: Path, data: bytes) -> tuple[list[Section], str]:
    _check_office_container(path, data, "DOCX")
    ensure_offline_unstructured()
    from unstructured.partition.docx import partition_docx

    return _sections_from_elements(partition_docx(file=io.BytesIO(data)))


_HTML_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _html_sections(markup: str) -> _Sectioned:
    """Partition HTML without ``<header>``/``<footer>`` (site chrome); ``<nav>`` is already
    dropped by unstructured and a ``<main>`` element, when present, is all it reads."""
    ensure_offline_unstructured()
    from unstructured.partition.html import partition_html

    return _sections_from_elements(partition_html(text=markup, skip_headers_and_footers=True))


def _load_html(path: Path, data: bytes) -> tuple[list[Section], str]:
    declared = _HTML_CHARSET_RE.search(data[:4096])
    markup = _decode_text(path, data, declared=declared.group(1).decode() if declared else None)
    match = _HTML_TITLE_RE.search(markup)
    title = _clean_title(html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))) if match else ""
    sections, first_heading = _html_sections(markup)
    if not sections:
        # libxml2 (under unstructured) silently returns an empty tree for markup nested
        # deeper than 255 elements; the stdlib parser is event-based and has no depth limit.
        sections, first_heading = _flat_html_sections(markup)
    return sections, title or first_heading


_HTML_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "header", "footer"})
_HTML_SKIPPED |= {"nav", "svg", "math", "iframe", "object"}
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "title"})
_HTML_BLOCKS = frozenset(
    {
        "p", "div", "br", "li", "tr", "td", "th", "section", "article", "main", "aside",
        "blockquote", "pre", "ul", "ol", "table", "dd", "dt", "figure", "figcaption", "hr",
        "body", "html",
    }
)  # fmt: skip


def _flat_html_sections(markup: str) -> _Sectioned:
    """Text of any HTML, however deeply nested, in document order: headings start sections.

    Used only when the tree parser found nothing. Keeps no element stack (only counters for
    the skipped elements), so 10,000 nested ``<div>`` cost what 10,000 siblings do.
    """
    from html.parser import HTMLParser

    builder = _SectionBuilder()

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.skipping: dict[str, int] = {}
            self.parts: list[str] = []
            self.in_heading = False

        def flush(self) -> None:
            text = " ".join("".join(self.parts).split())
            self.parts = []
            if text:
                if self.in_heading:
                    builder.heading(text, None)
                else:
                    builder.add(text, None)

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in _HTML_SKIPPED:
                self.skipping[tag] = self.skipping.get(tag, 0) + 1
            elif tag in _HTML_HEADINGS or tag in _HTML_BLOCKS:
                self.flush()
                self.in_heading = tag in _HTML_HEADINGS and tag != "title"

        def handle_endtag(self, tag: str) -> None:
            if tag in _HTML_SKIPPED:
                self.skipping[tag] = max(0, self.skipping.get(tag, 0) - 1)
            elif tag in _HTML_HEADINGS or tag in _HTML_BLOCKS:
                self.flush()
                self.in_heading = False

        def handle_data(self, data: str) -> None:
            if not any(self.skipping.values()):
                self.parts.append(data)

    parser = _Text()
    parser.feed(markup)
    parser.close()
    parser.flush()
    return builder.finish()


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


def _load_pptx(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section per slide (page = slide number), titled by the slide's title placeholder.

    Offline, unstructured calls most short bullet lines "Title" (its verb check has no POS
    tagger), so only depth-0 titles, which come from the title placeholder, count as headings.
    """
    _check_office_container(path, data, "PPTX")
    ensure_offline_unstructured()
    from unstructured.partition.pptx import partition_pptx

    elements = partition_pptx(file=io.BytesIO(data), include_slide_notes=False)
    notes = _pptx_notes(data)
    builder = _SectionBuilder()
    by_slide: dict[int, list[Any]] = {}
    for element in elements:
        if element.category in _SKIPPED_CATEGORIES or not (element.text or "").strip():
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


# --------------------------------------------------------------------------- e-mail


def _email_body(message: EmailMessage) -> tuple[str, str]:
    """(kind, content) of the best body part: plain text preferred over HTML.

    Falls back to decoding the raw payload ourselves when the declared charset is unknown.
    """
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "plain", ""
    kind = part.get_content_subtype()
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return kind, content if isinstance(content, str) else ""


def _load_eml(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Headers (Subject/From/To/Date) become the first section so they can be searched.

    Attachments are not read: they are files of their own and deserve their own loader.
    """
    if b"\x00" in data:
        raise LoaderError(path, _BINARY_REASON.format(ext="eml"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise LoaderError(path, "not a valid e-mail message")
    subject = _clean_title(str(message.get("Subject", "") or ""))
    kind, body = _email_body(message)
    if kind == "html":
        body_sections = _html_sections(body).sections if body.strip() else []
    else:
        text = _clean(body)
        body_sections = [Section(text=text, page=None, title="")] if text else []
    if not body_sections:
        raise LoaderError(path, "no text: the e-mail has no body (attachments are not read)")

    header = _clean(
        "\n".join(
            f"{name}: {value}"
            for name in ("Subject", "From", "To", "Cc", "Date")
            if (value := str(message.get(name, "") or "").strip())
        )
    )
    sections = [Section(text=header, page=None, title=subject)] if header else []
    sections += [Section(text=s.text, page=None, title=s.title or subject) for s in body_sections]
    first_heading = next((s.title for s in body_sections if s.title), "")
    return sections, subject or first_heading


# --------------------------------------------------------------------------- Markdown, text

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def _markdown_sections(text: str) -> _Sectioned:
    """Split at ATX headings (``#`` .. ``######``) that are not inside fenced code blocks.

    Setext headings (underlined with ``===``) are left as text: they are rare in practice and
    ambiguous with horizontal rules.
    """
    builder = _SectionBuilder()
    fence: str | None = None
    lines: list[str] = []

    def flush_lines() -> None:
        if lines:
            builder.add("\n".join(lines), None)
            lines.clear()

    for line in text.splitlines():
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            lines.append(line)
            continue
        heading = None if fence is not None else _ATX_HEADING_RE.match(line)
        if heading is not None:
            flush_lines()
            builder.heading(line.strip(), None, title=heading.group(2) or "")
        else:
            lines.append(line)
    flush_lines()
    return builder.finish()


def _load_markdown(path: Path, data: bytes) -> tuple[list[Section], str]:
    return _markdown_sections(_decode_text(path, data))


_MAX_TXT_TITLE_CHARS = 120


def _load_text(path: Path, data: bytes) -> tuple[list[Section], str]:
    """One section; a short first line is taken as the document's title."""
    text = _clean(_decode_text(path, data))
    if not text:
        return [], ""
    first_line = text.split("\n", 1)[0].strip()
    title = first_line if len(first_line) < _MAX_TXT_TITLE_CHARS else ""
    return [Section(text=text, page=None, title="")], title


# --------------------------------------------------------------------------- entry point

_LOADERS: dict[str, Callable[[Path, bytes], tuple[list[Section], str]]] = {
    "docx": _load_docx,
    "html": _load_html,
    "pptx": _load_pptx,
    "eml": _load_eml,
    "md": _load_markdown,
    "txt": _load_text,
}
_FORMAT_NAMES = {"docx": "DOCX", "html": "HTML", "pptx": "PPTX", "eml": "e-mail", "md": "Markdown"}


_OBJECT_REPR_RE = re.compile(r":?\s*<[^<>]* at 0x[0-9a-fA-F]+>")


def _one_line_cause(exc: BaseException) -> str:
    """``Type: message`` on one line, without object reprs, at most 160 characters."""
    message = " ".join(_OBJECT_REPR_RE.sub("", str(exc)).split())
    cause = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return cause if len(cause) <= 160 else cause[:157] + "..."


def file_type_of(path: Path) -> str:
    """The format Veraz reads ``path`` as, from its extension; LoaderError if unsupported.

    Checked before a file is opened, so a folder full of videos costs one ``stat`` each.
    """
    extension = Path(path).suffix.lower()
    file_type = _FILE_TYPES.get(extension)
    if file_type is None:
        supported = " ".join(sorted(SUPPORTED_EXTENSIONS))
        shown = extension or "(none)"
        raise LoaderError(Path(path), f"unsupported file type '{shown}' (supported: {supported})")
    return file_type


def load_document(
    path: Path,
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
    file_type = file_type_of(path)
    data = (snapshot or read_file(path, max_bytes)).data
    try:
        if file_type == "pdf":
            sections, title = _load_pdf(path, data, ocr=ocr)
        else:
            sections, title = _LOADERS[file_type](path, data)
    except LoaderError:
        raise
    except Exception as exc:
        logger.debug("parser failed on %s", path, exc_info=True)
        kind = _FORMAT_NAMES.get(file_type, file_type.upper())
        raise LoaderError(path, f"could not read {kind} file: {_one_line_cause(exc)}") from exc

    if not sections:
        raise LoaderError(path, "no text")
    document = LoadedDocument(
        path=path,
        sections=sections,
        title=_clean_title(title) or path.stem,
        language="other",
        file_type=file_type,
    )
    document.language = detect_language(document.text)
    return document
