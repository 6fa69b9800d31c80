"""OCR for PDFs that carry no text layer (scans, photographed pages).

We drive the ``tesseract`` command-line program instead of a Python OCR package because it is
one ``apt-get install tesseract-ocr tesseract-ocr-spa`` away on any Debian/Ubuntu machine,
needs no model download at runtime, and keeps a crashing or hanging OCR engine in a separate
process that a timeout can kill. Pages are rendered with pdfium, which reads the same PDFs our
text extractor does.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGES",
    "OcrError",
    "installed_languages",
    "ocr_pdf",
    "tesseract_available",
]

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGES: tuple[str, ...] = ("spa", "eng")
"""Tesseract language codes Veraz reads documents in; order is tesseract's preference order."""

_POINTS_PER_INCH = 72
_LIST_LANGS_TIMEOUT_S = 15.0

_langs_lock = threading.Lock()
_langs_cache: dict[str, frozenset[str]] = {}


class OcrError(RuntimeError):
    """OCR could not run at all (no binary, no language data, tesseract failed or crashed)."""


def _tesseract_binary() -> str | None:
    return shutil.which("tesseract")


def installed_languages() -> frozenset[str]:
    """Language packs tesseract reports via ``--list-langs``; empty when it isn't installed.

    Cached per binary path because spawning tesseract costs ~50 ms and the answer only changes
    when someone installs a package.
    """
    binary = _tesseract_binary()
    if binary is None:
        return frozenset()
    with _langs_lock:
        if binary in _langs_cache:
            return _langs_cache[binary]
        try:
            proc = subprocess.run(
                [binary, "--list-langs"],
                capture_output=True,
                text=True,
                timeout=_LIST_LANGS_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("tesseract --list-langs failed: %s", exc)
            return frozenset()
        # The first line is a header ("List of available languages in ..."); older versions
        # print it on stderr, so read both streams.
        lines = (proc.stdout + "\n" + proc.stderr).splitlines()
        langs = frozenset(
            line.strip()
            for line in lines
            if line.strip() and " " not in line.strip() and not line.startswith("List of")
        )
        _langs_cache[binary] = langs
        return langs


def tesseract_available(languages: Sequence[str] = DEFAULT_LANGUAGES) -> bool:
    """True when the tesseract binary exists and has data for at least one of ``languages``."""
    return bool(set(languages) & installed_languages())


def _language_arg(languages: Sequence[str]) -> str:
    """Build ``spa+eng`` from the requested languages that are actually installed.

    Asking tesseract for a missing pack is a hard error, so we drop those and only fail when
    none is left.
    """
    installed = installed_languages()
    usable = [lang for lang in dict.fromkeys(languages) if lang in installed]
    if not usable:
        wanted = "+".join(languages) or "(none)"
        have = ", ".join(sorted(installed - {"osd"})) or "none"
        raise OcrError(
            f"tesseract has no language data for {wanted} (installed: {have}); "
            "install tesseract-ocr-spa / tesseract-ocr-eng"
        )
    return "+".join(usable)


def _render_pages_png(
    source: Path | str | bytes, dpi: int, pages: Collection[int] | None
) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based page number, grayscale PNG bytes) one page at a time.

    One page at a time because a 300 dpi A4 bitmap is ~9 MB and scans can run to hundreds of
    pages. Grayscale is what tesseract binarises from anyway, and it keeps the PNGs small.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    try:
        scale = dpi / _POINTS_PER_INCH
        for index in range(len(pdf)):
            if pages is not None and index + 1 not in pages:
                continue
            page = pdf[index]
            try:
                image = page.render(scale=scale, grayscale=True).to_pil()
            finally:
                page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            yield index + 1, buffer.getvalue()
    finally:
        pdf.close()


def _ocr_png(binary: str, png: bytes, lang: str, timeout_s: float) -> str:
    """Run tesseract on one page image via stdin/stdout (no temp files to clean up).

    ``OMP_THREAD_LIMIT=1`` because we already run several pages in parallel and tesseract's own
    OpenMP threads then only fight each other.
    """
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.run(
        [binary, "stdin", "stdout", "-l", lang, "--psm", "3"],
        input=png,
        capture_output=True,
        timeout=timeout_s,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        cause = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed (exit {proc.returncode}): {cause[-1] if cause else ''}")
    return proc.stdout.decode("utf-8", "replace")


def ocr_pdf(
    path: Path | str | bytes,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    *,
    pages: Collection[int] | None = None,
    dpi: int = 300,
    page_timeout_s: float = 120.0,
    workers: int | None = None,
) -> list[tuple[int, str]]:
    """OCR the PDF at ``path`` (or its bytes); returns ``[(page_number, text), ...]`` in order.

    ``pages`` limits OCR to those 1-based page numbers (default: all), so a digital PDF with a
    few scanned pages only pays for those. ``languages`` are tesseract codes; the ones not
    installed are skipped. A page that exceeds ``page_timeout_s`` is logged and returned with
    empty text rather than failing the whole document, because one pathological page should
    not cost the other pages of a long scan. Raises :class:`OcrError` when tesseract is
    missing, has none of the languages, or fails.
    """
    binary = _tesseract_binary()
    if binary is None:
        raise OcrError("tesseract is not installed (apt-get install tesseract-ocr)")
    lang = _language_arg(languages)
    pool_size = workers or max(1, min(4, os.cpu_count() or 1))

    results: list[tuple[int, str]] = []
    pending: list[tuple[int, Future[str]]] = []

    def collect(page_number: int, future: Future[str]) -> None:
        try:
            results.append((page_number, future.result()))
        except subprocess.TimeoutExpired:
            logger.warning("OCR of page %d timed out after %.0f s", page_number, page_timeout_s)
            results.append((page_number, ""))

    with ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="veraz-ocr") as pool:
        try:
            for page_number, png in _render_pages_png(path, dpi, pages):
                pending.append(
                    (page_number, pool.submit(_ocr_png, binary, png, lang, page_timeout_s))
                )
                # Bound the number of rendered pages held in memory to the pool size.
                while len(pending) >= pool_size:
                    collect(*pending.pop(0))
            while pending:
                collect(*pending.pop(0))
        except BaseException:
            for _, future in pending:
                future.cancel()
            raise
    return results
