"""The hybrid retriever embeds a query on another thread while its BM25 search runs, and
that changes what it returns in nothing (agent/tools/retriever.py)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Iterator
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


class RecordingDense:
    """The real collection, noting the threads its views' concurrent dense searches ran
    on. ``slow_bm25``: a view's BM25 search returns only once that search has started (a
    large collection's BM25 outlasting the embedding); ``bm25_returned`` is set when a
    BM25 search has returned."""

    def __init__(self, real: object, *, slow_bm25: bool) -> None:
        self.real = real
        self.slow_bm25 = slow_bm25
        self.threads: list[str] = []
        self.searching = threading.Event()
        self.bm25_returned = threading.Event()

    @contextlib.contextmanager
    def read(self) -> Iterator[object]:
        with self.real.read() as view:  # type: ignore[attr-defined]
            yield RecordingDenseView(view, self)


class RecordingDenseView:
    def __init__(self, view: object, owner: RecordingDense) -> None:
        self.view = view
        self.owner = owner

    def lexical(self, *args: object) -> list[tuple[int, float]]:
        found = self.view.lexical(*args)  # type: ignore[attr-defined]
        if self.owner.slow_bm25:
            assert self.owner.searching.wait(30), "the vectors were not searched beside BM25"
            self.owner.searching.clear()
        self.owner.bm25_returned.set()
        return found

    def concurrent_dense(self) -> object:
        search = self.view.concurrent_dense()  # type: ignore[attr-defined]

        def recorded(vector: np.ndarray, k: int) -> list[tuple[int, float]]:
            self.owner.threads.append(threading.current_thread().name)
            self.owner.searching.set()
            return search(vector, k)

        return recorded

    def __getattr__(self, name: str) -> object:
        return getattr(self.view, name)


class LateEmbedder:
    """The real embedder, returning each vector only after BM25 has returned (a small
    collection, whose BM25 is over before the embedding)."""

    def __init__(self, real: Embedder, bm25_returned: threading.Event) -> None:
        self.real = real
        self.bm25_returned = bm25_returned

    def embed_query(self, text: str) -> np.ndarray:
        assert self.bm25_returned.wait(30)
        self.bm25_returned.clear()
        time.sleep(0.05)  # the retriever marks BM25 done just after it returns
        return self.real.embed_query(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


@pytest.mark.parametrize("bm25_outlasts_the_embedding", [True, False])
def test_the_vectors_are_searched_beside_bm25_only_while_it_runs(
    rag: Veraz, bm25_outlasts_the_embedding: bool
) -> None:
    """While BM25 still runs when the vector is ready, the dense search runs on the
    embedding thread; once BM25 is done it runs on the calling thread. Either way the
    hits and scores are those of the retrievers that search after BM25 or do everything
    in turn (the benchmark's baselines)."""
    recording = RecordingDense(rag.index, slow_bm25=bm25_outlasts_the_embedding)
    embedder = rag.retriever.embedder
    if not bm25_outlasts_the_embedding:
        embedder = LateEmbedder(embedder, recording.bm25_returned)  # type: ignore[assignment]
    beside = HybridRetriever(recording, embedder)  # type: ignore[arg-type]
    after = HybridRetriever(rag.index, rag.retriever.embedder, dense_beside_bm25=False)
    in_turn = HybridRetriever(rag.index, rag.retriever.embedder, embed_beside_bm25=False)
    for question in QUESTIONS:
        timings: dict[str, float] = {}
        found = [(h.chunk_id, h.score) for h in beside.retrieve(question, 4, timings=timings)]
        assert found == [(h.chunk_id, h.score) for h in after.retrieve(question, 4)]
        assert found == [(h.chunk_id, h.score) for h in in_turn.retrieve(question, 4)]
        assert set(timings) == {"embedding", "embedding_wait", "bm25", "dense", "fusion"}
        assert timings["dense"] > 0 and timings["embedding_wait"] >= 0
    if bm25_outlasts_the_embedding:
        assert len(recording.threads) == len(QUESTIONS)
        assert all(name.startswith("veraz-query-embedding") for name in recording.threads)
    else:
        assert recording.threads == []


class FailingConcurrentDense(RecordingDense):
    """A collection whose concurrent dense search fails (a snapshot the server will not
    import, a connection that cannot be opened), while BM25 outlasts the embedding."""

    @contextlib.contextmanager
    def read(self) -> Iterator[object]:
        with self.real.read() as view:  # type: ignore[attr-defined]
            yield FailingConcurrentView(view, self)


class FailingConcurrentView(RecordingDenseView):
    def concurrent_dense(self) -> object:
        def failing(vector: np.ndarray, k: int) -> list[tuple[int, float]]:
            self.owner.searching.set()
            raise ConnectionError("no second connection today")

        return failing


def test_a_failed_search_beside_bm25_is_made_again_after_it(rag: Veraz) -> None:
    failing = FailingConcurrentDense(rag.index, slow_bm25=True)
    beside = HybridRetriever(failing, rag.retriever.embedder)  # type: ignore[arg-type]
    in_turn = HybridRetriever(rag.index, rag.retriever.embedder, embed_beside_bm25=False)
    for question in QUESTIONS:
        found = [(h.chunk_id, h.score) for h in beside.retrieve(question, 4)]
        assert found == [(h.chunk_id, h.score) for h in in_turn.retrieve(question, 4)]


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


class ExpandingEmbedder:
    """Query expansion: embedding a query runs a hybrid retrieval of its own first."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.inner: HybridRetriever | None = None

    def embed_query(self, text: str) -> np.ndarray:
        assert self.inner is not None
        hits = self.inner.retrieve("expand " + text, k=1)
        return self.real.embed_query(text + " " + (hits[0].text[:40] if hits else ""))

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_retrieval_made_inside_an_embedding_does_not_take_every_pool_thread(
    rag: Veraz,
) -> None:
    """More concurrent queries than the pool has threads, each embedding running a
    retrieval: waiting on the pool from its own threads would hang them all."""
    expanding = ExpandingEmbedder(rag.retriever.embedder)
    outer = HybridRetriever(rag.index, expanding)  # type: ignore[arg-type]
    expanding.inner = HybridRetriever(rag.index, rag.retriever.embedder)
    questions = [f"pregunta {i} sobre GGUF" for i in range(3 * (os.cpu_count() or 1) + 12)]
    answered: list[list[object]] = []
    callers = [
        threading.Thread(target=lambda q=q: answered.append(outer.retrieve(q, 2)), daemon=True)
        for q in questions
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=120)
    assert len(answered) == len(questions), "queries hung waiting on the embedding pool"
    assert all(answered)


class FailingLexical:
    """A collection whose BM25 search fails (a dropped connection, a statement error)."""

    def __init__(self, real: object) -> None:
        self.real = real

    @contextlib.contextmanager
    def read(self) -> Iterator[object]:
        with self.real.read() as view:  # type: ignore[attr-defined]
            yield FailingView(view)


class FailingView:
    def __init__(self, view: object) -> None:
        self.view = view

    def lexical(self, *_: object) -> list[tuple[int, float]]:
        raise ConnectionError("the store went away")

    def __getattr__(self, name: str) -> object:
        return getattr(self.view, name)


class BlockedEmbedder:
    """Counts the embeddings that ran; each waits until ``release`` is set."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.release = threading.Event()
        self.ran = 0
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            self.ran += 1
        self.release.wait(30)
        return self.real.embed_query(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_failed_bm25_search_takes_its_embedding_off_the_queue(rag: Veraz) -> None:
    """The query fails at once with the store's error, and the embedding it had queued is
    cancelled rather than run ahead of later queries' embeddings."""
    from agent.tools.retriever import query_embedding_threads

    blocked = BlockedEmbedder(rag.retriever.embedder)
    retriever = HybridRetriever(FailingLexical(rag.index), blocked)  # type: ignore[arg-type]
    threads = query_embedding_threads()._max_workers
    failures = threads + 10
    for i in range(failures):
        with pytest.raises(ConnectionError, match="went away"):
            retriever.retrieve(f"question {i}", k=1)
    blocked.release.set()
    query_embedding_threads().submit(lambda: None).result(timeout=60)  # the queue drained
    assert blocked.ran <= threads < failures
