"""PDF: pdfminer.six's layout read directly, with OCR for pages that have no text layer.

Not ``unstructured.partition.pdf``: that module imports ``pi_heif`` and
``unstructured_inference`` at import time even for ``strategy="fast"``, and those come only
with unstructured's ``pdf`` extra, which we leave out (it pulls torchvision). Reading
pdfminer's layout ourselves also gives font sizes, which find headings far more reliably
than unstructured's text heuristics do with the blank spaCy pipeline we run offline.
Running heads, footers and page numbers are dropped; pages without text are OCR'd with
tesseract (:mod:`ingestion.ocr`) when the caller allows it and tesseract is installed.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ingestion.loaders.document import Section
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.pdf_tables import PageHints, aligned_region, find_pdf_tables
from ingestion.loaders.sections import SectionBuilder, join_wrapped_lines
from ingestion.loaders.text_cleanup import clean_title
from ingestion.ocr import OcrError, ocr_pdf, tesseract_available

if TYPE_CHECKING:
    from pdfminer.layout import LTPage

__all__ = ["DEFAULT_OCR", "OcrPolicy", "load_pdf"]

logger = logging.getLogger(__name__)
# pypdf's warnings quote the file ("invalid pdf header: b'…'", object contents): an
# uploaded document's bytes must not reach the server's log or stderr. What matters of
# them reaches the user as a LoaderError; the rest is dropped here.
_PYPDF_LOG = logging.getLogger("pypdf")
_PYPDF_LOG.addHandler(logging.NullHandler())
_PYPDF_LOG.propagate = False


class OcrPolicy(NamedTuple):
    """May pages without a text layer be OCR'd, and can they be (is tesseract installed)?

    Two questions because the answers make different errors: OCR turned off by the caller,
    or tesseract missing, which the user can fix with one ``apt-get install``.
    """

    enabled: bool
    available: Callable[[], bool]


DEFAULT_OCR = OcrPolicy(enabled=True, available=tesseract_available)

_PDF_SCANNED_NO_OCR = "PDF has no text layer (scanned?) and OCR is turned off"
_PDF_SCANNED_NO_TESSERACT = (
    "PDF has no text layer (scanned?); install tesseract-ocr (and tesseract-ocr-spa) to OCR it"
)
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
    x0: float = 0.0
    x1: float = 0.0


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
                text=join_wrapped_lines([prev.text, block.text]),
                size=prev.size,
                bold=prev.bold,
                lines=prev.lines + block.lines,
                in_margin=False,
                top=prev.top,
                bottom=block.bottom,
                x0=min(prev.x0, block.x0),
                x1=max(prev.x1, block.x1),
            )
        else:
            merged.append(block)
    return merged


@dataclass
class _PdfPage:
    number: int
    blocks: list[_PdfBlock]
    has_images: bool
    height: float = 0.0
    table_hints: PageHints | None = None


def _pdf_error_cause(data: bytes, exc: BaseException) -> str:
    """A short, human cause for a PDF that would not parse."""
    if b"%PDF-" not in data[:1024]:
        return "no %PDF header (is this really a PDF?)"
    if b"%%EOF" not in data[-2048:]:
        return "file is truncated (no %%EOF marker)"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:160].rstrip(": ")


_MARGIN_FRACTION = 0.08
"""Headers and page numbers sit within ~7% of the page edge; body text starts below a
typical 2.5 cm (8.5%) margin."""


def _pdf_page_blocks(layout: LTPage, number: int) -> _PdfPage:
    from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage, LTTextBox, LTTextLine

    def walk(container: Iterable[Any]) -> Iterator[Any]:
        """Layout items in reading order, descending into figures (form XObjects)."""
        for item in container:
            if isinstance(item, LTFigure):
                yield from walk(item)
            else:
                yield item

    blocks: list[_PdfBlock] = []
    has_images = False
    rules = 0
    for item in walk(layout):
        if isinstance(item, LTImage):
            has_images = True
        elif isinstance(item, LTCurve):  # LTLine and LTRect too: a table's ruling
            rules += 1
        elif isinstance(item, LTTextBox):
            lines = [line for line in item if isinstance(line, LTTextLine)]
            chars = [c for line in lines for c in line if isinstance(c, LTChar)]
            text = join_wrapped_lines(line.get_text() for line in lines)
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
                    x0=item.x0,
                    x1=item.x1,
                )
            )
    height = layout.y1
    boxes = [(b.x0, height - b.top, b.x1, height - b.bottom) for b in blocks]
    hints = PageHints(number, rules, aligned_region(boxes))
    return _PdfPage(
        number=number,
        blocks=_merge_loose_lines(blocks),
        has_images=has_images,
        height=height,
        table_hints=hints,
    )


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
    title = clean_title(title)
    return n_pages, "" if _JUNK_PDF_TITLE_RE.match(title) else title


def _ocr_pages(
    path: Path, data: bytes, pages: Sequence[int] | None, *, all_empty: bool, ocr: OcrPolicy
) -> dict[int, str]:
    """OCR ``pages`` (None = all); failures are fatal only when nothing else has text."""
    if not ocr.enabled:
        if all_empty:
            raise LoaderError(path, _PDF_SCANNED_NO_OCR)
        return {}
    if not ocr.available():
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


def load_pdf(path: Path, data: bytes, *, ocr: OcrPolicy = DEFAULT_OCR) -> tuple[list[Section], str]:
    """Sections under headings found by font size, one page at a time; OCR where needed.

    The title is the PDF's metadata title unless it is junk ("Microsoft Word - x.docx"),
    else the first heading.
    """
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
    tables = find_pdf_tables(data, [p.table_hints for p in pages if p.table_hints is not None])
    builder = SectionBuilder()
    for page in pages:
        if not page.blocks and ocr_text.get(page.number, "").strip():
            builder.add(ocr_text[page.number], page.number)
        on_page = sorted(tables.get(page.number, []), key=lambda found: found.top)
        waiting = list(on_page)
        for block in page.blocks:
            top, bottom = page.height - block.top, page.height - block.bottom
            holder = next((t for t in on_page if t.covers(block.x0, top, block.x1, bottom)), None)
            while waiting and waiting[0] is not holder and waiting[0].bottom <= top:
                builder.table(waiting.pop(0).table, page.number)
            if holder is not None:
                # The table's text boxes give way to its rows, put where its first box was.
                if holder in waiting:
                    waiting.remove(holder)
                    builder.table(holder.table, page.number)
                continue
            heading = _is_pdf_heading(block, body_size, body_bold)
            if not heading and _is_page_furniture(block, boilerplate):
                continue
            if heading:
                builder.heading(block.text, page.number)
            else:
                builder.add(block.text, page.number)
        for found in waiting:
            builder.table(found.table, page.number)
    sections, first_heading = builder.finish()
    if not sections:
        if all_empty and ocr_text:
            raise LoaderError(path, "PDF has no text layer and OCR found no text in it")
        raise LoaderError(path, "no text")
    return sections, meta_title or first_heading
