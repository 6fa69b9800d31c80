"""HTML: ``unstructured``'s partitioner, with a flat stdlib fallback for very deep markup.

The charset a page declares in ``<meta charset>`` is tried right after UTF-8; site chrome
(``<header>``, ``<footer>``, ``<nav>``) is left out; the ``<title>`` names the document.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import decode_text
from ingestion.loaders.html_tables import extract_tables
from ingestion.loaders.sections import SectionBuilder, Sectioned
from ingestion.loaders.text_cleanup import clean_title
from ingestion.loaders.unstructured_elements import (
    add_with_table_markers,
    sections_from_elements,
    table_marker,
)
from ingestion.tables import Table
from ingestion.unstructured_offline import ensure_offline_unstructured

__all__ = ["html_sections", "load_html"]

# The title in two linear searches (its opening tag, then its closing tag): one pattern
# with a lazy ``(.*?)`` read to the end of the page from every "<title" when none closed.
# ``[^<>]``: an opening tag ends at the next tag, so "<title<title…" is read once.
_HTML_TITLE_OPEN_RE = re.compile(r"<title[^<>]*>", re.IGNORECASE)
_HTML_TITLE_CLOSE_RE = re.compile(r"</title\s*>", re.IGNORECASE)
_HTML_CHARSET_RE = re.compile(rb"""<meta[^<>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def html_sections(markup: str) -> Sectioned:
    """Partition HTML without ``<header>``/``<footer>`` (site chrome); ``<nav>`` is already
    dropped by unstructured and a ``<main>`` element, when present, is all it reads.

    Data tables are read by :mod:`.html_tables` and replaced by a marker paragraph before
    partitioning, so each lands in its place with its rows and header intact."""
    ensure_offline_unstructured()
    from unstructured.partition.html import partition_html

    marked, tables = _mark_tables(_UNSTRUCTURED_DROPS.sub(r"<\1div", markup))
    elements = partition_html(text=marked, skip_headers_and_footers=True)
    return sections_from_elements(elements, tables=tables)


# Content elements unstructured's partitioner leaves out with everything inside them: a
# blog's "<details><summary>What we use</summary><p>Qdrant 1.9 for vectors…" was lost
# from the index, and so was a <figure>'s caption. Read as plain blocks instead. Not
# <dialog>: on saved pages it holds cookie banners and newsletter pop-ups, and a heading
# inside one took over the article after it.
_UNSTRUCTURED_DROPS = re.compile(
    r"<(/?)(?:details|summary|figure|figcaption)(?=[\s/>])", re.IGNORECASE
)


def _mark_tables(markup: str) -> tuple[str, list[Table]]:
    """``markup`` with each data table replaced by ``<p>`` + its marker, and the tables."""
    placed = extract_tables(markup)
    if not placed:
        return markup, []
    parts: list[str] = []
    position = 0
    for index, found in enumerate(placed):
        parts.append(markup[position : found.start])
        parts.append(f"<p>{table_marker(index)}</p>")
        position = found.end
    parts.append(markup[position:])
    return "".join(parts), [found.table for found in placed]


def _title_markup(markup: str) -> str:
    """What the first ``<title>`` holds ("" without one), its tags included."""
    opening = _HTML_TITLE_OPEN_RE.search(markup)
    closing = _HTML_TITLE_CLOSE_RE.search(markup, opening.end()) if opening else None
    return markup[opening.end() : closing.start()] if opening and closing else ""


def load_html(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the page's headings, titled by its ``<title>`` (else first heading)."""
    declared = _HTML_CHARSET_RE.search(data[:4096])
    markup = decode_text(path, data, declared=declared.group(1).decode() if declared else None)
    title = clean_title(html.unescape(re.sub(r"<[^>]+>", "", _title_markup(markup))))
    sections, first_heading = html_sections(markup)
    if not sections:
        # libxml2 (under unstructured) silently returns an empty tree for markup nested
        # deeper than 255 elements; the stdlib parser is event-based and has no depth limit.
        marked, tables = _mark_tables(markup)
        sections, first_heading = _flat_html_sections(marked, tables)
    return sections, title or first_heading


_HTML_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "header", "footer"})
_HTML_SKIPPED |= {"nav", "svg", "math", "iframe", "object"}
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "title"})
_HTML_BLOCKS = frozenset(
    {
        "p", "div", "br", "li", "tr", "td", "th", "section", "article", "main", "aside",
        "blockquote", "pre", "ul", "ol", "table", "dd", "dt", "figure", "figcaption", "hr",
        "body", "html", "details", "summary",
    }
)  # fmt: skip


def _flat_html_sections(markup: str, tables: list[Table] | None = None) -> Sectioned:
    """Text of any HTML, however deeply nested, in document order: headings start sections.

    Used only when the tree parser found nothing. Keeps no element stack (only counters for
    the skipped elements), so 10,000 nested ``<div>`` cost what 10,000 siblings do.
    """
    from html.parser import HTMLParser

    builder = SectionBuilder()

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
                elif not add_with_table_markers(builder, text, None, tables or []):
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
