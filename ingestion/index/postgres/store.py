"""The ``postgres`` store: one collection in a PostgreSQL database with pgvector.

Many processes on many machines share it: every commit is one transaction (atomic by
construction: a writer killed halfway leaves nothing), ordered with the other writers
of the collection by a transaction-scoped advisory lock, and every read is one
``REPEATABLE READ`` transaction, so a query sees one committed state and never waits for
a writer. Vectors are pgvector columns with an HNSW index (cosine); lexical search is
PostgreSQL text search ranked by BM25 (schema.py, lexical.py).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ingestion.index import lexical_version
from ingestion.index.model_record import ModelRecord, engines_with
from ingestion.index.postgres import bulk, lexical, schema
from ingestion.index.postgres.connection import connect, public_url
from ingestion.index.postgres.hnsw import split_url
from ingestion.index.store import (
    DenseSearch,
    DocumentRecord,
    EmbeddingModelMismatch,
    IndexMismatchError,
    NewChunk,
    StoredChunk,
    Upserts,
)
from ingestion.text_analysis import LEXICAL_VERSION

if TYPE_CHECKING:
    import psycopg

    from ingestion.doctor import DoctorReport
    from ingestion.index.postgres.analysis_pool import Analysed

logger = logging.getLogger("veraz.index")

_CHUNK_SELECT = (
    "SELECT c.id, c.chunk_id, d.doc_id, d.source, d.title, d.language, c.page,"
    " c.section, c.text, c.start_char, c.end_char"
)


def _lock_key(schema_name: str) -> int:
    """The advisory lock of a collection's writers: a stable 63-bit number per schema."""
    return int(schema_name[3:18], 16)


_CREATE_LOCK = 0x7665_7261_7A00  # "veraz": creating schemas and the registry


def stored_model_record(meta: dict[str, str]) -> ModelRecord:
    from ingestion.embedding.models import canonical_model_name

    return ModelRecord(
        name=canonical_model_name(meta.get("embedding_model", "")),
        dimension=int(meta.get("dimension", 0)),
        version=meta.get("embedding_version", ""),
        engine=meta.get("embedding_engine", ""),
    )


