"""Chunking: structure kept, token budget respected, offsets point back into the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.samples import samples_dir
from ingestion.chunking import Chunker
from ingestion.embedding import Embedder
from ingestion.loaders import LoadedDocument, Section, load_document


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_offsets_and_budget_on_every_sample(embedder: Embedder) -> None:
    chunker = Chunker(120, 18, embedder.count_tokens)
    for path in sorted(samples_dir().iterdir()):
        doc = load_document(path)
        chunks = chunker.chunk(doc, "doc")
        assert chunks, path.name
        heads = {s.table_head for s in doc.sections if s.table_head}
        for chunk in chunks:
            # A piece of a long table repeats its caption and header; its offsets span
            # its rows (ingestion/tables.py).
            head = next((h for h in heads if chunk.text.startswith(h + "\n")), "")
            rows = chunk.text[len(head) + 1 :] if head else chunk.text
            assert doc.text[chunk.start : chunk.end] == rows, path.name
            assert embedder.count_tokens(chunk.text) <= 120, path.name
        assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_small_sections_of_a_page_are_packed_and_pages_never_mixed(embedder: Embedder) -> None:
    doc = LoadedDocument(
        path=Path("x.pdf"),
        sections=[
            Section("Intro\n\nShort text.", 1, "Intro"),
            Section("Method\n\nAlso short.", 1, "Method"),
            Section("Results\n\nOn page two.", 2, "Results"),
        ],
        title="x",
        language="en",
        file_type="pdf",
    )
    chunks = Chunker(300, 45, embedder.count_tokens).chunk(doc, "d")
    assert [(c.page, c.section) for c in chunks] == [(1, "Intro · Method"), (2, "Results")]


def test_long_section_is_split_with_overlap_and_keeps_its_title(embedder: Embedder) -> None:
    sentences = " ".join(f"La frase número {i} habla de cuantización en 4 bits." for i in range(60))
    doc = LoadedDocument(
        path=Path("x.md"),
        sections=[Section(sentences, None, "Cuantización")],
        title="x",
        language="es",
        file_type="md",
    )
    chunks = Chunker(80, 30, embedder.count_tokens).chunk(doc, "d")
    assert len(chunks) > 3
    assert all(c.section == "Cuantización" for c in chunks)
    assert all(c.text.rstrip().endswith(".") for c in chunks[:-1]), "cut mid-sentence"
    assert chunks[1].start < chunks[0].end, "neighbours should overlap"


def test_chunk_ids_are_stable_across_runs(embedder: Embedder) -> None:
    doc = load_document(samples_dir() / "tokenization.en.md")
    first = [c.chunk_id for c in Chunker(200, 30, embedder.count_tokens).chunk(doc, "d")]
    again = [c.chunk_id for c in Chunker(200, 30, embedder.count_tokens).chunk(doc, "d")]
    assert first == again
