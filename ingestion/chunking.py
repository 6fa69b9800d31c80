"""Document sections -> token-budgeted chunks that keep their place in the source.

Structure first: the loader already cut the document at headings and pages, and a chunk
never spans two pages or crosses into another section unless small neighbouring sections
are packed together (a heading followed by one short paragraph should not be a chunk of
its own). Size second: a section over the budget is split by llama-index's
``SentenceSplitter``, which prefers sentence boundaries and overlaps neighbours. Tokens
are counted with the embedding model's own tokenizer, because its input limit is what a
too-long chunk would overflow.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document

from ingestion.loaders import LoadedDocument, Section

SECTION_SEPARATOR = "\n\n"


@dataclass
class Chunk:
    """A piece of a document as stored in the index."""

    chunk_id: str
    ordinal: int
    text: str
    section: str
    page: int | None
    start: int  # character offsets into LoadedDocument.text
    end: int


_MAX_CHARS_PER_TOKEN = 32
_ESTIMATE_MARGIN = 1.08
"""Rows are packed by an estimate of their tokens, this much on the safe side."""

_SEPARATOR_CELL = re.compile(r":?-{2,}:?")


def _is_separator_row(line: str) -> bool:
    """A Markdown table's header separator ("|---|:--:|"), read cell by cell: one regex with
    optional pipes between runs of spaces was quadratic on a long blank line."""
    row = line.strip()
    row = row.removeprefix("|").removesuffix("|")
    return all(_SEPARATOR_CELL.fullmatch(cell.strip()) for cell in row.split("|"))


def _table_body_start(lines: list[str]) -> int | None:
    """Index of a table section's first body row: after the header's separator line, or
    the first pipe row when the table has no header; None without rows."""
    for i, line in enumerate(lines):
        if _is_separator_row(line):
            return i + 1
    for i, line in enumerate(lines):
        if line.startswith("|"):
            return i
    return None


def stable_chunk_id(doc_id: str, start: int, text: str) -> str:
    """Same document, same place, same text -> same id across runs and machines."""
    digest = hashlib.sha256(f"{doc_id}\x00{start}\x00{text}".encode()).hexdigest()
    return digest[:24]


class Chunker:
    """Splits a :class:`LoadedDocument` into :class:`Chunk` objects."""

    def __init__(
        self, chunk_tokens: int, overlap_tokens: int, count_tokens: Callable[[str], int]
    ) -> None:
        self.chunk_tokens = chunk_tokens
        self.count_tokens = count_tokens
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            tokenizer=lambda text: [0] * count_tokens(text),
            paragraph_separator=SECTION_SEPARATOR,
        )

    def chunk(self, doc: LoadedDocument, doc_id: str) -> list[Chunk]:
        pieces: list[tuple[str, str, int | None, int, int]] = []  # text, title, page, start, end
        for group, start in self._packed_sections(doc.sections):
            text = SECTION_SEPARATOR.join(s.text for s in group)
            first = group[0]
            if len(group) > 1 or self._fits(text):
                titles = " · ".join(dict.fromkeys(s.title for s in group if s.title))
                pieces.append((text, titles, first.page, start, start + len(text)))
                continue
            split = self._split_table(first) if first.table_head else None
            if split is None:
                split = self._split(text, self._splitter)
            for node_text, offset, end in split:
                pieces.append((node_text, first.title, first.page, start + offset, start + end))
        return [
            Chunk(
                chunk_id=stable_chunk_id(doc_id, start, text),
                ordinal=i,
                text=text,
                section=title,
                page=page,
                start=start,
                end=end,
            )
            for i, (text, title, page, start, end) in enumerate(pieces)
            if text.strip()
        ]

    def _tokens(self, text: str) -> int:
        """Tokens of ``text``; for a text far over the budget, just a count over it.

        No tokenizer packs :data:`_MAX_CHARS_PER_TOKEN` characters into a token in practice,
        and counting a 20,000-row sheet's text whole took seconds, twice.
        """
        if len(text) > _MAX_CHARS_PER_TOKEN * self.chunk_tokens:
            return self.chunk_tokens + 1
        return self.count_tokens(text)

    def _fits(self, text: str) -> bool:
        return self._tokens(text) <= self.chunk_tokens

    def _split_table(self, section: Section) -> list[tuple[str, int, int]] | None:
        """A table section cut by rows, each piece its caption and header then whole rows.

        Rows are never cut, so every row is read with its header in whatever chunk it lands
        (a row alone over the budget is a chunk of its own; the embedder reads its start).
        A piece's offsets span its rows in the document text; the repeated head is not
        there, which is why a table chunk's text is not a slice of it. None when the
        section holds no row lines to cut (then it is split as prose).
        """
        text = section.text
        lines = text.split("\n")
        offsets, at = [], 0
        for line in lines:
            offsets.append(at)
            at += len(line) + 1
        body = _table_body_start(lines)
        if body is None or body >= len(lines):
            return None
        head = section.table_head
        head_tokens = self.count_tokens(head) + 1 if head else 0
        rows = [i for i in range(body, len(lines)) if lines[i].strip()]
        if not rows:
            return None
        # Tokens per character, from a sample of rows: rows are packed by this estimate
        # and each piece is counted once (counting 20,000 rows one by one cost more than
        # embedding them); a piece over the budget gives back rows until it fits.
        sample = "\n".join(lines[i] for i in rows[:64])
        per_char = self.count_tokens(sample) / max(len(sample), 1)
        room = self.chunk_tokens - head_tokens
        pieces: list[tuple[str, int, int]] = []
        start = 0
        while start < len(rows):
            end, estimate = start, 0.0
            while end < len(rows):
                cost = (len(lines[rows[end]]) + 1) * per_char * _ESTIMATE_MARGIN
                if end > start and estimate + cost > room:
                    break
                estimate += cost
                end += 1
            while True:
                chunk_lines = [lines[i] for i in rows[start:end]]
                joined = "\n".join([head, *chunk_lines] if head else chunk_lines)
                tokens = self.count_tokens(joined) if end - start > 1 else 0
                if tokens <= self.chunk_tokens:
                    break
                fitting = (end - start) * self.chunk_tokens // tokens
                end = start + max(1, min(end - start - 1, fitting))
            last = rows[end - 1]
            pieces.append((joined, offsets[rows[start]], offsets[last] + len(lines[last])))
            start = end
        if body > 0 and not head:
            # Lines above the rows (a caption) with no head to repeat: keep them in front.
            first_text, _, first_end = pieces[0]
            pieces[0] = ("\n".join(lines[:body]) + "\n" + first_text, 0, first_end)
        return pieces

    def _split(
        self, text: str, splitter: SentenceSplitter, depth: int = 0
    ) -> list[tuple[str, int, int]]:
        """``text`` cut by ``splitter`` into (piece, start, end), each within the budget.

        The splitter adds up the token counts of the sentences it joins; a SentencePiece
        tokenizer (e5) can spend a token or two more on the joined text. A piece over the
        budget is split again with a budget smaller by its overflow.
        """
        pieces: list[tuple[str, int, int]] = []
        for node in splitter.get_nodes_from_documents([Document(text=text)]):
            node_text = node.get_content()
            offset = node.start_char_idx if node.start_char_idx is not None else 0
            end = node.end_char_idx if node.end_char_idx is not None else offset + len(node_text)
            over = self.count_tokens(node_text) - self.chunk_tokens
            if over <= 0 or depth >= 3 or splitter.chunk_size - over - 2 < 16:
                pieces.append((node_text, offset, end))
                continue
            smaller = SentenceSplitter(
                chunk_size=splitter.chunk_size - over - 2,
                chunk_overlap=min(splitter.chunk_overlap, (splitter.chunk_size - over - 2) // 4),
                tokenizer=lambda t: [0] * self.count_tokens(t),
                paragraph_separator=SECTION_SEPARATOR,
            )
            for piece, piece_start, piece_end in self._split(node_text, smaller, depth + 1):
                pieces.append((piece, offset + piece_start, offset + piece_end))
        return pieces

    def _packed_sections(self, sections: list[Section]) -> list[tuple[list[Section], int]]:
        """Group consecutive small sections of one page while they fit the budget.

        Returns each group with its start offset in the document text. A section too big
        to share a chunk stays alone (and is split later).
        """
        groups: list[tuple[list[Section], int]] = []
        current: list[Section] = []
        current_start = 0
        current_tokens = 0
        offset = 0
        for section in sections:
            tokens = self._tokens(section.text)
            fits = (
                current
                and section.page == current[0].page
                and current_tokens + tokens <= self.chunk_tokens
                # Counted again joined: a SentencePiece tokenizer (e5) may spend tokens
                # on the separator, so the sum of the parts can undercount the whole.
                and self.count_tokens(
                    SECTION_SEPARATOR.join([*(s.text for s in current), section.text])
                )
                <= self.chunk_tokens
            )
            if fits:
                current.append(section)
                current_tokens += tokens
            else:
                if current:
                    groups.append((current, current_start))
                current, current_start, current_tokens = [section], offset, tokens
            offset += len(section.text) + len(SECTION_SEPARATOR)
        if current:
            groups.append((current, current_start))
        return groups
