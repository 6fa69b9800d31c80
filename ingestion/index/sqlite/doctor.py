"""``veraz doctor`` for the sqlite store: SQLite rows, FTS5 rows and FAISS vectors agree?

See ingestion/doctor.py for what is checked and repaired.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from ingestion.doctor import DoctorReport
from ingestion.index.sqlite import vector_file
from ingestion.index.sqlite.store import write_fts_rows

if TYPE_CHECKING:
    from ingestion.embedding import Embedder
    from ingestion.index.sqlite.store import SqliteStore

_EMBED_BATCH = 1000  # chunks re-embedded per call (and per SQLite IN list)


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


def check(collection: SqliteStore) -> DoctorReport:
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


def repair(collection: SqliteStore, embedder: Embedder) -> DoctorReport:
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
    write_fts_rows(db, report.missing_fts_rows)
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
