"""The ``sqlite`` store: one collection in a folder, SQLite (documents, chunks, FTS5) + FAISS.

Crash safety without a server: FAISS vectors live in ``vectors.<generation>.faiss`` and
SQLite's ``meta`` table names the current generation. A commit writes the next
generation's FAISS file (fsynced, renamed into place) and only then commits the SQLite
transaction that both changes documents/chunks and bumps the generation. A crash before
the SQLite commit leaves the old generation, whose file is still there; a crash after it
leaves the new one. Readers use WAL snapshots, so queries never wait for an ingest run
and always see one consistent generation.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

from ingestion.file_lock import file_lock
from ingestion.index import lexical_version
from ingestion.index.model_record import ModelRecord, engines_with
from ingestion.index.sqlite import vector_file
from ingestion.index.store import (
    DenseSearch,
    DocumentRecord,
    EmbeddingModelMismatch,
    IndexMismatchError,
    NewChunk,
    StoredChunk,
    Upserts,
)
from ingestion.text_analysis import (
    LEXICAL_VERSION,
    FtsDocument,
    fts_document,
    fts_query,
    lexical_body,
    query_words,
)

if TYPE_CHECKING:
    from ingestion.doctor import DoctorReport

logger = logging.getLogger("veraz.index")

SCHEMA_VERSION = "2"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    file_type TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    chunk_count INTEGER NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_row INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_row);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    terms, prefixes, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
"""


# change(db, vectors): edits made inside one commit of a new generation (Collection.rewrite).
GenerationChange = Callable[[sqlite3.Connection, faiss.Index], None]


def stored_model_record(meta: dict[str, str]) -> ModelRecord:
    """The model record in a collection's ``meta`` table (legacy names made canonical)."""
    from ingestion.embedding.models import canonical_model_name

    return ModelRecord(
        name=canonical_model_name(meta.get("embedding_model", "")),
        dimension=int(meta.get("dimension", 0)),
        version=meta.get("embedding_version", ""),
        engine=meta.get("embedding_engine", ""),
    )


def _model_meta(record: ModelRecord) -> list[tuple[str, str]]:
    return [
        ("embedding_model", record.name),
        ("dimension", str(record.dimension)),
        ("embedding_version", record.version),
        ("embedding_engine", record.engine),
    ]


