"""``veraz migrate``: copy a collection from one store to another, embedding nothing.

Documents, chunk texts and places, and the stored vectors are read from the source
(``Store.export``, one consistent read) and committed to the target in batches, with
the source's model record. The target analyses the text for its own lexical index, so a
collection moves between sqlite (FTS5) and postgres (PostgreSQL text search) both ways.

Each batch is one commit of the target: an interrupted migration leaves whole documents,
and running it again skips the documents already there with the same content and chunk
count, so it resumes. Documents the target holds that the source does not are left
alone and counted (``target_only``).

Into an empty postgres collection, a source of at least its bulk threshold
(ingestion/index/postgres/bulk.py) is streamed through the target's ``bulk_load``
instead: one transaction, COPY, the search indexes built once at the end (``path`` in
the report says which). Interrupted, it leaves the target empty, and a new run starts over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from ingestion.index.store import DocumentRecord, NewChunk, Store

BATCH_CHUNKS = 2_000
"""Chunks per commit of the target: bounded memory, and progress kept on interruption."""

# progress(documents done, documents in the source)
Progress = Callable[[int, int], None]


@dataclass
class MigrateReport:
    """What ``migrate`` did; ``to_dict`` is what ``veraz migrate --json`` prints per collection."""

    collection: str
    source: str
    target: str
    model: str
    documents: int = 0
    chunks: int = 0
    copied: int = 0
    skipped: int = 0
    target_only: int = 0
    seconds: float = 0.0
    path: str = "transactional"
    """How the target was written: "bulk" (one load, indexes built after) or per batch."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def migrate(source: Store, target: Store, *, progress: Progress | None = None) -> MigrateReport:
    """Copy every document of ``source`` into ``target`` (opened with the source's model)."""
    started = time.perf_counter()
    if not target.model.same_model(source.model):
        raise ValueError(
            f"cannot copy {source.model.describe()} vectors into a collection of "
            f"{target.model.describe()}"
        )
    report = MigrateReport(
        collection=source.name,
        source=source.location,
        target=target.location,
        model=source.model.describe(),
    )
    present = target.documents()
    counts = source.counts()
    wants_bulk = getattr(target, "wants_bulk_load", None)  # postgres only
    if not present and wants_bulk is not None and wants_bulk(counts["chunks"]):
        report.path = "bulk"
        target.bulk_load(_batches(source, report, counts["documents"], progress))  # type: ignore[attr-defined]
    else:
        _copy_in_commits(source, target, report, present, counts["documents"], progress)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _batches(
    source: Store, report: MigrateReport, total: int, progress: Progress | None
) -> Iterator[list[tuple[DocumentRecord, list[NewChunk]]]]:
    """Every document of ``source`` in batches of about ``BATCH_CHUNKS`` chunks."""
    batch: list[tuple[DocumentRecord, list[NewChunk]]] = []
    batch_chunks = 0
    for record, chunks in source.export():
        report.documents += 1
        report.chunks += len(chunks)
        report.copied += 1
        batch.append((record, chunks))
        batch_chunks += len(chunks)
        if batch_chunks >= BATCH_CHUNKS:
            yield batch
            batch, batch_chunks = [], 0
        if progress:
            progress(report.documents, total)
    if batch:
        yield batch


def _copy_in_commits(
    source: Store,
    target: Store,
    report: MigrateReport,
    present: dict[str, DocumentRecord],
    total: int,
    progress: Progress | None,
) -> None:
    """The resumable path: one target commit per batch, skipping what is there already."""
    seen: set[str] = set()
    batch: list[tuple[DocumentRecord, list[NewChunk]]] = []
    batch_chunks = 0
    for record, chunks in source.export():
        seen.add(record.source)
        report.documents += 1
        report.chunks += len(chunks)
        there = present.get(record.source)
        if (
            there is not None
            and there.content_hash == record.content_hash
            and there.chunk_count == len(chunks)
        ):
            report.skipped += 1
        else:
            batch.append((record, chunks))
            batch_chunks += len(chunks)
            report.copied += 1
        if batch_chunks >= BATCH_CHUNKS:
            target.commit(batch)
            batch, batch_chunks = [], 0
        if progress:
            progress(report.documents, total)
    if batch:
        target.commit(batch)
    report.target_only = len(set(present) - seen)
