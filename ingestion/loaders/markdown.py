"""Markdown: read directly, so headings, lists, tables, code and line breaks stay as written.

The answerer reads that structure (list markers, table pipes, fences), so nothing here
flattens it: a section is the raw Markdown under one ATX heading.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import decode_text
from ingestion.loaders.sections import SectionBuilder, Sectioned

__all__ = ["load_markdown", "markdown_sections"]

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_OPENING_RE = re.compile(r" {0,3}#{1,6}(?=[ \t]|$)")
"""An ATX heading's opening. Its text and closing ``#`` run are cut in Python: the one
pattern that did it all tried every split of a long run of spaces (quadratic per line)."""
_LINE_END_RE = re.compile(r"\r\n|\r|\n")
"""Markdown's line endings. Not ``str.splitlines``, which also splits at U+0085 (NEL) and
U+2028: NEL is the last byte of "…" or "✅" in UTF-8 read as Latin-1 ("â\\x80¦"), and
splitting there would leave that mojibake in two halves no repair can join."""


def _atx_heading_title(line: str) -> str | None:
    """The text of an ATX heading line ("## Setup ##" -> "Setup"), None if it is not one.

    CommonMark's rule: up to three spaces, one to six ``#``, then spaces or the end; an
    optional closing run of ``#`` after a space is not part of the text.
    """
    opening = _ATX_OPENING_RE.match(line)
    if opening is None:
        return None
    text = line[opening.end() :].strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):
        return unclosed.rstrip(" \t")
    return text


def markdown_sections(text: str) -> Sectioned:
    """Split at ATX headings (``#`` .. ``######``) that are not inside fenced code blocks.

    Setext headings (underlined with ``===``) are left as text: they are rare in practice and
    ambiguous with horizontal rules.
    """
    builder = SectionBuilder()
    fence: str | None = None
    lines: list[str] = []

    def flush_lines() -> None:
        if lines:
            builder.add("\n".join(lines), None)
            lines.clear()

    for line in _LINE_END_RE.split(text):
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            lines.append(line)
            continue
        heading = None if fence is not None else _atx_heading_title(line)
        if heading is not None:
            flush_lines()
            builder.heading(line.strip(), None, title=heading)
        else:
            lines.append(line)
    flush_lines()
    return builder.finish()


def load_markdown(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the file's headings; its first heading is its title."""
    return markdown_sections(decode_text(path, data))
