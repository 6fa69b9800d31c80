"""The bulk path of the postgres store: a large load into an empty collection.

Growing an HNSW graph one row at a time inside ingest transactions is what made a
100k-chunk build take 16 minutes: every insert searches the graph to link the new row.
Building the graph once over all rows is several times faster, and so is writing the
postings heap first and sorting it into its index after. So a load of at least
``BULK_MIN_CHUNKS`` chunks into a collection with no chunks (a large first ``veraz
ingest``, ``veraz migrate`` into PostgreSQL, the latency benchmark's builds) runs as:

1. one transaction under the collection's write lock, as every commit: the search
   indexes (schema.SEARCH_INDEXES: postings by key, HNSW) are dropped; each batch's
   texts are analysed into keys on a pool of other connections (analysis_pool.py: the
   analysis is most of the row time, and one backend uses one core) while the batch
   before goes in through ``COPY`` with its keys; the key statistics are counted once
   from the postings,
   then the indexes are built with ``maintenance_work_mem`` sized for the graph
   (``maintenance_memory``) and a parallel worker per core beside the leader
   (``maintenance_workers``);
2. after the commit, ``VACUUM ANALYZE`` of the new rows, so BM25 reads postings from
   the index alone (index-only scans need the visibility map) and the planner knows the
   sizes.

It is all or nothing like any commit: a load killed halfway leaves the empty collection
with its indexes. Readers of that collection wait until it commits (dropping an index
locks its table); the collection was empty, so they wait for its first contents.

Every other write (an incremental ingest, a first load under ``BULK_MIN_CHUNKS``, any
load into a collection that has chunks) takes the transactional path, which keeps the
indexes and grows them row by row: rebuilding a big graph for a few new rows would
cost far more than inserting them.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ingestion.cores import usable_cores
from ingestion.index.postgres import schema
from ingestion.index.postgres.analysis_pool import AnalysisPool, PendingKeys

if TYPE_CHECKING:
    import psycopg

    from ingestion.index.postgres.store import PostgresStore
    from ingestion.index.store import Upserts

BULK_MIN_CHUNKS = 1_000
"""Chunks from which a load into an empty collection takes the bulk path. Measured on the
latency benchmark's chunks (384 dimensions, one commit, each path twice, 2 shared cores):
1,000 chunks 3.3-3.8 s bulk against 5.4-7.6 s transactional, 3,000 7-11 s against 21 s,
6,000 41-43 s against 69-100 s: the bulk path wins from 1,000 and the gap grows with the
size. Below it the gain is a few seconds, and the transactional path lets readers of the
new collection read while it loads."""

MAINTENANCE_MEMORY_MIN = 64 << 20
MAINTENANCE_MEMORY_MAX = 4 << 30
"""Bounds of the ``maintenance_work_mem`` a bulk load asks for (the server's own setting
wins when larger): the graph of 1M 384-dimension vectors needs about 2.3 GB."""

GRAPH_BYTES_PER_NEIGHBOUR = 10
"""pgvector's HNSW element: the vector, plus about 2·m neighbour slots on layer 0 (and
fewer above) of a tuple id and a distance each."""

HNSW_M = 16

MAX_MAINTENANCE_WORKERS = 7


def maintenance_workers(server_parallel_workers: int, cores: int | None = None) -> int:
    """Parallel workers for the index builds: one per core of the loading machine beside
    the leader (which builds too), at most ``MAX_MAINTENANCE_WORKERS`` and at most the
    server's ``max_parallel_workers``.

    More workers than cores only take turns and contend for the graph's locks: on 2
    cores, building a 100k-chunk HNSW graph took 43.6 s with 7 workers and 36.1 s with
    one, the postings index 15.7 s and 13.8 s. The loading machine's cores stand for the
    server's, as for the analysis pool (analysis_pool.wanted_connections)."""
    available = usable_cores() if cores is None else cores
    return max(0, min(MAX_MAINTENANCE_WORKERS, server_parallel_workers, available - 1))


class CollectionNotEmpty(ValueError):
    """A bulk load was asked of a collection that has chunks."""


def maintenance_memory(chunks: int, dimension: int) -> int:
    """Bytes of ``maintenance_work_mem`` for building the HNSW graph of ``chunks`` vectors
    in memory (a graph that does not fit is built far slower, on disk pages)."""
    element = 4 * dimension + 8 + GRAPH_BYTES_PER_NEIGHBOUR * 2 * HNSW_M * 2
    wanted = int(chunks * element * 1.25)
    return max(MAINTENANCE_MEMORY_MIN, min(MAINTENANCE_MEMORY_MAX, wanted))