class PostgresView:
    """One ``REPEATABLE READ`` transaction: the postgres store's StoreView.

    ``chunks`` and ``term_tokens``: the collection's chunk count and total length in
    keys, as its meta table holds them in this transaction (BM25's N and average length).
    """

    def __init__(
        self,
        db: psycopg.Connection,
        schema_name: str,
        chunks: int,
        term_tokens: int,
        ef_search: int,
        sharing: SnapshotSharing | None = None,
        connection: Callable[[], psycopg.Connection] | None = None,
    ):
        self.db = db
        self.ef_search = ef_search
        self._sharing = sharing
        self._connection = connection  # the calling thread's own (PostgresStore._db)
        self.open = True
        """False once the view's transaction has ended: its snapshot is gone."""
        self.schema = schema_name
        self._s = f'"{schema_name}"'
        self._totals = (chunks, term_tokens / chunks if chunks else 1.0)

    def _stats(self) -> tuple[int, float]:
        """(chunks, average chunk length in keys)."""
        return self._totals

    def chunk_count(self) -> int:
        return self._stats()[0]

    # -- lexical ------------------------------------------------------------------------

    def _plan(self, query: str, language: str) -> lexical.LexicalQuery | None:
        config = schema.configuration(language)
        rows = self.db.execute(
            f"SELECT k.key, coalesce(t.df, 0) FROM unnest({self._s}.query_keys(%s, %s)) AS k(key)"
            f" LEFT JOIN {self._s}.term_stats AS t ON t.term = k.key",
            (config, query),
        ).fetchall()
        return lexical.plan({key: int(df) for key, df in rows}, self.chunk_count())

    def lexical(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        return self._ranked(query, language, k, "candidates")

    def lexical_exact(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        """BM25 of every chunk that holds a kept key, without step 3's candidate cut
        (lexical.py): what ``lexical`` approximates on big collections, for measuring
        their agreement (``veraz bench ingest``); never used to answer."""
        return self._ranked(query, language, k, "all")

    def _ranked(
        self, query: str, language: str, k: int, among: lexical.Among
    ) -> list[tuple[int, float]]:
        planned = self._plan(query, language)
        if planned is None or k <= 0:
            return []
        found = self.db.execute(
            lexical.score_sql(self.schema, among),
            {
                "keys": planned.keys,
                "idfs": planned.idfs,
                "avgdl": self._stats()[1],
                "candidate_keys": planned.candidate_keys,
                "k": k,
            },
        )
        return [(int(row), float(score)) for row, score in found]

    def lexical_for(self, query: str, language: str, rows: Sequence[int]) -> dict[int, float]:
        scores = dict.fromkeys((int(r) for r in rows), 0.0)
        planned = self._plan(query, language)
        if planned is None or not scores:
            return scores
        found = self.db.execute(
            lexical.score_sql(self.schema, "rows"),
            {
                "keys": planned.keys,
                "idfs": planned.idfs,
                "avgdl": self._stats()[1],
                "rows": list(scores),
            },
        )
        scores.update((int(row), float(score)) for row, score in found)
        return scores

    def ts_rank(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        """PostgreSQL's built-in ranking, for measuring BM25 against (``veraz bench
        retrieval --lexical ts_rank``); never used to answer.

        ``ts_rank`` over ``to_tsvector`` of each chunk in its language's configuration,
        for the query's words OR-ed in the question's configuration: what an application
        gets from PostgreSQL's full-text search without IDF. It analyses every chunk at
        query time, so it is for small benchmark collections only.
        """
        body = schema.analysed_body_sql("d.title", "c.section", "c.text")
        found = self.db.execute(
            f"""SELECT c.id, ts_rank(v.doc, q.query) AS score
            FROM {self._s}.chunks c JOIN {self._s}.documents d ON d.id = c.doc_row
            CROSS JOIN (SELECT replace(plainto_tsquery(%(config)s::regconfig, %(q)s)::text,
                                       ' & ', ' | ')::tsquery AS query) AS q
            CROSS JOIN LATERAL (SELECT to_tsvector({schema.configuration_sql("d.language")},
                {body}) AS doc) AS v
            WHERE v.doc @@ q.query ORDER BY score DESC, c.id LIMIT %(k)s""",
            {"config": schema.configuration(language), "q": query, "k": k},
        )
        return [(int(row), float(score)) for row, score in found]

    # -- dense ---------------------------------------------------------------------------

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return _hnsw_search(self.db, self._s, vector, k)

    def concurrent_dense(self) -> DenseSearch | None:
        """The HNSW search in a transaction of the calling thread's own connection that
        imports this transaction's snapshot (``pg_export_snapshot``), so it sees exactly
        what this view sees; valid while this view's transaction is open. None where the
        server will not export one (:class:`SnapshotSharing`)."""
        if self._sharing is None or self._connection is None:
            return None
        snapshot = self._sharing.export(self.db)
        if snapshot is None:
            return None
        connection, schema_sql = self._connection, self._s

        def search(vector: np.ndarray, k: int) -> list[tuple[int, float]]:
            if not self.open:  # a query that failed and went on: nothing to search for
                raise RuntimeError("the view whose snapshot this search imports has closed")
            with in_snapshot(connection(), snapshot) as db:
                return _hnsw_search(db, schema_sql, vector, k)

        return search

    def dense_exact(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The exact top ``k`` by cosine, scanning every vector (no HNSW): what ``dense``
        approximates, for measuring its recall (``veraz bench ingest``); never used to answer."""
        self.db.execute("SET LOCAL enable_indexscan = off")
        try:
            return self.dense(vector, k)
        finally:
            self.db.execute("SET LOCAL enable_indexscan = on")

    def dense_at(self, vector: np.ndarray, k: int, ef_search: int) -> list[tuple[int, float]]:
        """The HNSW search with another candidate list than the store's, for this
        transaction only: the recall each setting buys (``veraz bench ingest``); never
        used to answer."""
        self.db.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        try:
            return self.dense(vector, k)
        finally:
            self.db.execute(f"SET LOCAL hnsw.ef_search = {self.ef_search}")

    def dense_for(self, vector: np.ndarray, rows: Sequence[int]) -> dict[int, float]:
        if not rows:
            return {}
        found = self.db.execute(
            f"SELECT id, 1 - (embedding <=> %s) FROM {self._s}.chunks WHERE id = ANY(%s)",
            (np.asarray(vector, dtype=np.float32), lexical.rows_param(rows)),
        )
        return {int(row): float(score) for row, score in found}

    # -- rows ----------------------------------------------------------------------------

    def languages(self, rows: Sequence[int]) -> dict[int, str]:
        if not rows:
            return {}
        found = self.db.execute(
            f"SELECT c.id, d.language FROM {self._s}.chunks c"
            f" JOIN {self._s}.documents d ON d.id = c.doc_row WHERE c.id = ANY(%s)",
            (lexical.rows_param(rows),),
        )
        return {int(row): str(language) for row, language in found}

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        if not rows:
            return {}
        found = self.db.execute(
            f"{_CHUNK_SELECT} FROM {self._s}.chunks c"
            f" JOIN {self._s}.documents d ON d.id = c.doc_row WHERE c.id = ANY(%s)",
            (lexical.rows_param(rows),),
        )
        return {int(row[0]): StoredChunk(*row) for row in found}


def _hnsw_search(
    db: psycopg.Connection, schema_sql: str, vector: np.ndarray, k: int
) -> list[tuple[int, float]]:
    """The HNSW search. Never a prepared statement: psycopg prepares a query run five
    times, and PostgreSQL may then reuse a plan made under other settings (a plan made
    while ``dense_exact`` had index scans off made every later search an exact scan, and
    the measured recall swung from 0.72 to 1.0 on one index)."""
    if k <= 0:
        return []
    query = np.asarray(vector, dtype=np.float32)
    found = db.execute(
        f"SELECT id, 1 - (embedding <=> %(q)s) FROM {schema_sql}.chunks"
        " ORDER BY embedding <=> %(q)s LIMIT %(k)s",
        {"q": query, "k": k},
        prepare=False,
    )
    return [(int(row), float(score)) for row, score in found]


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


SIDE_LOCK_TIMEOUT_MS = 200
"""How long a search in an imported snapshot waits for a lock before it gives up and the
view searches instead. Its transaction is not the view's, so a writer that holds
``chunks`` while it waits for a table the view has read would wait on the view, the
view on its caller, the caller on this search, and this search on the writer: a cycle
PostgreSQL cannot see (one link is in the client), which would hold the query and every
later reader of the collection. Only DDL holds ``chunks`` against a reader."""


class SnapshotSharing:
    """Whether a store's server lets another connection read in a view's snapshot.

    A server that refuses ``pg_export_snapshot`` (a role or proxy that forbids it, a
    standby older than PostgreSQL 10) is found before the store's first read, in a
    transaction of its own (a refusal inside the view's would abort it, and PostgreSQL
    exports no snapshot from a savepoint); from then on no view of the store offers a
    concurrent search, and the retriever searches the vectors after BM25 as before. A
    connection that fails while finding out decides nothing: the next read asks again.
    """

    def __init__(self) -> None:
        self.works: bool | None = None

    def probe(self, db: psycopg.Connection) -> None:
        """Finds out, once, whether the server exports snapshots to this role; not from
        inside a transaction already open on ``db`` (a savepoint exports none)."""
        if self.works is not None:
            return
        import psycopg
        from psycopg.pq import TransactionStatus

        if db.info.transaction_status != TransactionStatus.IDLE:
            return
        try:
            with db.transaction():
                db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                db.execute("SELECT pg_export_snapshot()")
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and db.closed:
                return  # the connection, not the server's answer: the read will say
            logger.info("no concurrent dense search: the server exports no snapshot (%s)", exc)
            self.works = False
        else:
            self.works = True

    def export(self, db: psycopg.Connection) -> str | None:
        """The snapshot of ``db``'s open transaction, None when the server exports none."""
        if not self.works:
            return None
        return str(db.execute("SELECT pg_export_snapshot()").fetchone()[0])


@contextlib.contextmanager
def in_snapshot(db: psycopg.Connection, snapshot: str) -> Iterator[psycopg.Connection]:
    """A read-only transaction on ``db`` that sees what the transaction that exported
    ``snapshot`` sees, and waits at most ``SIDE_LOCK_TIMEOUT_MS`` for a lock. ``SET
    TRANSACTION SNAPSHOT`` takes no parameters, hence the id's own check."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a PostgreSQL snapshot id: {snapshot!r}")
    with db.transaction():
        db.execute(  # one round trip
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
            f" SET TRANSACTION SNAPSHOT '{snapshot}';"
            f" SET LOCAL lock_timeout = {SIDE_LOCK_TIMEOUT_MS}"
        )
        yield db


class PostgresStore:
    """Opens (creating if needed) collection ``name`` in the database at ``url``.

    ``model`` as for the sqlite store: a new collection records it, an existing one must
    have been built with it (else :class:`EmbeddingModelMismatch`); ``model=None`` opens
    an existing collection with the model it records.
    """

    def __init__(self, url: str, name: str, *, model: ModelRecord | None) -> None:
        self.url = url
        self.hnsw = split_url(url)[1]
        self.name = name
        self.location = f"{public_url(url)} (collection {name})"
        self.schema = schema.schema_name(name)
        self._s = f'"{self.schema}"'
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._connections_lock = threading.Lock()
        self._snapshot_sharing = SnapshotSharing()
        self.last_load: dict[str, Any] = {}
        """Which path the last write took ("bulk" or "transactional"), with its figures."""
        meta = self._read_meta()
        if model is None:
            if not meta:
                raise FileNotFoundError(f"no collection {name!r} in {public_url(url)}")
            model = stored_model_record(meta)
        self.model = model
        if meta:
            self._check_compatible(meta)
        else:
            self._create()

    # -- connections -------------------------------------------------------------------

    def _db(self) -> psycopg.Connection:
        """This thread's connection (a psycopg connection serves one thread at a time)."""
        db = getattr(self._local, "db", None)
        if db is None or db.closed:
            db = connect(self.url)
            db.execute(f"SET hnsw.ef_search = {self.hnsw.ef_search}")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextlib.contextmanager
    def _transaction(self, *, read_only: bool = False) -> Iterator[psycopg.Connection]:
        db = self._db()
        with db.transaction():
            if read_only:
                db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield db

    def _read_meta_in(self, db: psycopg.Connection) -> dict[str, str]:
        """The meta table as ``db``'s transaction sees it."""
        return dict(db.execute(f"SELECT key, value FROM {self._s}.meta").fetchall())

    def _read_meta(self) -> dict[str, str]:
        """The collection's meta table, or {} when it does not exist yet."""
        db = self._db()
        exists = db.execute("SELECT to_regclass(%s)", (f"{self._s}.meta",)).fetchone()[0]
        if exists is None:
            return {}
        return self._read_meta_in(db)

    def _create(self) -> None:
        with self._transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            db.execute("CREATE EXTENSION IF NOT EXISTS vector")
            db.execute(schema.REGISTRY)
            exists = db.execute("SELECT to_regclass(%s)", (f"{self._s}.meta",)).fetchone()[0]
            if exists is not None:  # another process created it while we waited
                self._check_compatible(self._read_meta_in(db))
                return
            for statement in schema.create_statements(self.schema, self.model.dimension, self.hnsw):
                db.execute(statement)
            db.cursor().executemany(
                f"INSERT INTO {self._s}.meta (key, value) VALUES (%s, %s)",
                [
                    ("schema_version", schema.SCHEMA_VERSION),
                    (lexical_version.META_KEY, LEXICAL_VERSION),
                    *_model_meta(self.model),
                    ("term_tokens", "0"),
                    ("chunk_total", "0"),
                ],
            )
            db.execute(
                "INSERT INTO public.veraz_collections (name, schema_name) VALUES (%s, %s)",
                (self.name, self.schema),
            )
        self._register_vector_type()

    def _register_vector_type(self) -> None:
        """pgvector's adapters on this thread's connection, now that the extension exists
        (a connection opened before it was created has none)."""
        from pgvector.psycopg import register_vector

        register_vector(self._db())

    def _upgrade(self, version: str) -> None:
        """Format ``version`` -> ``SCHEMA_VERSION`` in one transaction under the write
        lock (schema.upgrade_statements), once. From format 1 it writes the postings from
        the stored keys and indexes them, the bulk path's two steps that took 50 s and
        43 s per 100k chunks on 2 busy cores; from 2 it counts the chunks; from every
        format it rebuilds the postings index under byte-order keys (14 s per 100k
        chunks on 2 cores, like a bulk load's; schema.KEY_COLLATION). Other
        processes opening the collection wait for it; an older Veraz cannot read the new
        format, so upgrade every process sharing the database."""
        logger.warning(
            "collection %r is in index format %s: upgrading it to format %s, once",
            self.name,
            version,
            schema.SCHEMA_VERSION,
        )
        with self._writing() as db:
            found = db.execute(
                f"SELECT value FROM {self._s}.meta WHERE key = 'schema_version'"
            ).fetchone()[0]
            if found == version:  # else another process upgraded it while we waited
                dimension = stored_model_record(self._read_meta()).dimension
                chunks = db.execute(f"SELECT count(*) FROM {self._s}.chunks").fetchone()[0]
                bulk.index_build_settings(db, int(chunks), dimension)
                statements = schema.upgrade_statements(self.schema, version, dimension)
                for statement in statements:
                    db.execute(statement)
        for table in ("postings", "term_stats"):  # a changed column loses its statistics
            self._db().execute(f"ANALYZE {self._s}.{table}")

    def _reanalyse(self) -> None:
        """Keys of an older lexical analysis -> ``LEXICAL_VERSION`` (text_analysis.py), in
        one transaction under the write lock, once: the analysis functions written
        again, every chunk analysed again from its stored text, the postings written
        into a new table and indexed once, which then replaces the old one, and the
        document frequencies and totals. Queries go on reading the old keys until it
        commits (the swap locks the postings only for the rename). Without the right to
        write (a read-only role, a replica) it says so and leaves the old keys."""
        import psycopg

        try:
            with self._writing() as db:
                meta = self._read_meta_in(db)
                if lexical_version.standing(self.name, meta) != "older":
                    return  # another process did it while we waited
                found = lexical_version.stored_version(meta)
                logger.warning(
                    "collection %r has lexical keys of analysis version %s: analysing its"
                    " chunks again with version %s, once",
                    self.name,
                    found,
                    LEXICAL_VERSION,
                )
                # a role's or server's time limits are for queries, not for this
                db.execute("SET LOCAL statement_timeout = 0")
                db.execute("SET LOCAL lock_timeout = 0")
                chunks = db.execute(f"SELECT count(*) FROM {self._s}.chunks").fetchone()[0]
                bulk.index_build_settings(db, int(chunks), self.model.dimension)
                for statement in (
                    *schema.analysis_function_statements(self.schema),
                    schema.analyse_chunks_sql(self.schema, "true"),
                    *schema.postings_swap_statements(self.schema),
                    *schema.term_stats_statements(self.schema),
                ):
                    db.execute(statement)
                db.execute(
                    f"INSERT INTO {self._s}.meta (key, value) VALUES (%s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (lexical_version.META_KEY, LEXICAL_VERSION),
                )
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction):
            logger.warning(
                "collection %r has lexical keys of analysis version %s and this connection"
                " cannot rewrite them (read-only): lexical search may miss words until a"
                " process that can write opens it",
                self.name,
                lexical_version.stored_version(self._read_meta()),
            )
            return
        for table in ("chunks", "postings", "term_stats"):  # updated rows leave dead ones
            self._db().execute(f"VACUUM ANALYZE {self._s}.{table}")

    def _restore_totals(self) -> None:
        """Count the chunk total and length again when ``meta`` lacks one (a row deleted
        by hand, a partial restore): every query reads both, and would fail without."""
        logger.warning(
            "collection %r has no chunk count or total length in its meta table:"
            " counting them again",
            self.name,
        )
        with self._writing() as db:
            for statement in schema.totals_statements(self.schema):
                db.execute(statement)

    def _check_compatible(self, meta: dict[str, str]) -> None:
        if meta.get("schema_version") in schema.UPGRADABLE_VERSIONS:
            self._upgrade(meta["schema_version"])
            meta = self._read_meta()
        if meta.get("schema_version") != schema.SCHEMA_VERSION:
            raise IndexMismatchError(
                f"collection {self.name!r} in {public_url(self.url)} has index format "
                f"{meta.get('schema_version')}, this Veraz reads format "
                f"{schema.SCHEMA_VERSION}: migrate it into a new collection."
            )
        if not {"chunk_total", "term_tokens"} <= meta.keys():
            self._restore_totals()
        stored = stored_model_record(meta)
        if not stored.same_model(self.model):
            raise EmbeddingModelMismatch(self.name, stored, self.model, self._chunk_total())
        if lexical_version.standing(self.name, meta) == "older":
            self._reanalyse()
        if stored.version and self.model.version and stored.version != self.model.version:
            logger.warning(
                "collection %r was embedded with %s, now %s: `veraz reindex --collection %s` "
                "re-embeds it",
                self.name,
                stored.describe(),
                self.model.describe(),
                self.name,
            )

    def _chunk_total(self) -> int:
        return int(self._db().execute(f"SELECT count(*) FROM {self._s}.chunks").fetchone()[0])

    def stored_model(self) -> ModelRecord:
        return stored_model_record(self._read_meta())

    # -- reading -----------------------------------------------------------------------

    @contextlib.contextmanager
    def read(self) -> Iterator[PostgresView]:
        self._snapshot_sharing.probe(self._db())
        with self._transaction(read_only=True) as db:
            meta = dict(
                db.execute(
                    f"SELECT key, value FROM {self._s}.meta WHERE key IN"
                    " ('embedding_model', 'dimension', 'embedding_version', 'chunk_total',"
                    " 'term_tokens')"
                ).fetchall()
            )
            stored = stored_model_record(meta)
            if not stored.same_model(self.model):  # reindexed by another process
                raise EmbeddingModelMismatch(self.name, stored, self.model, self._chunk_total())
            view = PostgresView(
                db,
                self.schema,
                int(meta["chunk_total"]),
                int(meta["term_tokens"]),
                ef_search=self.hnsw.ef_search,
                sharing=self._snapshot_sharing,
                connection=self._db,
            )
            try:
                yield view
            finally:
                view.open = False

    def documents(self) -> dict[str, DocumentRecord]:
        rows = self._db().execute(
            "SELECT doc_id, source, title, language, file_type, content_hash, size, mtime,"
            f" chunk_count FROM {self._s}.documents"
        )
        return {row[1]: DocumentRecord(*row) for row in rows}

    def counts(self) -> dict[str, int]:
        with self._transaction(read_only=True) as db:
            documents, chunks, vectors = db.execute(
                f"SELECT (SELECT count(*) FROM {self._s}.documents),"
                f" (SELECT count(*) FROM {self._s}.chunks),"
                f" (SELECT count(embedding) FROM {self._s}.chunks)"
            ).fetchone()
        return {"documents": int(documents), "chunks": int(chunks), "vectors": int(vectors)}

    def iter_chunks(self) -> Iterator[StoredChunk]:
        with self._transaction(read_only=True) as db:
            cursor = db.cursor(name="veraz_iter_chunks")
            cursor.execute(
                f"{_CHUNK_SELECT} FROM {self._s}.chunks c"
                f" JOIN {self._s}.documents d ON d.id = c.doc_row ORDER BY c.id"
            )
            for row in cursor:
                yield StoredChunk(*row)

    def chunk_texts(self) -> list[tuple[int, str]]:
        with self._transaction(read_only=True) as db:
            rows = db.execute(f"SELECT id, text FROM {self._s}.chunks ORDER BY id").fetchall()
        return [(int(row), str(text)) for row, text in rows]

    def export(self) -> Iterator[tuple[DocumentRecord, list[NewChunk]]]:
        with self._transaction(read_only=True) as db:
            documents = db.execute(
                "SELECT id, doc_id, source, title, language, file_type, content_hash, size,"
                f" mtime, chunk_count FROM {self._s}.documents ORDER BY id"
            ).fetchall()
            for doc_row, *fields in documents:
                rows = db.execute(
                    "SELECT chunk_id, ordinal, text, section, page, start_char, end_char,"
                    f" embedding FROM {self._s}.chunks WHERE doc_row = %s ORDER BY ordinal",
                    (doc_row,),
                ).fetchall()
                chunks = [
                    NewChunk(cid, ordinal, text, section, page, start, end, _vector(vec))
                    for cid, ordinal, text, section, page, start, end, vec in rows
                ]
                yield DocumentRecord(*fields), chunks

    # -- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[psycopg.Connection]:
        """One write transaction, holding the collection's advisory lock until it ends."""
        with self._transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self.schema),))
            yield db

    def commit(self, upserts: Upserts, removals: Sequence[str] = ()) -> None:
        """One transaction; a large first load into an empty collection takes the bulk
        path (bulk.py), any other write the transactional one."""
        if not upserts and not removals:
            return
        self._check_vectors(upserts)
        incoming = sum(len(chunks) for _, chunks in upserts)
        if not removals and self.wants_bulk_load(incoming):
            # Another writer may fill it between the count and the lock: then, as usual.
            with contextlib.suppress(bulk.CollectionNotEmpty):
                self.bulk_load([upserts])
                with self._writing() as db:
                    _note_engine(db, self._s, self.model.engine)
                return
        with self._writing() as db:
            self._check_model_unchanged(db)
            replaced = [doc.source for doc, _ in upserts] + list(removals)
            self._delete_documents(db, replaced)
            if upserts:
                self._insert(db, upserts)
            if incoming:
                _note_engine(db, self._s, self.model.engine)
        self.last_load = {"path": "transactional", "chunks": incoming}

    def wants_bulk_load(self, chunks: int) -> bool:
        """Whether loading ``chunks`` now would take the bulk path (``veraz migrate``
        asks before streaming a collection in)."""
        if chunks < bulk.BULK_MIN_CHUNKS:  # no need to look at the collection
            return False
        has_chunks = self._db().execute(f"SELECT EXISTS (SELECT 1 FROM {self._s}.chunks)")
        return bulk.takes_bulk_path(1 if has_chunks.fetchone()[0] else 0, chunks)

    def bulk_load(self, batches: Iterable[Upserts]) -> dict[str, float]:
        """Load ``batches`` into this empty collection in one transaction, building the
        search indexes once at the end (bulk.py); returns the seconds of each step."""
        timings = bulk.load(self, batches)
        logger.info("bulk load of %s chunks into %r: %s", timings["chunks"], self.name, timings)
        self.last_load = {"path": "bulk", **timings}
        return timings

    def _check_vectors(self, upserts: Upserts) -> None:
        for doc, chunks in upserts:
            for chunk in chunks:
                if np.asarray(chunk.vector).shape != (self.model.dimension,):
                    raise IndexMismatchError(
                        f"a vector of {doc.source} has shape {np.asarray(chunk.vector).shape};"
                        f" collection {self.name!r} holds {self.model.dimension} dims"
                    )

    def _check_model_unchanged(self, db: psycopg.Connection) -> None:
        """Inside a write transaction: the collection still has this store's model and
        lexical analysis (another process may have reindexed or re-analysed it)."""
        meta = self._read_meta_in(db)
        stored = stored_model_record(meta)
        if not stored.same_model(self.model):
            raise EmbeddingModelMismatch(self.name, stored, self.model, self._chunk_total())
        lexical_version.check_before_writing(self.name, meta)

    def _delete_documents(self, db: psycopg.Connection, sources: Sequence[str]) -> None:
        """Delete documents with their chunks, taking their keys out of the statistics."""
        if not sources:
            return
        rows = [
            int(r)
            for (r,) in db.execute(
                f"SELECT c.id FROM {self._s}.chunks c JOIN {self._s}.documents d"
                " ON d.id = c.doc_row WHERE d.source = ANY(%s)",
                (list(sources),),
            )
        ]
        if rows:
            self._count_terms(db, rows, sign=-1)
            # By (key, chunk), the postings index's order: no index by chunk to maintain.
            db.execute(
                f"DELETE FROM {self._s}.postings p USING ("
                f"  SELECT c.id, key FROM {self._s}.chunks c, jsonb_object_keys(c.terms) key"
                "   WHERE c.id = ANY(%s)) AS gone WHERE p.term = gone.key AND p.chunk = gone.id",
                (rows,),
            )
        db.execute(f"DELETE FROM {self._s}.documents WHERE source = ANY(%s)", (list(sources),))

    def _count_terms(self, db: psycopg.Connection, rows: list[int], *, sign: int) -> None:
        """Add (sign 1) or take out (-1) the keys, lengths and count of ``rows`` in the
        statistics."""
        db.execute(
            f"INSERT INTO {self._s}.term_stats AS t (term, df)"
            f" SELECT key, %s * count(*) FROM {self._s}.chunks c, jsonb_object_keys(c.terms) key"
            " WHERE c.id = ANY(%s) GROUP BY key"
            " ON CONFLICT (term) DO UPDATE SET df = t.df + excluded.df",
            (sign, rows),
        )
        if sign < 0:
            db.execute(f"DELETE FROM {self._s}.term_stats WHERE df <= 0")
        db.execute(
            f"UPDATE {self._s}.meta SET value = (value::bigint + %s * coalesce("
            f"(SELECT sum(term_count) FROM {self._s}.chunks WHERE id = ANY(%s)), 0))::text"
            " WHERE key = 'term_tokens'",
            (sign, rows),
        )
        db.execute(
            f"UPDATE {self._s}.meta SET value = (value::bigint + %s)::text"
            " WHERE key = 'chunk_total'",
            (sign * len(rows),),
        )

    def _insert(
        self,
        db: psycopg.Connection,
        upserts: Upserts,
        *,
        count_terms: bool = True,
        analysed: Sequence[Analysed] | None = None,
    ) -> None:
        """Documents, then their chunks through COPY into a staging table, analysed by
        the database into keys (schema.analyse) as they move to ``chunks``, and their
        postings. ``count_terms=False``: the caller counts the key statistics (bulk.py
        counts them once for the whole load). ``analysed``: each chunk's keys, computed
        already on other connections (analysis_pool.py), in the order of ``upserts``."""
        now = time.time()
        staging = "veraz_staging" if analysed is None else "veraz_analysed_staging"
        keys_columns = "" if analysed is None else ", terms TEXT, term_count INTEGER"
        db.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (doc_row BIGINT, chunk_id TEXT,"
            " ordinal INTEGER, text TEXT, section TEXT, title TEXT, page INTEGER,"
            " start_char INTEGER, end_char INTEGER, config TEXT,"
            f" embedding vector({self.model.dimension})"
            f"{keys_columns}) ON COMMIT DROP"
        )
        doc_rows: list[int] = []
        for doc, chunks in upserts:
            doc_rows.append(
                db.execute(
                    f"INSERT INTO {self._s}.documents (doc_id, source, title, language,"
                    " file_type, content_hash, size, mtime, chunk_count, ingested_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (
                        doc.doc_id,
                        doc.source,
                        doc.title,
                        doc.language,
                        doc.file_type,
                        doc.content_hash,
                        doc.size,
                        doc.mtime,
                        len(chunks),
                        now,
                    ),
                ).fetchone()[0]
            )
        keys = None if analysed is None else iter(analysed)
        with db.cursor().copy(
            f"COPY {staging} (doc_row, chunk_id, ordinal, text, section, title, page, start_char,"
            " end_char, config, embedding"
            + ("" if keys is None else ", terms, term_count")
            + ") FROM STDIN (FORMAT BINARY)"
        ) as copy:
            # Binary: a vector goes as its 4-byte floats, not as text to format and parse.
            copy.set_types(
                [
                    "bigint",
                    "text",
                    "integer",
                    "text",
                    "text",
                    "text",
                    "integer",
                    "integer",
                    "integer",
                    "text",
                    "vector",
                    *(() if keys is None else ("text", "integer")),
                ]
            )
            for doc_row, (doc, chunks) in zip(doc_rows, upserts, strict=True):
                config = schema.configuration(doc.language)
                for c in chunks:
                    row = (
                        doc_row,
                        c.chunk_id,
                        c.ordinal,
                        c.text,
                        c.section,
                        doc.title,
                        c.page,
                        c.start,
                        c.end,
                        config,
                        np.asarray(c.vector, dtype=np.float32),
                    )
                    copy.write_row(row if keys is None else (*row, *next(keys)))
        if keys is None:
            keys_sql = (
                f"keys, {schema.term_count_of('keys')}, embedding FROM ("
                f"  SELECT *, {self._s}.analyse(config::regconfig, {schema.ANALYSED_BODY})"
                "   AS keys"
                # OFFSET 0 keeps the subquery: analysed once per chunk, not once per use.
                f"   FROM {staging} OFFSET 0) AS analysed"
            )
        else:
            keys_sql = f"terms::jsonb, term_count, embedding FROM {staging}"
        rows = [
            int(r)
            for (r,) in db.execute(
                f"INSERT INTO {self._s}.chunks (doc_row, chunk_id, ordinal, text, section, page,"
                " start_char, end_char, terms, term_count, embedding)"
                " SELECT doc_row, chunk_id, ordinal, text, section, page, start_char, end_char, "
                + keys_sql
                + " RETURNING id"
            )
        ]
        db.execute(f"TRUNCATE {staging}")
        db.execute(schema.postings_of(self.schema, "c.id = ANY(%s)"), (rows,))
        if count_terms:
            self._count_terms(db, rows, sign=1)

    def replace_embeddings(
        self, model: ModelRecord, embed: Callable[[list[str]], np.ndarray]
    ) -> int:
        with self._writing() as db:
            rows = db.execute(f"SELECT id, text FROM {self._s}.chunks ORDER BY id").fetchall()
            if model.dimension != self.model.dimension:
                db.execute(f"DROP INDEX {self._s}.chunks_embedding")
                db.execute(
                    f"ALTER TABLE {self._s}.chunks ALTER COLUMN embedding"
                    f" TYPE vector({int(model.dimension)}) USING NULL"
                )
                # a new type takes the type's storage: in the row again if it fits
                for statement in schema.vector_storage_statements(self.schema, model.dimension):
                    db.execute(statement)
            if rows:
                matrix = np.ascontiguousarray(embed([text for _, text in rows]), dtype=np.float32)
                if matrix.shape != (len(rows), model.dimension):
                    raise IndexMismatchError(
                        f"got vectors of shape {matrix.shape}; expected "
                        f"({len(rows)}, {model.dimension}) for {model.describe()}"
                    )
                db.execute(
                    "CREATE TEMP TABLE veraz_vectors (id BIGINT,"
                    f" embedding vector({int(model.dimension)})) ON COMMIT DROP"
                )
                with db.cursor().copy("COPY veraz_vectors (id, embedding) FROM STDIN") as copy:
                    for (row, _), vector in zip(rows, matrix, strict=True):
                        copy.write_row((row, vector))
                db.execute(
                    f"UPDATE {self._s}.chunks c SET embedding = v.embedding"
                    " FROM veraz_vectors v WHERE v.id = c.id"
                )
            if model.dimension != self.model.dimension:
                db.execute(schema.hnsw_index_statement(self.schema, self.hnsw))
            for key, value in _model_meta(model):
                db.execute(f"UPDATE {self._s}.meta SET value = %s WHERE key = %s", (value, key))
        self.model = model
        return len(rows)

    # -- doctor, summary -----------------------------------------------------------------

    def check(self) -> DoctorReport:
        from ingestion.index.postgres.doctor import check

        return check(self)

    def repair(self, embedder: Any) -> DoctorReport:
        from ingestion.index.postgres.doctor import repair

        return repair(self, embedder)

    def summary(self) -> dict[str, Any]:
        return summary(self._db(), self.schema)

    def relation_sizes(self) -> dict[str, int]:
        """Bytes on disk of each table (with its TOAST) and index of the collection."""
        found = self._db().execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) - CASE WHEN c.relkind = 'r'"
            " THEN pg_indexes_size(c.oid) ELSE 0 END FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'i') ORDER BY 1",
            (self.schema,),
        )
        return {str(name): int(size) for name, size in found}

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            with contextlib.suppress(Exception):
                db.close()
        self._local = threading.local()