def _note_engine(db: sqlite3.Connection, engine: str) -> None:
    """Add ``engine`` to the engines that embedded this collection's vectors
    (model_record.engines_with)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'embedding_engine'").fetchone()
    value = engines_with(row[0] if row else "", engine)
    if value is not None:
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_engine', ?)", (value,)
        )


FREQUENT_RATIO = 0.05
FREQUENT_MIN_CHUNKS = 2_000


@dataclass
class Snapshot:
    """One consistent view for a query: a SQLite read transaction and its FAISS generation.

    The :class:`~ingestion.index.store.StoreView` of the sqlite backend.
    """

    db: sqlite3.Connection
    vectors: faiss.Index
    generation: int

    # -- lexical: FTS5 BM25 over stems and prefixes ------------------------------------

    def lexical(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        return self.bm25(self.match(query, language), k)

    def lexical_for(self, query: str, language: str, rows: Sequence[int]) -> dict[int, float]:
        """BM25 of given rows: the same MATCH, restricted to their rowids."""
        match = self.match(query, language)
        scores = dict.fromkeys((int(r) for r in rows), 0.0)
        if not match or not scores:
            return scores
        marks = ",".join("?" * len(scores))
        found = self.db.execute(
            "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?"
            f" AND rowid IN ({marks})",
            (match, *scores),
        )
        scores.update((int(r), float(s)) for r, s in found)
        return scores

    def match(self, query: str, language: str) -> str:
        """The FTS5 MATCH expression for ``query``, too-frequent words left out."""
        return fts_query(query, language, self._frequent(query, language))

    def _frequent(self, query: str, language: str) -> frozenset[str]:
        """Query words in so many chunks that they barely rank, yet cost the most to score.

        FTS5 scores every chunk that contains any query word; one word present in half a
        100k-chunk collection makes that 50k scores. Words above the cut-off (IDF under
        ~3) are dropped while the rarer ones remain; collections under
        ``FREQUENT_MIN_CHUNKS`` chunks per word are never pruned, so small corpora rank
        exactly.
        """
        words = sorted(query_words(query, language))
        frequencies = self.document_frequencies(words)
        limit = max(FREQUENT_MIN_CHUNKS, FREQUENT_RATIO * self.chunk_count())
        frequent = {w for w, df in frequencies.items() if df > limit}
        if frequent and frequent >= set(frequencies):  # keep the rarest word at least
            frequent.discard(min(frequencies, key=frequencies.__getitem__))
        return frozenset(frequent)

    def bm25(self, match: str, k: int) -> list[tuple[int, float]]:
        """Top ``k`` chunk rows for an FTS5 MATCH expression, best first (higher is better)."""
        if not match:
            return []
        rows = self.db.execute(
            "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?"
            " ORDER BY rank LIMIT ?",
            (match, k),
        )
        return [(int(r), float(s)) for r, s in rows]

    def document_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each word (in either FTS column)."""
        if not words:
            return {}
        marks = ",".join("?" * len(words))
        rows = self.db.execute(
            f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", tuple(words)
        )
        return {term: int(doc) for term, doc in rows}

    # -- dense: FAISS ----------------------------------------------------------------------

    def chunk_count(self) -> int:
        return int(self.vectors.ntotal)

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return vector_file.search(self.vectors, vector, k)

    def concurrent_dense(self) -> DenseSearch:
        """The view's own search: its FAISS generation is never written after it is
        published (a writer changes a copy), FAISS searches release the GIL and
        ``vector_file.search`` sets the OpenMP threads of the calling thread only."""
        return self.dense

    def dense_for(self, vector: np.ndarray, rows: Sequence[int]) -> dict[int, float]:
        stored = vector_file.reconstruct(self.vectors, list(rows))
        scores = stored @ np.asarray(vector, dtype=np.float32)
        return {int(r): float(s) for r, s in zip(rows, scores, strict=True)}

    # -- rows ------------------------------------------------------------------------------

    def languages(self, rows: Sequence[int]) -> dict[int, str]:
        """The language of each chunk's document (es, en, other)."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        result = self.db.execute(
            "SELECT c.id, d.language FROM chunks c JOIN documents d ON d.id = c.doc_row"
            f" WHERE c.id IN ({marks})",
            tuple(rows),
        )
        return {int(row): str(language) for row, language in result}

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        result = self.db.execute(
            f"{_CHUNK_SELECT} WHERE c.id IN ({marks})",
            tuple(rows),
        )
        return {int(row[0]): StoredChunk(*row) for row in result}


_CHUNK_SELECT = (
    "SELECT c.id, c.chunk_id, d.doc_id, d.source, d.title, d.language, c.page,"
    " c.section, c.text, c.start_char, c.end_char"
    " FROM chunks c JOIN documents d ON d.id = c.doc_row"
)


class SqliteStore:
    """Opens (creating if needed) the index under ``directory``.

    ``model`` is the embedding model queries and new chunks will be embedded with; a new
    collection records it, an existing one must have been built with it (else
    :class:`EmbeddingModelMismatch`; ``veraz reindex`` converts it). ``model=None`` opens
    an existing collection with whatever model it records (reindexing, status).
    """

    def __init__(self, directory: str | Path, *, model: ModelRecord | None) -> None:
        self.directory = Path(directory)
        self.name = self.directory.name
        self.location = str(self.directory)
        self.db_path = self.directory / "index.sqlite"
        if model is None:
            meta = self._read_meta()
            if not meta:
                raise FileNotFoundError(f"no collection at {self.directory}")
            model = stored_model_record(meta)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.model = model
        self._local = threading.local()
        self._vectors_lock = threading.Lock()
        self._vectors: faiss.Index | None = None
        self._vectors_generation = -1
        self._init_schema()

    # -- connections -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection (sqlite3 connections are not shared across threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    def _init_schema(self) -> None:
        """Create the index if needed, or check it was built with our model.

        Opening an existing collection takes no lock, so readers never wait for a commit
        in progress (opening used to queue behind the writer's lock). Leftovers of crashed
        commits are removed when the write lock is free; a writer cleans up after itself.
        """
        meta = self._read_meta()
        if meta:
            self._check_compatible(meta)
            if lexical_version.standing(self.name, meta) == "older":
                self._reanalyse()
            with self._write_lock(wait=False) as held:
                if held:
                    self._remove_stale_vector_files(int(self._read_meta()["generation"]))
            return
        with self._write_lock():
            db = self._connect()
            try:
                db.executescript(_SCHEMA)
                meta = dict(db.execute("SELECT key, value FROM meta"))
                if meta:  # another process created it while we waited
                    self._check_compatible(meta)
                    return
                # The empty generation 0 first: meta naming it must never exist without it.
                vector_file.write_index_atomically(
                    vector_file.empty_index(self.dimension), self._vector_path(0)
                )
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("schema_version", SCHEMA_VERSION),
                        (lexical_version.META_KEY, LEXICAL_VERSION),
                        *_model_meta(self.model),
                        ("generation", "0"),
                    ],
                )
            finally:
                db.close()

    def _reanalyse(self) -> None:
        """FTS5 rows of an older lexical analysis -> ``LEXICAL_VERSION``
        (text_analysis.py): every chunk analysed again from its stored text, section and
        document title, in one SQLite transaction under the write lock, once. FAISS is
        untouched, so no new generation; readers see the old rows until it commits."""
        with self._write_lock():
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    meta = dict(db.execute("SELECT key, value FROM meta"))
                    rewrite = lexical_version.standing(self.name, meta) == "older"
                    if rewrite:  # else another process did it while we waited
                        logger.warning(
                            "collection %r has lexical keys of analysis version %s: analysing"
                            " its chunks again with version %s, once",
                            self.name,
                            lexical_version.stored_version(meta),
                            LEXICAL_VERSION,
                        )
                        write_fts_rows(db)
                        db.execute(
                            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            (lexical_version.META_KEY, LEXICAL_VERSION),
                        )
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                if rewrite:
                    # every row rewritten leaves FTS5 segments of deleted rows: merged
                    # away (a fresh build's size, and its query speed)
                    db.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('optimize')")
            finally:
                db.close()

    def _read_meta(self) -> dict[str, str]:
        """The meta table, or {} when the index has not been created yet."""
        if not self.db_path.exists():
            return {}
        db = self._connect()
        try:
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            return dict(db.execute("SELECT key, value FROM meta")) if exists else {}
        finally:
            db.close()

    def _check_compatible(self, meta: dict[str, str]) -> None:
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"collection at {self.directory} has index format "
                f"{meta.get('schema_version')}, this Veraz reads format {SCHEMA_VERSION}: "
                "ingest the documents again into a new collection (or delete this folder)."
            )
        self._check_model(stored_model_record(meta))

    def _check_model(self, stored: ModelRecord) -> None:
        """Refuse another model's vectors; a new version of the same model only warns."""
        if not stored.same_model(self.model):
            raise EmbeddingModelMismatch(
                self.directory.name, stored, self.model, self._stored_chunk_count()
            )
        if stored.version and self.model.version and stored.version != self.model.version:
            logger.warning(
                "collection %r was embedded with %s, now %s: vectors of two versions of a "
                "model differ slightly; `veraz reindex --collection %s` re-embeds it",
                self.directory.name,
                stored.describe(),
                self.model.describe(),
                self.directory.name,
            )

    def _stored_chunk_count(self) -> int:
        db = self._connect()
        try:
            return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        finally:
            db.close()

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def stored_model(self) -> ModelRecord:
        """The model record as committed now (another process may have reindexed)."""
        return stored_model_record(self._read_meta())

    def _vector_path(self, generation: int) -> Path:
        return self.directory / f"vectors.{generation}.faiss"

    def _remove_stale_vector_files(self, current: int) -> None:
        """Delete FAISS files from crashed commits (newer) and from old generations.

        The previous generation is kept so a reader whose snapshot predates the last
        commit can still load it. Called only under the write lock.
        """
        for path in self.directory.glob("vectors.*.faiss*"):
            parts = path.name.split(".")
            generation = int(parts[1]) if parts[1].isdigit() else -1
            if path.suffix == ".tmp" or generation > current or generation < current - 1:
                path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _write_lock(self, *, wait: bool = True) -> Iterator[bool]:
        """One writer per collection across processes (ingest runs, schedulers, the UI).

        Yields True when held; with ``wait=False`` it yields False at once if busy.
        """
        with file_lock(self.directory / "write.lock", wait=wait) as held:
            yield held

    # -- reading ---------------------------------------------------------------------

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A consistent read view; FAISS is loaded for the generation SQLite shows."""
        db = self._reader()
        for _attempt in range(5):
            db.execute("BEGIN")
            try:
                meta = dict(db.execute("SELECT key, value FROM meta"))
                generation = int(meta["generation"])
                stored = stored_model_record(meta)
                if not stored.same_model(self.model):  # reindexed by another process
                    db.execute("ROLLBACK")
                    raise EmbeddingModelMismatch(
                        self.directory.name, stored, self.model, self._stored_chunk_count()
                    )
                vectors = self._vectors_for(generation)
            except FileNotFoundError:
                db.execute("ROLLBACK")
                time.sleep(0.05)  # a writer moved on two generations; read again
                continue
            try:
                yield Snapshot(db=db, vectors=vectors, generation=generation)
            finally:
                db.execute("ROLLBACK")
            return
        raise RuntimeError(f"could not get a consistent view of {self.directory}")

    def read(self) -> contextlib.AbstractContextManager[Snapshot]:
        """The protocol's consistent view: a :meth:`snapshot`."""
        return self.snapshot()

    def _vectors_for(self, generation: int) -> faiss.Index:
        with self._vectors_lock:
            if self._vectors is None or self._vectors_generation != generation:
                self._vectors = vector_file.read_index(self._vector_path(generation))
                self._vectors_generation = generation
            return self._vectors

    def documents(self) -> dict[str, DocumentRecord]:
        """Every stored document by source path."""
        rows = self._reader().execute(
            "SELECT doc_id, source, title, language, file_type, content_hash, size, mtime,"
            " chunk_count FROM documents"
        )
        return {row[1]: DocumentRecord(*row) for row in rows}

    def counts(self) -> dict[str, int]:
        with self.snapshot() as snap:
            documents = snap.db.execute("SELECT count(*) FROM documents").fetchone()[0]
            chunks = snap.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            return {"documents": documents, "chunks": chunks, "vectors": snap.vectors.ntotal}

    # -- writing ---------------------------------------------------------------------

    def commit(self, upserts: Upserts, removals: Sequence[str] = ()) -> None:
        """Replace/add documents with their chunks and remove others, all or nothing."""
        if not upserts and not removals:
            return
        # The FTS5 columns are analysed before the write lock is taken: other writers
        # wait only for the writing itself.
        analysed = [
            (doc, [(c, chunk_fts(c, doc.language, doc.title)) for c in chunks])
            for doc, chunks in upserts
        ]
        with self._write_lock():
            db = self._connect()
            try:
                self._commit_locked(db, analysed, removals)
            finally:
                db.close()

    def _commit_locked(
        self,
        db: sqlite3.Connection,
        upserts: Sequence[tuple[DocumentRecord, Sequence[tuple[NewChunk, FtsDocument]]]],
        removals: Sequence[str],
    ) -> None:
        def change(db: sqlite3.Connection, vectors: faiss.Index) -> None:
            self._apply(db, vectors, upserts, removals)
            if any(chunks for _doc, chunks in upserts):
                _note_engine(db, self.model.engine)

        self._next_generation(db, change)

    def rewrite(self, change: GenerationChange, *, from_empty: bool = False) -> None:
        """Apply ``change(db, vectors)`` as one commit of a new generation (doctor repairs).

        ``change`` edits SQLite through ``db`` (inside the write transaction) and a copy of
        the current FAISS index; both become visible together or not at all.
        ``from_empty``: start from an empty FAISS index instead, for when the current
        generation's file is missing or unreadable.
        """
        with self._write_lock():
            db = self._connect()
            try:
                self._next_generation(db, change, from_empty=from_empty)
            finally:
                db.close()

    def _next_generation(
        self,
        db: sqlite3.Connection,
        change: GenerationChange,
        *,
        from_empty: bool = False,
        model: ModelRecord | None = None,
    ) -> None:
        """The commit protocol (module docstring): FAISS file first, then the SQLite commit.

        ``model``: the generation holds this model's vectors (a reindex): it starts from
        an empty index of its dimension and the model record changes in the same commit.
        """
        db.execute("BEGIN IMMEDIATE")
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            lexical_version.check_before_writing(self.name, meta)
            generation = int(meta["generation"])
            if model is not None:
                vectors = vector_file.empty_index(model.dimension)
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", _model_meta(model)
                )
            elif from_empty:
                vectors = vector_file.empty_index(self.dimension)
            else:
                vectors = faiss.clone_index(self._vectors_for(generation))
            change(db, vectors)
            vector_file.write_index_atomically(vectors, self._vector_path(generation + 1))
            db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(generation + 1),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        with self._vectors_lock:
            self._vectors, self._vectors_generation = vectors, generation + 1
        if model is not None:
            self.model = model
        self._remove_stale_vector_files(generation + 1)

    def replace_embeddings(
        self, model: ModelRecord, embed: Callable[[list[str]], np.ndarray]
    ) -> int:
        """Every chunk's vector from ``model``, in one commit of a new generation.

        ``embed(texts)`` returns the vectors of the chunk texts (in order); it runs inside
        the write transaction on exactly the chunks committed then, so a chunk added by
        an ingest run a moment before is not left without a vector. Documents, chunks and
        BM25 rows are untouched. Like every commit, a crash at any moment leaves either the
        old model's generation or the new one (module docstring). Returns the chunk count.
        """
        done = 0

        def change(db: sqlite3.Connection, vectors: faiss.Index) -> None:
            nonlocal done
            rows = db.execute("SELECT id, text FROM chunks ORDER BY id").fetchall()
            if rows:
                matrix = np.ascontiguousarray(embed([text for _, text in rows]), dtype=np.float32)
                if matrix.shape != (len(rows), model.dimension):
                    raise IndexMismatchError(
                        f"got vectors of shape {matrix.shape}; expected "
                        f"({len(rows)}, {model.dimension}) for {model.describe()}"
                    )
                vectors.add_with_ids(matrix, np.asarray([r for r, _ in rows], dtype=np.int64))
            done = len(rows)

        with self._write_lock():
            db = self._connect()
            try:
                self._next_generation(db, change, model=model)
            finally:
                db.close()
        return done

    def chunk_texts(self) -> list[tuple[int, str]]:
        """(row, text) of every chunk in one consistent read, in row order."""
        with self.snapshot() as snap:
            return snap.db.execute("SELECT id, text FROM chunks ORDER BY id").fetchall()

    def iter_chunks(self) -> Iterator[StoredChunk]:
        with self.snapshot() as snap:
            for row in snap.db.execute(f"{_CHUNK_SELECT} ORDER BY c.id"):
                yield StoredChunk(*row)

    def export(self) -> Iterator[tuple[DocumentRecord, list[NewChunk]]]:
        with self.snapshot() as snap:
            documents = snap.db.execute(
                "SELECT id, doc_id, source, title, language, file_type, content_hash, size,"
                " mtime, chunk_count FROM documents ORDER BY id"
            ).fetchall()
            for doc_row, *fields in documents:
                rows = snap.db.execute(
                    "SELECT id, chunk_id, ordinal, text, section, page, start_char, end_char"
                    " FROM chunks WHERE doc_row = ? ORDER BY ordinal",
                    (doc_row,),
                ).fetchall()
                vectors = vector_file.reconstruct(snap.vectors, [r[0] for r in rows])
                chunks = [
                    NewChunk(chunk_id, ordinal, text, section, page, start, end, vector)
                    for (_r, chunk_id, ordinal, text, section, page, start, end), vector in zip(
                        rows, vectors, strict=True
                    )
                ]
                yield DocumentRecord(*fields), chunks

    def check(self) -> DoctorReport:
        from ingestion.index.sqlite.doctor import check

        return check(self)

    def repair(self, embedder: Any) -> DoctorReport:
        from ingestion.index.sqlite.doctor import repair

        return repair(self, embedder)

    def summary(self) -> dict[str, Any]:
        found = read_summary(self.directory)
        if found is None:
            raise FileNotFoundError(f"no collection at {self.directory}")
        return found

    def _apply(
        self,
        db: sqlite3.Connection,
        vectors: faiss.Index,
        upserts: Sequence[tuple[DocumentRecord, Sequence[tuple[NewChunk, FtsDocument]]]],
        removals: Sequence[str],
    ) -> None:
        """Replace/add ``upserts`` and delete ``removals`` in SQLite and in ``vectors``."""
        replaced = [doc.source for doc, _ in upserts] + list(removals)
        old_rows = self._delete_documents(db, replaced)
        if old_rows:
            vectors.remove_ids(np.asarray(old_rows, dtype=np.int64))
        next_row = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM chunks").fetchone()[0])
        new_ids: list[int] = []
        new_vectors: list[np.ndarray] = []
        now = time.time()
        for doc, chunks in upserts:
            cursor = db.execute(
                "INSERT INTO documents (doc_id, source, title, language, file_type,"
                " content_hash, size, mtime, chunk_count, ingested_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            )
            doc_row = cursor.lastrowid
            rows = list(range(next_row, next_row + len(chunks)))
            next_row += len(chunks)
            db.executemany(
                "INSERT INTO chunks (id, chunk_id, doc_row, ordinal, text, section, page,"
                " start_char, end_char) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (r, c.chunk_id, doc_row, c.ordinal, c.text, c.section, c.page, c.start, c.end)
                    for r, (c, _fts) in zip(rows, chunks, strict=True)
                ],
            )
            db.executemany(
                "INSERT INTO chunks_fts (rowid, terms, prefixes) VALUES (?, ?, ?)",
                [(r, fts.terms, fts.prefixes) for r, (_c, fts) in zip(rows, chunks, strict=True)],
            )
            new_ids.extend(rows)
            new_vectors.extend(c.vector for c, _fts in chunks)
        if new_ids:
            matrix = np.ascontiguousarray(np.stack(new_vectors), dtype=np.float32)
            if matrix.shape[1] != self.dimension:
                raise IndexMismatchError(
                    f"vectors have {matrix.shape[1]} dims; collection expects {self.dimension}"
                )
            vectors.add_with_ids(matrix, np.asarray(new_ids, dtype=np.int64))

    @staticmethod
    def _delete_documents(db: sqlite3.Connection, sources: Sequence[str]) -> list[int]:
        """Delete documents (and their chunks and FTS rows); return the removed chunk rows."""
        removed: list[int] = []
        for source in sources:
            doc = db.execute("SELECT id FROM documents WHERE source = ?", (source,)).fetchone()
            if doc is None:
                continue
            rows = [r for (r,) in db.execute("SELECT id FROM chunks WHERE doc_row = ?", doc)]
            if rows:
                marks = ",".join("?" * len(rows))
                db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", rows)
            db.execute("DELETE FROM documents WHERE id = ?", doc)
            removed.extend(rows)
        return removed

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def chunk_fts(chunk: NewChunk, language: str, title: str) -> FtsDocument:
    """The FTS5 columns of a chunk: its document's title, section heading and text,
    analysed together (text_analysis.lexical_body)."""
    return _fts_columns(title, chunk.section, chunk.text, language)


