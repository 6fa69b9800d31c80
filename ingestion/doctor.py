"""``veraz doctor``: check that a collection's rows, lexical index and vectors agree.

Each backend checks and repairs its own store (``Store.check`` / ``Store.repair``:
ingestion/index/sqlite/doctor.py, ingestion/index/postgres/doctor.py); this module holds
the report they fill and the two entry points. Commits keep the parts in step, so a
healthy index never needs this. It is for indexes damaged outside Veraz's control: a
file restored from an old backup, a disk error, a copy taken mid-write by a sync tool,
or a bug. Checked:

* orphan vectors: FAISS ids without a chunk row (they can surface as hits with no text);
* missing vectors: chunks without a vector (invisible to dense search), and duplicates;
* orphan / missing FTS rows: the same for the lexical (BM25) index;
* documents whose chunk count is wrong, or that have no chunks at all (a later run would
  call them unchanged and never index them);
* sqlite: the current generation's FAISS file missing or unreadable; stray files of
  other generations or interrupted writes; postgres: document-frequency statistics that
  disagree with the chunks they count;
* stored documents whose file no longer exists (reported only: that is pruning's job).

``repair`` fixes everything but the last in one atomic commit: orphans are deleted,
missing vectors are re-embedded (from the embedding cache when possible), missing FTS
rows are recomputed from the chunk text, chunkless documents are removed so the next run
ingests their files again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingestion.embedding import Embedder
    from ingestion.index.store import Store

SAMPLE = 20  # ids / paths listed per problem in the report


@dataclass
class DoctorReport:
    """What ``check`` found (and, after ``repair``, what was fixed)."""

    collection: str
    documents: int = 0
    chunks: int = 0
    vectors: int = 0
    orphan_vectors: list[int] = field(default_factory=list)
    missing_vectors: list[int] = field(default_factory=list)
    duplicate_vectors: list[int] = field(default_factory=list)
    orphan_fts_rows: list[int] = field(default_factory=list)
    missing_fts_rows: list[int] = field(default_factory=list)
    wrong_chunk_counts: list[str] = field(default_factory=list)
    documents_without_chunks: list[str] = field(default_factory=list)
    vector_file_problem: str = ""
    stray_files: list[str] = field(default_factory=list)
    wrong_term_statistics: list[str] = field(default_factory=list)
    missing_source_files: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def problems(self) -> int:
        """How many things are wrong with the index itself (missing source files aside)."""
        return (
            len(self.orphan_vectors)
            + len(self.missing_vectors)
            + len(self.duplicate_vectors)
            + len(self.orphan_fts_rows)
            + len(self.missing_fts_rows)
            + len(self.wrong_chunk_counts)
            + len(self.documents_without_chunks)
            + (1 if self.vector_file_problem else 0)
            + len(self.stray_files)
            + len(self.wrong_term_statistics)
        )

    @property
    def ok(self) -> bool:
        return self.problems == 0

    def to_dict(self) -> dict[str, Any]:
        """Counts plus a sample of each problem (``veraz doctor --json``)."""
        data: dict[str, Any] = {
            "collection": self.collection,
            "ok": self.ok,
            "repaired": self.repaired,
            "documents": self.documents,
            "chunks": self.chunks,
            "vectors": self.vectors,
            "vector_file_problem": self.vector_file_problem,
        }
        for name in (
            "orphan_vectors",
            "missing_vectors",
            "duplicate_vectors",
            "orphan_fts_rows",
            "missing_fts_rows",
            "wrong_chunk_counts",
            "documents_without_chunks",
            "stray_files",
            "wrong_term_statistics",
            "missing_source_files",
        ):
            items = getattr(self, name)
            data[name] = {"count": len(items), "sample": items[:SAMPLE]}
        return data


def check(store: Store) -> DoctorReport:
    """What is wrong with ``store``, in one consistent read; changes nothing."""
    return store.check()


def repair(store: Store, embedder: Embedder) -> DoctorReport:
    """Fix what :func:`check` finds in one atomic commit; returns what was found and fixed."""
    return store.repair(embedder)
