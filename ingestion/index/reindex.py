"""``veraz reindex``: re-embed a collection's stored chunk text with another model.

Nothing is parsed again: the stored chunk texts are embedded with the configured
model and the collection switches to the new vectors and model record in one commit
(Store.replace_embeddings), so a kill at any moment leaves the collection on the
old model or the new one, never half of each.

The slow part, embedding, happens before the commit and outside the write lock, in
groups that go into the embedding cache as they finish: ingest runs are not held up
for the minutes a big collection takes, and a reindex killed halfway starts again from
where it stopped (the cache is keyed by model, so switching back to a model the
collection had before embeds nothing at all). Inside the commit, only chunks added
meanwhile are embedded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from ingestion.index.model_record import ModelRecord
from ingestion.index.store import Store

GROUP = 256
"""Chunks embedded (and cached) per call: progress is saved at least this often."""

# progress(done, total): chunks embedded or found in the cache so far.
Progress = Callable[[int, int], None]


class ReindexEmbedder(Protocol):
    """What reindexing needs of an embedder (ingestion.embedding.Embedder has it)."""

    record: ModelRecord

    def embed(self, texts: list[str]) -> tuple[np.ndarray, int]: ...


@dataclass
class ReindexReport:
    """What a reindex did; ``to_dict`` is what ``veraz reindex --json`` prints."""

    collection: str
    previous_model: ModelRecord
    model: ModelRecord
    chunks: int = 0
    embedded: int = 0
    embedding_cache_hits: int = 0
    changed: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reindex(
    collection: Store,
    embedder: ReindexEmbedder,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> ReindexReport:
    """Re-embed ``collection`` (opened with ``model=None``) with ``embedder``'s model.

    A collection already on that model (same name, dimensions and version) is left as it
    is unless ``force``.
    """
    started = time.perf_counter()
    previous = collection.model
    report = ReindexReport(collection.name, previous, embedder.record)
    if previous == embedder.record and not force:
        report.chunks = collection.counts()["chunks"]
        report.seconds = round(time.perf_counter() - started, 3)
        return report
    rows = collection.chunk_texts()
    total = len(rows)
    ready: dict[str, np.ndarray] = {}
    for start in range(0, total, GROUP):
        texts = [text for _, text in rows[start : start + GROUP]]
        vectors, embedded = embedder.embed(texts)
        report.embedded += embedded
        ready.update(zip(texts, vectors, strict=True))
        if progress:
            progress(min(start + GROUP, total), total)

    def embed_committed(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in ready]
        if missing:  # chunks an ingest run committed while we embedded
            vectors, embedded = embedder.embed(missing)
            report.embedded += embedded
            ready.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, embedder.record.dimension), dtype=np.float32)
        return np.stack([ready[t] for t in texts])

    report.chunks = collection.replace_embeddings(embedder.record, embed_committed)
    report.embedding_cache_hits = max(0, report.chunks - report.embedded)
    report.changed = True
    report.seconds = round(time.perf_counter() - started, 3)
    return report