def _fts_columns(title: str, section: str, text: str, language: str) -> FtsDocument:
    return fts_document(lexical_body(title, section, text), language)


_FTS_BATCH = 1000
"""Chunks analysed per read while every FTS5 row is written again (bounded memory)."""


def write_fts_rows(db: sqlite3.Connection, rows: Sequence[int] | None = None) -> None:
    """(Re)write the FTS5 rows of the chunks ``rows`` (every chunk when None) from their
    stored text, section and document title, inside the caller's write transaction: the
    doctor's repair of missing rows, and a collection made by another LEXICAL_VERSION."""
    if rows is None:
        db.execute("DELETE FROM chunks_fts")
        wanted = [r for (r,) in db.execute("SELECT id FROM chunks ORDER BY id")]
    else:
        wanted = list(rows)
        for start in range(0, len(wanted), _FTS_BATCH):
            part = wanted[start : start + _FTS_BATCH]
            marks = ",".join("?" * len(part))
            db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", part)
    for start in range(0, len(wanted), _FTS_BATCH):
        part = wanted[start : start + _FTS_BATCH]
        marks = ",".join("?" * len(part))
        found = db.execute(
            "SELECT c.id, c.text, c.section, d.title, d.language FROM chunks c"
            f" JOIN documents d ON d.id = c.doc_row WHERE c.id IN ({marks})",
            part,
        ).fetchall()
        analysed = [
            (row, _fts_columns(title, section, text, language))
            for row, text, section, title, language in found
        ]
        db.executemany(
            "INSERT INTO chunks_fts (rowid, terms, prefixes) VALUES (?, ?, ?)",
            [(row, fts.terms, fts.prefixes) for row, fts in analysed],
        )


def read_summary(directory: str | Path) -> dict[str, Any] | None:
    """Size of the collection in ``directory`` without loading FAISS or the embedding model.

    For ``veraz status``, which must stay instant on a big index: documents and chunks
    come from SQLite (read-only), bytes from the folder. None when there is no index there.
    """
    folder = Path(directory)
    db_path = folder / "index.sqlite"
    if not db_path.is_file():
        return None
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        db.execute("BEGIN")
        documents, chunks, last = db.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks),"
            " (SELECT max(ingested_at) FROM documents)"
        ).fetchone()
        meta = dict(db.execute("SELECT key, value FROM meta"))
        db.execute("ROLLBACK")
    finally:
        db.close()
    return {
        "documents": int(documents),
        "chunks": int(chunks),
        "generation": int(meta.get("generation", 0)),
        "embedding_model": stored_model_record(meta).name if meta else "",
        "last_change": last,
        "bytes": _folder_bytes(folder),
    }


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # an old generation removed meanwhile
            total += path.stat().st_size
    return total