def takes_bulk_path(existing_chunks: int, incoming_chunks: int) -> bool:
    """Whether a load takes the bulk path (module docstring)."""
    return existing_chunks == 0 and incoming_chunks >= BULK_MIN_CHUNKS


def index_build_settings(db: psycopg.Connection, chunks: int, dimension: int) -> None:
    """Transaction-local memory and parallel workers for building the search indexes of
    ``chunks`` chunks (a bulk load, an upgrade that rebuilds the postings index)."""
    server_bytes = int(
        db.execute(
            "SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'"
        ).fetchone()[0]
    )
    memory_kb = max(server_bytes, maintenance_memory(chunks, dimension)) // 1024
    db.execute(f"SET LOCAL maintenance_work_mem = '{memory_kb}kB'")
    workers = int(
        db.execute(
            "SELECT setting FROM pg_settings WHERE name = 'max_parallel_workers'"
        ).fetchone()[0]
    )
    db.execute(f"SET LOCAL max_parallel_maintenance_workers = {maintenance_workers(workers)}")


def _analyse(pool: AnalysisPool, upserts: Upserts) -> PendingKeys | None:
    """The batch's keys from the pool, or None (no pool connection: ``_write`` has the
    load's own transaction analyse them)."""
    if not pool.connections:
        return None
    configs: list[str] = []
    bodies: list[str] = []
    for doc, chunk_list in upserts:
        config = schema.configuration(doc.language)
        for chunk in chunk_list:
            configs.append(config)
            bodies.append(schema.analysed_body(doc.title, chunk.section, chunk.text))
    return pool.analyse(configs, bodies)


def _write(
    store: PostgresStore, db: psycopg.Connection, upserts: Upserts, keys: PendingKeys | None
) -> int:
    analysed = None if keys is None else keys.result()
    store._insert(db, upserts, count_terms=False, analysed=analysed)
    return sum(len(chunk_list) for _, chunk_list in upserts)


@contextlib.contextmanager
def _empty_collection_locked(store: PostgresStore) -> Iterator[psycopg.Connection]:
    with store._writing() as db:
        store._check_model_unchanged(db)
        if db.execute(f"SELECT EXISTS (SELECT 1 FROM {store._s}.chunks)").fetchone()[0]:
            raise CollectionNotEmpty(
                f"collection {store.name!r} has chunks: the bulk path loads empty collections only"
            )
        yield db


def load(store: PostgresStore, batches: Iterable[Upserts]) -> dict[str, float]:
    """Load ``batches`` into the empty collection of ``store`` in one transaction (module
    docstring); returns the seconds of each step and the chunk count."""
    s = store._s
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with (
        _empty_collection_locked(store) as db,
        AnalysisPool(store.url, store.schema) as pool,
    ):
        for name in schema.SEARCH_INDEXES:
            db.execute(f"DROP INDEX {s}.{name}")
        chunks = 0
        # One batch in analysis while the one before is written: the next batch is read
        # (embedded, generated) while the pool analyses.
        waiting: collections.deque[tuple[Upserts, PendingKeys | None]] = collections.deque()
        for upserts in batches:
            if not upserts:
                continue
            store._check_vectors(upserts)
            waiting.append((upserts, _analyse(pool, upserts)))
            if len(waiting) > 1:
                chunks += _write(store, db, *waiting.popleft())
        while waiting:
            chunks += _write(store, db, *waiting.popleft())
        timings["analysis_connections"] = pool.connections
        timings["rows_seconds"] = time.perf_counter() - started
        db.execute(
            f"INSERT INTO {s}.term_stats (term, df) SELECT term, count(*)"
            f" FROM {s}.postings GROUP BY term"
        )
        for statement in schema.totals_statements(store.schema):
            db.execute(statement)
        index_build_settings(db, chunks, store.model.dimension)
        lexical_index, dense_index = schema.search_index_statements(store.schema, store.hnsw)
        mark = time.perf_counter()
        db.execute(lexical_index)
        timings["postings_index_seconds"] = time.perf_counter() - mark
        mark = time.perf_counter()
        db.execute(dense_index)
        timings["hnsw_index_seconds"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for table in ("chunks", "postings", "term_stats", "documents"):
        store._db().execute(f"VACUUM ANALYZE {s}.{table}")
    timings["vacuum_seconds"] = time.perf_counter() - mark
    timings["chunks"] = chunks
    return {key: round(value, 2) for key, value in timings.items()}
