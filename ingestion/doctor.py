"""``veraz doctor``: check that a collection's SQLite rows, FTS5 rows and FAISS vectors agree.

Commits keep the three in step (ingestion/index/collection.py), so a healthy index never
needs this. It is for indexes damaged outside Veraz's control: a file restored from an
old backup, a disk error, a copy taken mid-write by a sync tool, or a bug. Checked:

* orphan vectors: FAISS ids without a chunk row (they can surface as hits with no text);
* missing vectors: chunks without a vector (invisible to dense search), and duplicates;
* orphan / missing FTS rows: the same for the BM25 index;
* documents whose chunk count is wrong, or that have no chunks at all (a later run would
  call them unchanged and never index them);
* the current generation's FAISS file missing or unreadable; stray files of other
  generations or interrupted writes;
* stored documents whose file no longer exists (reported only: that is pruning's job).

``repair`` fixes everything but the last in one atomic commit: orphans are deleted,
missing vectors are re-embedded (from the embedding cache when possible), missing FTS
rows are recomputed from the chunk text, chunkless documents are removed so the next run
ingests their files again.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ingestion.embedding import Embedder
from ingestion.index import Collection, vector_file
from ingestion.text_analysis import fts_document

SAMPLE = 20  # ids / paths listed per problem in the report
_EMBED_BATCH = 1000  # chunks re-embedded per call (and per SQLite IN list)


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
            "missing_source_files",
        ):
            items = getattr(self, name)
            data[name] = {"count": len(items), "sample": items[:SAMPLE]}
        return data


@dataclass
class _State:
    chunk_rows: set[int]
    fts_rows: set[int]
    vector_ids: list[int]
    counts: dict[int, tuple[str, int, int]]  # doc row -> (source, stored count, real count)
    generation: int


def _read_state(
    directory: Path, db: sqlite3.Connection, vectors: faiss.Index | None = None
) -> tuple[_State, str]:
    """Everything the checks compare, read inside ``db``'s current transaction.

    ``vectors``: the FAISS index to inspect; by default the current generation's file,
    and when that cannot be read the problem is returned and no vectors are assumed.
    """
    generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    chunk_rows = {r for (r,) in db.execute("SELECT id FROM chunks")}
    fts_rows = {r for (r,) in db.execute("SELECT rowid FROM chunks_fts")}
    counts = {
        row: (source, stored, real)
        for row, source, stored, real in db.execute(
            "SELECT d.id, d.source, d.chunk_count, count(c.id) FROM documents d"
            " LEFT JOIN chunks c ON c.doc_row = d.id GROUP BY d.id"
        )
    }
    problem = ""
    if vectors is None:
        path = directory / f"vectors.{generation}.faiss"
        try:
            vectors = vector_file.read_index(path)
        except Exception as exc:  # missing, truncated, or not a FAISS file at all
            cause = (str(exc).strip().splitlines() or [""])[0][:160]
            problem = f"{path.name} cannot be read ({type(exc).__name__}: {cause})"
    ids = faiss.vector_to_array(vectors.id_map).tolist() if vectors is not None else []
    return _State(chunk_rows, fts_rows, [int(i) for i in ids], counts, generation), problem


def check(collection: Collection) -> DoctorReport:
    """Compare SQLite, FTS5 and FAISS in one consistent read; changes nothing."""
    report = DoctorReport(collection=collection.directory.name)
    db = sqlite3.connect(collection.db_path, timeout=60, isolation_level=None)
    try:
        db.execute("BEGIN")
        state, report.vector_file_problem = _read_state(collection.directory, db)
        db.execute("ROLLBACK")
    finally:
        db.close()
    _fill(report, state, collection.directory)
    return report


def _fill(report: DoctorReport, state: _State, directory: Path) -> None:
    ids = state.vector_ids
    unique = set(ids)
    report.documents = len(state.counts)
    report.chunks = len(state.chunk_rows)
    report.vectors = len(ids)
    report.orphan_vectors = sorted(unique - state.chunk_rows)
    report.missing_vectors = sorted(state.chunk_rows - unique)
    report.duplicate_vectors = sorted(i for i, n in Counter(ids).items() if n > 1)
    report.orphan_fts_rows = sorted(state.fts_rows - state.chunk_rows)
    report.missing_fts_rows = sorted(state.chunk_rows - state.fts_rows)
    report.documents_without_chunks = sorted(
        source for source, _stored, real in state.counts.values() if real == 0
    )
    report.wrong_chunk_counts = sorted(
        source for source, stored, real in state.counts.values() if real and stored != real
    )
    report.missing_source_files = sorted(
        source for source, _s, _r in state.counts.values() if not Path(source).exists()
    )
    keep = {f"vectors.{state.generation}.faiss", f"vectors.{state.generation - 1}.faiss"}
    report.stray_files = sorted(p.name for p in directory.glob("vectors.*") if p.name not in keep)


def repair(collection: Collection, embedder: Embedder) -> DoctorReport:
    """Fix what :func:`check` finds, in one atomic commit; returns what was found and fixed.

    The state is read again inside the write transaction, so the repair acts on exactly
    what it sees even if an ingest run committed in between. Stray files go with the
    commit's own clean-up of old generations.
    """
    report = DoctorReport(collection=collection.directory.name)
    problem = check(collection).vector_file_problem

    def change(db: sqlite3.Connection, vectors: faiss.Index) -> None:
        state, _ = _read_state(collection.directory, db, vectors)
        _fill(report, state, collection.directory)
        report.vector_file_problem = problem
        _repair_sqlite(db, report)
        _repair_vectors(db, vectors, report, embedder)

    collection.rewrite(change, from_empty=bool(problem))
    report.repaired = True
    return report


def _repair_sqlite(db: sqlite3.Connection, report: DoctorReport) -> None:
    for row in report.orphan_fts_rows:
        db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row,))
    for row in report.missing_fts_rows:
        text, section, language = db.execute(
            "SELECT c.text, c.section, d.language FROM chunks c"
            " JOIN documents d ON d.id = c.doc_row WHERE c.id = ?",
            (row,),
        ).fetchone()
        fts = fts_document(f"{section}\n{text}", language)
        db.execute(
            "INSERT INTO chunks_fts (rowid, terms, prefixes) VALUES (?, ?, ?)",
            (row, fts.terms, fts.prefixes),
        )
    db.execute(
        "UPDATE documents SET chunk_count ="
        " (SELECT count(*) FROM chunks c WHERE c.doc_row = documents.id)"
    )
    for source in report.documents_without_chunks:
        db.execute("DELETE FROM documents WHERE source = ?", (source,))


def _repair_vectors(
    db: sqlite3.Connection,
    vectors: faiss.Index,
    report: DoctorReport,
    embedder: Embedder,
) -> None:
    """Drop orphan ids, keep one copy of duplicated ids, embed the chunks without vectors."""
    duplicates = [row for row in report.duplicate_vectors if row not in report.orphan_vectors]
    kept = {row: vectors.reconstruct(int(row)) for row in duplicates}
    drop = report.orphan_vectors + duplicates
    if drop:
        vectors.remove_ids(np.asarray(drop, dtype=np.int64))
    for start in range(0, len(report.missing_vectors), _EMBED_BATCH):
        rows = report.missing_vectors[start : start + _EMBED_BATCH]
        marks = ",".join("?" * len(rows))
        texts = dict(db.execute(f"SELECT id, text FROM chunks WHERE id IN ({marks})", rows))
        fresh, _embedded = embedder.embed([texts[row] for row in rows])
        kept.update(zip(rows, fresh, strict=True))
    if kept:
        rows = sorted(kept)
        matrix = np.ascontiguousarray(np.stack([kept[r] for r in rows]), dtype=np.float32)
        vectors.add_with_ids(matrix, np.asarray(rows, dtype=np.int64))
