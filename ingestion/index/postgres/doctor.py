"""``veraz doctor`` for the postgres store.

Transactions keep a PostgreSQL collection whole, so what can go wrong is what a
transaction cannot prevent: rows edited by hand or by another tool, a restore of some
tables only, a bug. Checked, in one consistent read: chunks without a vector or without
lexical keys, documents whose chunk count is wrong or that have no chunks, BM25
statistics (document frequencies, total length, chunk count) or postings that disagree
with the chunks' keys, and stored documents whose file no longer exists (reported only).
``repair`` fixes all but the last in one transaction, under the collection's write lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingestion.doctor import DoctorReport
from ingestion.index.postgres.schema import analyse_chunks_sql, statistics_statements

if TYPE_CHECKING:
    import psycopg

    from ingestion.index.postgres.store import PostgresStore

_EMBED_BATCH = 1000


def _inspect(db: psycopg.Connection, schema: str, report: DoctorReport) -> None:
    s = f'"{schema}"'
    report.documents, report.chunks, report.vectors = db.execute(
        f"SELECT (SELECT count(*) FROM {s}.documents), (SELECT count(*) FROM {s}.chunks),"
        f" (SELECT count(embedding) FROM {s}.chunks)"
    ).fetchone()
    report.missing_vectors = [
        int(r) for (r,) in db.execute(f"SELECT id FROM {s}.chunks WHERE embedding IS NULL")
    ]
    report.missing_fts_rows = [
        int(r)
        for (r,) in db.execute(f"SELECT id FROM {s}.chunks WHERE terms = '{{}}'::jsonb ORDER BY id")
    ]
    counts = db.execute(
        f"SELECT d.source, d.chunk_count, count(c.id) FROM {s}.documents d"
        f" LEFT JOIN {s}.chunks c ON c.doc_row = d.id GROUP BY d.id"
    ).fetchall()
    report.documents_without_chunks = sorted(src for src, _stored, real in counts if real == 0)
    report.wrong_chunk_counts = sorted(
        src for src, stored, real in counts if real and stored != real
    )
    report.missing_source_files = sorted(src for src, _s, _r in counts if not Path(src).exists())
    wrong = db.execute(
        f"SELECT coalesce(t.term, r.term) FROM {s}.term_stats t FULL JOIN ("
        f"  SELECT key AS term, count(*) AS df FROM {s}.chunks c, jsonb_object_keys(c.terms) key"
        "   GROUP BY key) r ON r.term = t.term"
        " WHERE t.df IS DISTINCT FROM r.df ORDER BY 1"
    ).fetchall()
    report.wrong_term_statistics = [f"df of {term!r}" for (term,) in wrong]
    # The postings BM25 reads must hold exactly the keys the chunks hold.
    wrong_postings = db.execute(
        f"SELECT coalesce(p.term, r.term) FROM ("
        f"  SELECT term, count(*) AS n, sum(tf) AS tf FROM {s}.postings GROUP BY term) p"
        " FULL JOIN ("
        f"  SELECT key AS term, count(*) AS n, sum(value::int) AS tf"
        f"  FROM {s}.chunks c, jsonb_each_text(c.terms) GROUP BY key) r ON r.term = p.term"
        " WHERE p.n IS DISTINCT FROM r.n OR p.tf IS DISTINCT FROM r.tf ORDER BY 1"
    ).fetchall()
    report.wrong_term_statistics += [f"postings of {term!r}" for (term,) in wrong_postings]
    stored_total, real_total, stored_count, real_count = db.execute(
        f"SELECT (SELECT value::bigint FROM {s}.meta WHERE key = 'term_tokens'),"
        f" (SELECT coalesce(sum(term_count), 0) FROM {s}.chunks),"
        f" (SELECT value::bigint FROM {s}.meta WHERE key = 'chunk_total'),"
        f" (SELECT count(*) FROM {s}.chunks)"
    ).fetchone()
    if stored_total != real_total:
        report.wrong_term_statistics.append(
            f"total length {stored_total} (the chunks hold {real_total})"
        )
    if stored_count != real_count:
        report.wrong_term_statistics.append(
            f"chunk count {stored_count} (the collection holds {real_count})"
        )


def check(store: PostgresStore) -> DoctorReport:
    report = DoctorReport(collection=store.name)
    with store._transaction(read_only=True) as db:
        _inspect(db, store.schema, report)
    return report


def repair(store: PostgresStore, embedder: Any) -> DoctorReport:
    """One transaction under the write lock: what it sees is what it fixes."""
    report = DoctorReport(collection=store.name)
    s = f'"{store.schema}"'
    with store._writing() as db:
        _inspect(db, store.schema, report)
        for start in range(0, len(report.missing_vectors), _EMBED_BATCH):
            rows = report.missing_vectors[start : start + _EMBED_BATCH]
            texts = dict(db.execute(f"SELECT id, text FROM {s}.chunks WHERE id = ANY(%s)", (rows,)))
            vectors, _embedded = embedder.embed([texts[row] for row in rows])
            for row, vector in zip(rows, vectors, strict=True):
                db.execute(
                    f"UPDATE {s}.chunks SET embedding = %s WHERE id = %s",
                    (np.asarray(vector, dtype=np.float32), row),
                )
        if report.missing_fts_rows:
            db.execute(
                analyse_chunks_sql(store.schema, "c.id = ANY(%(rows)s)"),
                {"rows": report.missing_fts_rows},
            )
        for source in report.documents_without_chunks:
            db.execute(f"DELETE FROM {s}.documents WHERE source = %s", (source,))
        db.execute(
            f"UPDATE {s}.documents d SET chunk_count ="
            f" (SELECT count(*) FROM {s}.chunks c WHERE c.doc_row = d.id)"
        )
        if report.missing_fts_rows or report.wrong_term_statistics:
            for statement in statistics_statements(store.schema):
                db.execute(statement)
    report.repaired = True
    return report
