"""Building a document's sections from the blocks a format loader reads, in order.

Every loader feeds its blocks (paragraphs, list items, headings) to one
:class:`SectionBuilder`, so all formats agree on what a section is: a run of text under one
heading on one page, cleaned by :func:`~ingestion.loaders.text_cleanup.clean_texts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ingestion.loaders.document import Section
from ingestion.loaders.text_cleanup import clean_texts, fold_title
from ingestion.tables import Table, caption_from, render_table, table_head

__all__ = ["SectionBuilder", "Sectioned", "join_wrapped_lines"]

_CID_RE = re.compile(r"\(cid:\d+\)")


def join_wrapped_lines(lines: Iterable[str]) -> str:
    """Join lines a layout wrapped into one paragraph, undoing end-of-line hyphenation.

    "optimi-\\nzation" becomes "optimization" (a lower-case letter must follow), which is what
    search needs; the rare compound split at its own hyphen loses that hyphen. pdfminer's
    "(cid:NN)" placeholders for glyphs it cannot map to text are dropped.
    """
    # pieces joined once at the end: a string grown line by line was copied once per
    # line (50,000 one-word lines took 7x as long as 12,500). out[-1] is the last line.
    out: list[str] = []
    for raw in lines:
        line = _CID_RE.sub("", raw).strip()
        if not line:
            continue
        if not out:
            out.append(line)
        elif re.search(r"[^\W\d_][-\u00ad]$", out[-1][-2:]) and line[:1].islower():
            out[-1] = out[-1][:-1]
            out.append(line)
        else:
            out.append(" ")
            out.append(line)
    return "".join(out)


class Sectioned(NamedTuple):
    """What a :class:`SectionBuilder` built: the sections and the first heading among them."""

    sections: list[Section]
    first_heading: str
    """The document's first heading, the usual fallback for its title."""


@dataclass
class _RawSection:
    text: str
    page: int | None
    title: str
    table_head: str = ""


@dataclass
class SectionBuilder:
    """Accumulates blocks of text into sections, starting a new one at each heading or page.

    A heading directly followed by another heading on the same page (a chapter title, then its
    first subsection) does not get a section of its own: it stays as text in front of the next
    one, so no chunk downstream is a bare heading.

    Text is cleaned in :meth:`finish`, all of it together, so the mojibake diagnosis sees
    the whole document (see :func:`~ingestion.loaders.text_cleanup.clean_texts`).
    """

    _raw: list[_RawSection] = field(default_factory=list)
    _headings: list[str] = field(default_factory=list)
    _blocks: list[str] = field(default_factory=list)
    _page: int | None = None
    _title: str = ""
    _started: bool = False
    _has_body: bool = False

    def heading(self, text: str, page: int | None, *, title: str | None = None) -> None:
        """Start a section under heading ``text`` (also part of its text); ``title`` overrides
        the section title, e.g. a Markdown heading's text without its ``#`` marks."""
        heading_title = text if title is None else title
        self._headings.append(heading_title)
        if self._has_body or page != self._page:
            self._flush()
        self._title = heading_title
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
                self._blocks[-1] = join_wrapped_lines([self._blocks[-1], text])
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

    def table(self, table: Table, page: int | None) -> None:
        """Add a table as a section of its own under the current heading, rendered as a
        Markdown pipe table (:func:`~ingestion.tables.render_table`).

        Its own section so the chunker can split a long one by rows with the header
        repeated; a short one is packed back with the sentence before it (same page).
        """
        if not table.caption:
            # What the table is about: the sentence just before it, else its heading.
            before = self._blocks[-1].rsplit("\n", 1)[-1] if self._blocks else self._title
            caption = caption_from(before)
            if caption:
                table = replace(table, caption=caption, caption_in_text=True)
        text = render_table(table)
        if self._blocks and not self._has_body and page == self._page:
            # Only headings wait above the table: they open its section, never a bare chunk.
            text = "\n\n".join([*self._blocks, text])
            self._blocks = []
        self._flush()
        self._page = page
        self._started = True
        self._raw.append(_RawSection(text, page, self._title, table_head(table)))

    def _continues(self, text: str) -> bool:
        if not self._has_body or not self._blocks:
            return False
        tail = self._blocks[-1].rstrip()
        return bool(tail) and tail[-1] not in '.!?:;»")]' and text[:1].islower()

    def finish(self) -> Sectioned:
        """The sections with clean text (empty ones dropped) and the first heading."""
        self._flush()
        raw = self._raw
        n = len(raw)
        cleaned = clean_texts(
            [s.text for s in raw]
            + [s.title for s in raw]
            + [s.table_head for s in raw]
            + self._headings
        )
        texts, titles, heads, headings = (
            cleaned[:n],
            cleaned[n : 2 * n],
            cleaned[2 * n : 3 * n],
            cleaned[3 * n :],
        )
        sections = [
            Section(text=text, page=section.page, title=fold_title(title), table_head=head)
            for section, text, title, head in zip(raw, texts, titles, heads, strict=True)
            if text
        ]
        first_heading = next((folded for h in headings if (folded := fold_title(h))), "")
        return Sectioned(sections, first_heading)

    def _flush(self) -> None:
        if self._blocks:
            self._raw.append(_RawSection("\n\n".join(self._blocks), self._page, self._title))
        self._blocks = []
        self._has_body = False
