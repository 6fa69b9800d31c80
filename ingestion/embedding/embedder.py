"""The one embedding interface the rest of Veraz uses, whatever the model.

:class:`Embedder` wraps an engine (ingestion/embedding/engine.py) with what every model
needs around it: a content cache so no text is embedded twice with the same model (the
SQLite cache, keyed by model), a small cache of query vectors, and the thread policy
(queries and small batches on one thread).

Which method does what, for callers that compare vectors (the retriever, the extractive
answerer, the verifier): :meth:`embed_query` embeds a *search query* (e5: "query: "
prefix); :meth:`encode` and :meth:`embed` embed *passages* (e5: "passage: " prefix):
chunks, source sentences and answer sentences alike, so two sentences compared with each
other are always embedded the same way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

import numpy as np

from ingestion.embedding.cache import EmbeddingCache, text_hash
from ingestion.embedding.engine import EmbeddingEngine
from ingestion.embedding.factory import load_engine
from ingestion.embedding.models import DEFAULT_EMBEDDING_MODEL, is_multilingual, similarity_range
from ingestion.index.model_record import ModelRecord

# Queries are embedded one at a time on a hot path; keep the per-call overhead low.
_QUERY_CACHE_SIZE = 256
SMALL_BATCH = 64
"""Batches up to this size run on one thread (see :meth:`Embedder.embed_query`)."""


class Embedder:
    """An embedding model with a content cache: ``encode``/``embed`` for passages,
    ``embed_query`` for queries, ``dimension``, ``count_tokens`` for chunk budgets."""

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        batch_size: int = 16,
        precision: str = "auto",
        cache: EmbeddingCache | None = None,
        engine: EmbeddingEngine | None = None,
        e5_engine: str = "auto",
    ) -> None:
        self.engine = (
            engine if engine is not None else load_engine(model_name, precision, e5_engine)
        )
        if hasattr(self.engine, "batch_size"):
            self.engine.batch_size = batch_size  # type: ignore[attr-defined]
        self.cache = cache
        self.record: ModelRecord = self.engine.record
        # The model actually loaded: MiniLM when e5 was asked for and cannot run here.
        self.model_name = self.record.name
        self.dimension = self.record.dimension
        self.precision = self.engine.precision
        self.max_content_tokens = self.engine.max_content_tokens
        # How to read this model's cosines (the verifier maps them onto 0..1), and
        # whether they compare sentences across Spanish and English.
        self.similarity_range = similarity_range(self.model_name)
        self.cross_language_range = similarity_range(self.model_name, across_languages=True)
        self.multilingual = is_multilingual(self.model_name)
        # The cache key names the weights and the precision: bf16 and fp32 vectors
        # differ in the 4th decimal, two versions of a model perhaps more.
        self.model_id = f"{self.record.name}@{self.record.version}@{self.precision}"
        self._query_cache: dict[str, np.ndarray] = {}
        self._query_cache_lock = threading.Lock()  # queries come from several threads

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's vocabulary; chunk budgets are counted in them."""
        return self.engine.count_tokens(text)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors without the cache: the raw engine path (benchmarks use it too)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        small = len(texts) <= getattr(self.engine, "small_batch", SMALL_BATCH)
        with self.engine.one_thread() if small else contextlib.nullcontext():
            return self.engine.passages(list(texts))

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """Passage vectors for ``texts`` in order, and how many texts the model ran on.

        Texts found in the cache, and repeats within ``texts``, are not embedded again.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), 0
        keys = [text_hash(t) for t in texts]
        cached = self.cache.get_many(self.model_id, keys) if self.cache else {}
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in cached and key not in missing:
                missing[key] = text
        if missing:
            fresh = self.encode(list(missing.values()))
            new_items = list(zip(missing.keys(), fresh, strict=True))
            if self.cache:
                self.cache.put_many(self.model_id, new_items)
            cached.update(new_items)
        out = np.stack([cached[key] for key in keys]).astype(np.float32, copy=False)
        return out, len(missing)

    def forget_queries(self) -> None:
        """Drops the cached query vectors: a benchmark that asks one question several
        ways times its embedding each time."""
        with self._query_cache_lock:
            self._query_cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, computed on a single thread.

        A one-text batch is too small to share between cores, and OpenMP's spin-waiting
        makes it pathological when the cores are busy: measured on this 2-core machine
        with one other busy process, MiniLM took 400 ms per query on 2 threads and 15 ms
        on 1; e5 73 ms and 440 ms.
        """
        vec = self._query_cache.get(text)
        if vec is None:
            with self.engine.one_thread():
                vec = self.engine.queries([text])[0]
            with self._query_cache_lock:
                if len(self._query_cache) >= _QUERY_CACHE_SIZE:
                    self._query_cache.pop(next(iter(self._query_cache)))
                self._query_cache[text] = vec
        return vec
