"""The hybrid retriever embeds a query on another thread while its BM25 search runs, and
that changes what it returns in nothing (agent/tools/retriever.py)."""

from __future__ import annotations

import os
import select
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
from small_corpus import write_corpus

from agent import Veraz
from agent.tools.retriever import HybridRetriever
from ingestion.embedding import Embedder

QUESTIONS = [
    "¿Qué formato usa llama.cpp para modelos cuantizados?",
    "How does RAG find passages?",
    "NF4 distribución normal",
]


class RecordingEmbedder:
    """The real embedder, noting the threads that embedded queries; ``fail`` makes a
    query's embedding raise, as a broken model would."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.threads: list[str] = []
        self.fail = False

    def embed_query(self, text: str) -> np.ndarray:
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("the embedding model is gone")
        return self.real.embed_query(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


@pytest.fixture()
def rag(tmp_path: Path) -> Veraz:
    instance = Veraz(home=tmp_path / "home", embedding_cache=tmp_path / "embeddings.sqlite")
    write_corpus(tmp_path / "docs")
    instance.ingest([tmp_path / "docs"])
    yield instance
    instance.close()


def test_a_hybrid_query_is_embedded_beside_its_bm25_search(rag: Veraz) -> None:
    recording = RecordingEmbedder(rag.retriever.embedder)
    retriever = HybridRetriever(rag.index, recording)  # type: ignore[arg-type]
    for question in QUESTIONS:
        timings: dict[str, float] = {}
        hits = retriever.retrieve(question, k=3, timings=timings)
        assert set(timings) == {"embedding", "embedding_wait", "bm25", "dense", "fusion"}
        assert all(seconds >= 0 for seconds in timings.values())
        # The vector made on the pool's thread is the one made here: every candidate's
        # dense score is its cosine to it, and the hits are the fused candidates.
        vector = rag.retriever.embedder.embed_query(question)
        candidates = retriever.candidates_for(question)
        with rag.index.read() as view:
            exact = view.dense_for(vector, list(candidates.dense))
            expected = candidates.fused(retriever.weights)[:3]
            names = view.chunks([row for row, _ in expected])
        assert candidates.dense == pytest.approx(exact, abs=1e-6)
        assert [h.chunk_id for h in hits] == [names[row].chunk_id for row, _ in expected]
    assert recording.threads
    assert all(name.startswith("veraz-query-embedding") for name in recording.threads)


def test_an_embedding_that_fails_fails_the_query_with_its_own_error(rag: Veraz) -> None:
    recording = RecordingEmbedder(rag.retriever.embedder)
    retriever = HybridRetriever(rag.index, recording)  # type: ignore[arg-type]
    recording.fail = True
    with pytest.raises(RuntimeError, match="the embedding model is gone"):
        retriever.retrieve("How does RAG find passages?", k=3)
    recording.fail = False
    assert retriever.retrieve("How does RAG find passages?", k=3)


def test_a_forked_child_embeds_its_queries_on_threads_of_its_own(rag: Veraz) -> None:
    """A server that answered a query and then forked workers: the child's queries must
    not wait on the parent's pool, whose threads the child does not have."""
    rag.retrieve("How does RAG find passages?", k=1)  # the parent's pool exists now
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            hits = rag.retrieve("¿Qué formato usa llama.cpp para modelos cuantizados?", k=1)
            status = 0 if hits and "GGUF" in hits[0].text else 2
        finally:
            os.write(write, bytes([status]))
            os._exit(0)
    os.close(write)
    # a hang here would be the bug: the parent waits at most 60 s for the child's answer
    ready, _, _ = select.select([read], [], [], 60)
    if not ready:
        os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    assert ready, "the forked child's query never finished"
    assert os.read(read, 1) == b"\x00"