def _model_meta(record: ModelRecord) -> list[tuple[str, str]]:
    return [
        ("embedding_model", record.name),
        ("dimension", str(record.dimension)),
        ("embedding_version", record.version),
        ("embedding_engine", record.engine),
    ]


def _note_engine(db: psycopg.Connection, schema_name: str, engine: str) -> None:
    """Add ``engine`` to the engines that embedded this collection's vectors, as the
    sqlite store does (model_record.engines_with)."""
    row = db.execute(
        f"SELECT value FROM {schema_name}.meta WHERE key = 'embedding_engine'"
    ).fetchone()
    value = engines_with(row[0] if row else "", engine)
    if value is not None:
        db.execute(
            f"INSERT INTO {schema_name}.meta (key, value) VALUES ('embedding_engine', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (value,),
        )


def _vector(value: Any) -> np.ndarray:
    """A pgvector value as read (a ``Vector``, or an array with numpy adapters)."""
    as_numpy = getattr(value, "to_numpy", None)
    return np.asarray(as_numpy() if as_numpy else value, dtype=np.float32)


def summary(db: psycopg.Connection, schema_name: str) -> dict[str, Any]:
    """Size of one collection without reading its vectors (``veraz status``)."""
    s = f'"{schema_name}"'
    with db.transaction():
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        documents, chunks, last = db.execute(
            f"SELECT (SELECT count(*) FROM {s}.documents), (SELECT count(*) FROM {s}.chunks),"
            f" (SELECT max(ingested_at) FROM {s}.documents)"
        ).fetchone()
        meta = dict(db.execute(f"SELECT key, value FROM {s}.meta").fetchall())
        size = db.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (schema_name,),
        ).fetchone()[0]
    return {
        "documents": int(documents),
        "chunks": int(chunks),
        "generation": 0,
        "embedding_model": stored_model_record(meta).name if meta else "",
        "last_change": last,
        "bytes": int(size),
    }


def drop_collection(url: str, name: str) -> None:
    """DROP its schema and forget it in the registry, in one transaction."""
    db = connect(url)
    try:
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            db.execute(f'DROP SCHEMA IF EXISTS "{schema.schema_name(name)}" CASCADE')
            if db.execute("SELECT to_regclass('public.veraz_collections')").fetchone()[0]:
                db.execute("DELETE FROM public.veraz_collections WHERE name = %s", (name,))
    finally:
        db.close()
