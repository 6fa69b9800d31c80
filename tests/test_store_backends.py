"""The Store protocol, run against both backends: sqlite (folder) and postgres (a real
PostgreSQL 16 + pgvector started by the tests). Each test runs once per store."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from postgres_server import unique_collection
from test_index import DIM, make_doc

from agent import Veraz
from ingestion.index import (
    EmbeddingModelMismatch,
    IndexMismatchError,
    ModelRecord,
    Store,
    StoreLocation,
    collection_names,
    open_store,
)
from ingestion.index.migrate import migrate
from ingestion.index.store import DocumentRecord, NewChunk
from ingestion.text_analysis import lexical_body

MINILM = "all-MiniLM-L6-v2"  # the fast embedder: these tests are about storage
TESTS = str(Path(__file__).parent)


def open_test_store(setting: str, home: Path, name: str, dim: int = DIM) -> Store:
    return open_store(StoreLocation.parse(setting), home, name, model=ModelRecord("m", dim))


def test_commit_search_replace_remove_and_export(store_setting: str, tmp_path: Path) -> None:
    store = open_test_store(store_setting, tmp_path, unique_collection())
    store.commit(
        [
            make_doc("a", ["quantization of weights", "rank of the adapter"]),
            # seed 2: with a's seed its chunk would have a's first vector, and the dense
            # search below a tie that HNSW breaks either way (about 1 run in 16)
            make_doc("b", ["hybrid search with BM25"], seed=2),
        ]
    )
    assert store.counts() == {"documents": 2, "chunks": 3, "vectors": 3}
    with store.read() as view:
        assert view.chunk_count() == 3
        [(row, score)] = view.lexical("quantized weights", "en", 5)
        assert score > 0 and view.chunks([row])[row].text == "quantization of weights"
        exact = view.lexical_for("quantized weights", "en", [row, row + 1])
        assert exact == pytest.approx({row: score, row + 1: 0.0})
        vector = make_doc("a", ["quantization of weights"])[1][0].vector  # seed 0, same vector
        top, cosine = view.dense(vector, 1)[0]
        assert top == row and cosine == pytest.approx(1.0, abs=1e-5)
        assert view.dense_for(vector, [row]) == pytest.approx({row: cosine})
        assert view.languages([row]) == {row: "en"}
    store.commit([make_doc("a", ["only one chunk now"], seed=1)])
    store.commit([], removals=["b"])
    assert store.counts() == {"documents": 1, "chunks": 1, "vectors": 1}
    with store.read() as view:
        assert view.lexical("hybrid search", "en", 5) == []
        assert len(view.lexical("chunk", "en", 5)) == 1
    [(record, chunks)] = list(store.export())
    assert record.source == "a" and [c.text for c in chunks] == ["only one chunk now"]
    assert np.allclose(chunks[0].vector, make_doc("a", ["x"], seed=1)[1][0].vector, atol=1e-6)
    assert [c.text for c in store.iter_chunks()] == ["only one chunk now"]
    assert store.check().ok
    store.close()


def test_a_concurrent_dense_search_sees_its_views_state_from_another_thread(
    store_setting: str, tmp_path: Path
) -> None:
    """The retriever searches the vectors on its embedding thread while BM25 runs on the
    view: that search must see what the view sees, not a commit made since (postgres:
    the view's snapshot, imported on the other thread's own connection)."""
    store = open_test_store(store_setting, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights", "rank of the adapter"])])
    probe = make_doc("b", ["hybrid search with BM25"], seed=2)
    vector = probe[1][0].vector
    found: dict[str, object] = {}

    def run(name: str, work: object) -> None:
        try:
            found[name] = work()  # type: ignore[operator]
        except Exception as exc:  # the assertion below shows it
            found[name] = exc

    with store.read() as view:
        search = view.concurrent_dense()
        writer = threading.Thread(target=run, args=("commit", lambda: store.commit([probe])))
        writer.start()
        writer.join()
        assert found["commit"] is None
        reader = threading.Thread(target=run, args=("beside", lambda: search(vector, 5)))
        reader.start()
        reader.join()
        beside = found["beside"]
        assert isinstance(beside, list) and len(beside) == 2  # b is not in this view
        here = view.dense(vector, 5)
        assert [row for row, _ in beside] == [row for row, _ in here]
        assert [score for _, score in beside] == pytest.approx([score for _, score in here])
    with store.read() as view:
        search = view.concurrent_dense()
        reader = threading.Thread(target=run, args=("after", lambda: search(vector, 5)))
        reader.start()
        reader.join()
        top, cosine = found["after"][0]  # type: ignore[index]
        assert view.chunks([top])[top].text == "hybrid search with BM25"
        assert cosine == pytest.approx(1.0, abs=1e-5)
    store.close()


def test_a_server_that_exports_no_snapshot_searches_after_bm25(
    postgres_url: str, tmp_path: Path
) -> None:
    """A role that may not call ``pg_export_snapshot`` (as behind a proxy that forbids
    it): the view offers no concurrent search, its transaction goes on, and hybrid
    retrieval answers as the superuser's does."""
    import psycopg

    role = f"nosnap_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS vector")  # a superuser's to create
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT CREATE ON DATABASE postgres TO {role}")
        admin.execute(f"GRANT ALL ON SCHEMA public TO {role}")
        if admin.execute("SELECT to_regclass('public.veraz_collections')").fetchone()[0]:
            admin.execute(f"GRANT ALL ON public.veraz_collections TO {role}")
        admin.execute("REVOKE EXECUTE ON FUNCTION pg_export_snapshot() FROM PUBLIC")
    try:
        url = postgres_url.replace("postgresql://postgres:@", f"postgresql://{role}@")
        assert url != postgres_url
        name = unique_collection()
        store = open_test_store(url, tmp_path, name)
        store.commit([make_doc("a", ["quantization of weights", "rank of the adapter"])])
        for _ in range(2):  # found out once, then not asked again
            with store.read() as view:
                assert view.concurrent_dense() is None
                assert view.lexical("quantized weights", "en", 5)  # the transaction goes on
        store.close()
        allowed = open_test_store(postgres_url, tmp_path, name)
        with allowed.read() as view:
            assert view.concurrent_dense() is not None
        allowed.close()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("GRANT EXECUTE ON FUNCTION pg_export_snapshot() TO PUBLIC")


class _AfterLexical:
    """The store, calling ``after`` when a view's BM25 search returns (a long BM25)."""

    def __init__(self, real: Store, after: object) -> None:
        self.real, self.after = real, after

    @contextlib.contextmanager
    def read(self) -> Iterator[object]:
        with self.real.read() as view:
            yield _AfterLexicalView(view, self.after)


class _AfterLexicalView:
    def __init__(self, view: object, after: object) -> None:
        self.view, self.after = view, after

    def lexical(self, *args: object) -> list[tuple[int, float]]:
        found = self.view.lexical(*args)  # type: ignore[attr-defined]
        self.after()  # type: ignore[operator]
        return found

    def __getattr__(self, name: str) -> object:
        return getattr(self.view, name)


class _GatedEmbedder:
    def __init__(self, vector: np.ndarray, gate: threading.Event) -> None:
        self.vector, self.gate = vector, gate

    def embed_query(self, text: str) -> np.ndarray:
        assert self.gate.wait(30)
        return self.vector


def test_a_writer_locking_chunks_then_postings_does_not_hold_a_query(
    postgres_url: str, tmp_path: Path
) -> None:
    """DDL that locks ``chunks`` and then waits for ``postings``, which the query's view
    has read, while the query's dense search waits on ``chunks`` in its side transaction:
    PostgreSQL sees no cycle there (one link is the client waiting on its own thread), so
    the side search gives up after its lock timeout and the view searches, where the
    server sees the deadlock and ends one side. The query must finish (adversarial pass)."""
    import psycopg

    from agent.tools.retriever import HybridRetriever

    store = open_test_store(postgres_url, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights", "rank of the adapter"])])
    schema_sql = f'"{store.schema}"'  # type: ignore[attr-defined]
    vector = make_doc("a", ["quantization of weights"])[1][0].vector
    bm25_returned, chunks_locked = threading.Event(), threading.Event()

    def writer() -> None:
        assert bm25_returned.wait(30)
        with (
            psycopg.connect(postgres_url, autocommit=True) as db,
            contextlib.suppress(psycopg.errors.DeadlockDetected),
            db.transaction(),
        ):
            db.execute(f"LOCK TABLE {schema_sql}.chunks IN ACCESS EXCLUSIVE MODE")
            chunks_locked.set()
            db.execute(f"LOCK TABLE {schema_sql}.postings IN ACCESS EXCLUSIVE MODE")

    def long_bm25() -> None:
        bm25_returned.set()
        assert chunks_locked.wait(30)
        time.sleep(0.5)  # the vector is ready, BM25 still "running"

    retriever = HybridRetriever(
        _AfterLexical(store, long_bm25),  # type: ignore[arg-type]
        _GatedEmbedder(vector, chunks_locked),  # type: ignore[arg-type]
    )
    outcome: dict[str, object] = {}

    def query() -> None:
        try:
            outcome["hits"] = retriever.retrieve("quantized weights", k=2, language="en")
        except Exception as exc:  # the server may end the query's side of the deadlock
            outcome["error"] = exc

    threads = [threading.Thread(target=f, daemon=True) for f in (writer, query)]
    for thread in threads:
        thread.start()
    threads[1].join(20)
    held = threads[1].is_alive()
    if held:  # free the server for the other tests before failing
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LOCK TABLE%' AND pid <> pg_backend_pid()"
            )
    threads[0].join(20)
    store.close()
    assert not held, "the query waited on a lock cycle the server cannot see"
    error = outcome.get("error")
    assert error is None or isinstance(error, psycopg.errors.DeadlockDetected), error


def test_a_store_dropped_unclosed_is_freed_at_once_with_its_connections(
    postgres_url: str, tmp_path: Path
) -> None:
    """No reference cycle through the snapshot sharing (adversarial pass): a server that
    opens a store per request and forgets ``close()`` must not hold its connections,
    the side search's included, until a cyclic garbage collection."""
    import gc
    import weakref

    store = open_test_store(postgres_url, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights"])])
    vector = make_doc("a", ["quantization of weights"])[1][0].vector
    with store.read() as view:
        search = view.concurrent_dense()
        assert search is not None
        side = threading.Thread(target=search, args=(vector, 1))
        side.start()
        side.join()
    del search, view
    freed = weakref.ref(store)
    gc.disable()
    try:
        del store
        assert freed() is None
    finally:
        gc.enable()


def test_a_dropped_connection_does_not_switch_the_concurrent_search_off(
    postgres_url: str, tmp_path: Path
) -> None:
    """The store's first read finds its connection gone (an idle timeout, a restarted
    server): that says nothing about snapshots, the read goes on on a new connection,
    and the next read finds out (adversarial pass)."""
    import psycopg

    store = open_test_store(postgres_url, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights"])])
    pid = store._db().info.backend_pid  # type: ignore[attr-defined]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)
    with store.read() as view:
        assert view.lexical("quantized weights", "en", 5)
    with store.read() as view:
        assert view.concurrent_dense() is not None
    store.close()


def test_a_first_read_inside_an_open_transaction_does_not_decide_the_probe(
    postgres_url: str, tmp_path: Path
) -> None:
    """Asked while a transaction is open on the connection (an unfinished generator of
    the store's, say), the probe would run in a savepoint, which exports no snapshot:
    that says nothing about the server, and a probe at the top level finds out (second
    adversarial pass)."""
    from ingestion.index.postgres.store import SnapshotSharing

    store = open_test_store(postgres_url, tmp_path, unique_collection())
    db = store._db()  # type: ignore[attr-defined]
    sharing = SnapshotSharing()
    with db.transaction():
        db.execute("SELECT 1")
        sharing.probe(db)
        assert sharing.works is None
    sharing.probe(db)
    assert sharing.works is True
    store.close()


def test_spanish_is_stemmed_and_accents_folded(store_setting: str, tmp_path: Path) -> None:
    store = open_test_store(store_setting, tmp_path, unique_collection())
    doc = make_doc("es", ["La tokenización de los modelos en español", "Otro párrafo distinto"])
    doc[0].language = "es"
    store.commit([doc])
    with store.read() as view:
        for query in ("tokenizacion", "modelo", "espanol", "TOKENIZACIÓN"):
            found = view.lexical(query, "es", 5)
            assert len(found) == 1, query
            assert view.chunks([found[0][0]])[found[0][0]].text.startswith("La tokenización")
        assert view.lexical("los de la", "es", 5) == []  # stopwords alone match nothing
    store.close()


def _commit_kickoff_deck(store: Store) -> tuple[DocumentRecord, list[NewChunk]]:
    """A deck whose later slides do not say its title ("Kickoff: asistente de soporte")."""
    record, chunks = make_doc(
        "kickoff.pptx",
        [
            "Kickoff: asistente de soporte\n\nProyecto Atlas",
            "Modelo: Mistral-7B servido con vLLM en una L4",
            "Riesgos: picos de carga los lunes",
        ],
    )
    record.title, record.language = "Kickoff: asistente de soporte", "es"
    store.commit([(record, chunks)])
    return record, chunks


def test_a_chunk_is_found_by_its_documents_title(store_setting: str, tmp_path: Path) -> None:
    """A deck's later slide does not repeat the deck's title, yet a question names it:
    the title is part of every chunk's lexical keys (once: the slide that says it already
    does not count it twice)."""
    store = open_test_store(store_setting, tmp_path, unique_collection())
    record, chunks = _commit_kickoff_deck(store)
    with store.read() as view:
        found = view.lexical("¿Qué modelo usará el asistente de soporte?", "es", 3)
        texts = [view.chunks([row])[row].text for row, _score in found]
        assert texts[0].startswith("Modelo:"), texts
        assert len(view.lexical("asistente", "es", 5)) == 3
    store.close()
    assert lexical_body(record.title, "", chunks[0].text) == "\n" + chunks[0].text


def _age_to_lexical_version_1(store: Store) -> None:
    """Make ``store``'s keys what a Veraz of LEXICAL_VERSION 1 wrote: section and text
    only, and no ``lexical_version`` in ``meta``."""
    if hasattr(store, "db_path"):  # sqlite
        import sqlite3

        from ingestion.text_analysis import fts_document

        db = sqlite3.connect(store.db_path, isolation_level=None)
        rows = db.execute(
            "SELECT c.id, c.section, c.text, d.language FROM chunks c"
            " JOIN documents d ON d.id = c.doc_row"
        ).fetchall()
        db.execute("BEGIN")
        db.execute("DELETE FROM chunks_fts")
        for row, section, text, language in rows:
            fts = fts_document(f"{section}\n{text}", language)
            db.execute(
                "INSERT INTO chunks_fts (rowid, terms, prefixes) VALUES (?, ?, ?)",
                (row, fts.terms, fts.prefixes),
            )
        db.execute("DELETE FROM meta WHERE key = 'lexical_version'")
        db.execute("COMMIT")
        db.close()
        return
    import psycopg

    from ingestion.index.postgres.schema import statistics_statements, term_count_of

    s = f'"{store.schema}"'  # type: ignore[attr-defined]
    with psycopg.connect(store.url, autocommit=False) as db:  # type: ignore[attr-defined]
        db.execute(
            f"UPDATE {s}.chunks c SET terms = {s}.analyse('spanish', c.section || E'\\n' || c.text)"
        )
        db.execute(f"UPDATE {s}.chunks c SET term_count = {term_count_of('c.terms')}")
        for statement in statistics_statements(store.schema):  # type: ignore[attr-defined]
            db.execute(statement)
        db.execute(f"DELETE FROM {s}.meta WHERE key = 'lexical_version'")


def test_a_collection_of_an_older_lexical_analysis_is_analysed_again_once(
    store_setting: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys made before the title joined them (LEXICAL_VERSION 1) are rewritten when the
    collection is opened, all of them: not only the documents ingested after an upgrade,
    which would leave one collection with two analyses."""
    name = unique_collection()
    store = open_test_store(store_setting, tmp_path, name)
    _commit_kickoff_deck(store)
    store.close()
    _age_to_lexical_version_1(store)
    aged = open_store(StoreLocation.parse(store_setting), tmp_path, name, model=None)
    with aged.read() as view:
        assert len(view.lexical("asistente", "es", 5)) == 3
        found = view.lexical("¿Qué modelo usará el asistente de soporte?", "es", 3)
        assert view.chunks([found[0][0]])[found[0][0]].text.startswith("Modelo:")
    assert "analysing its chunks again with version" in caplog.text
    report = aged.check()
    assert report.ok and report.chunks == 3, report
    aged.close()
    caplog.clear()
    again = open_store(StoreLocation.parse(store_setting), tmp_path, name, model=None)
    assert "analysing its chunks again" not in caplog.text  # once
    with again.read() as view:
        assert len(view.lexical("asistente", "es", 5)) == 3
    again.close()


def _set_lexical_version(store: Store, version: str) -> None:
    """Write ``version`` into ``store``'s meta as another process would."""
    if hasattr(store, "db_path"):  # sqlite
        import sqlite3

        db = sqlite3.connect(store.db_path, isolation_level=None)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('lexical_version', ?)", (version,))
        db.close()
        return
    import psycopg

    s = f'"{store.schema}"'  # type: ignore[attr-defined]
    with psycopg.connect(store.url, autocommit=True) as db:  # type: ignore[attr-defined]
        db.execute(f"UPDATE {s}.meta SET value = %s WHERE key = 'lexical_version'", (version,))


def test_a_collection_of_a_newer_lexical_analysis_is_refused_not_rewritten(
    store_setting: str, tmp_path: Path
) -> None:
    """A newer Veraz re-analysed it: rewriting it back would make two releases sharing a
    collection rewrite it on every open."""
    name = unique_collection()
    store = open_test_store(store_setting, tmp_path, name)
    store.commit([make_doc("a", ["quantization of weights"])])
    store.close()
    _set_lexical_version(store, "99")
    with pytest.raises(IndexMismatchError, match="version 99, made by a newer Veraz"):
        open_store(StoreLocation.parse(store_setting), tmp_path, name, model=None)
    _set_lexical_version(store, "2")  # left as it was: nothing rewritten
    again = open_store(StoreLocation.parse(store_setting), tmp_path, name, model=None)
    with again.read() as view:
        assert len(view.lexical("quantization", "en", 5)) == 1
    again.close()


def test_a_process_does_not_write_its_keys_into_a_collection_another_reanalysed(
    store_setting: str, tmp_path: Path
) -> None:
    """A process that opened the collection before another one re-analysed it would add
    keys of its own analysis to it, and the collection would mix two for good."""
    store = open_test_store(store_setting, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights"])])
    _set_lexical_version(store, "3")  # another process, of a newer Veraz
    with pytest.raises(IndexMismatchError, match="open the collection again"):
        store.commit([make_doc("b", ["rank of the adapter"])])
    _set_lexical_version(store, "2")
    assert store.counts()["documents"] == 1
    store.close()


def test_a_read_only_connection_opens_an_older_collection_with_its_old_keys(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A replica or a read-only role cannot re-analyse: it says so and serves the keys it
    has, as it did before versions were recorded; the next writer re-analyses."""
    name = unique_collection()
    store = open_test_store(postgres_url, tmp_path, name)
    record, chunks = make_doc("kickoff.pptx", ["Kickoff", "Modelo: Mistral"])
    record.title, record.language = "Kickoff: asistente de soporte", "es"
    store.commit([(record, chunks)])
    store.close()
    _age_to_lexical_version_1(store)
    separator = "&" if "?" in postgres_url else "?"
    read_only = f"{postgres_url}{separator}options=-c%20default_transaction_read_only%3Don"
    reader = open_store(StoreLocation.parse(read_only), tmp_path, name, model=None)
    assert "cannot rewrite them (read-only)" in caplog.text
    with reader.read() as view:
        assert len(view.lexical("mistral", "es", 5)) == 1  # the old keys, still served
        assert view.lexical("asistente", "es", 5) == []
    reader.close()
    writer = open_store(StoreLocation.parse(postgres_url), tmp_path, name, model=None)
    with writer.read() as view:
        assert len(view.lexical("asistente", "es", 5)) == 2
    writer.close()


def test_the_aged_collection_really_lacks_the_title_before_it_is_reopened(
    store_setting: str, tmp_path: Path
) -> None:
    """The test above would pass without re-analysis if the ageing changed nothing: here,
    read through the already-open store, the aged keys miss the title."""
    store = open_test_store(store_setting, tmp_path, unique_collection())
    record, chunks = make_doc("kickoff.pptx", ["Kickoff", "Modelo: Mistral", "Riesgos"])
    record.title, record.language = "Kickoff: asistente de soporte", "es"
    store.commit([(record, chunks)])
    with store.read() as view:
        assert len(view.lexical("asistente", "es", 5)) == 3
    _age_to_lexical_version_1(store)
    with store.read() as view:
        assert view.lexical("asistente", "es", 5) == []
    store.close()


@pytest.mark.parametrize(
    ("title", "section", "text"),
    [
        ("Kickoff: asistente", "", "Modelo: Mistral"),
        ("Guía", "Guía", "cuerpo"),
        ("", "Sección", "texto"),
        ("notas", "", "Las notas de clase"),
        ("it's \\ 100%", "a", "b"),
    ],
)
def test_postgres_analyses_the_same_body_as_the_client(
    postgres_url: str, title: str, section: str, text: str
) -> None:
    """The server's SQL (schema.ANALYSED_BODY, the doctor's repair) and the client's
    string (the analysis pool, the sqlite backend) must be one text, or the same chunk
    gets different keys depending on the path that wrote it."""
    import psycopg

    from ingestion.index.postgres.schema import analysed_body_sql

    with psycopg.connect(postgres_url, autocommit=True) as db:
        [(server,)] = db.execute(
            f"SELECT {analysed_body_sql('%(t)s::text', '%(s)s::text', '%(x)s::text')}",
            {"t": title, "s": section, "x": text},
        ).fetchall()
    assert server == lexical_body(title, section, text)


def test_another_embedding_model_is_refused(store_setting: str, tmp_path: Path) -> None:
    name = unique_collection()
    open_test_store(store_setting, tmp_path, name).commit([make_doc("a", ["text"])])
    location = StoreLocation.parse(store_setting)
    with pytest.raises(EmbeddingModelMismatch, match="VERAZ_EMBEDDING_MODEL=m"):
        open_store(location, tmp_path, name, model=ModelRecord("other", DIM))
    assert open_store(location, tmp_path, name, model=None).model.name == "m"
    assert name in collection_names(location, tmp_path)


def write_notes(folder: Path, numbers: range, round_: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / f"nota{n:02d}.md").write_text(
            f"# Nota {n}\n\nEn la ronda {round_} el sensor {n} del almacén marcó "
            f"{n * 7 + round_} grados. El adaptador {n} usa rango {n % 5}.\n",
            encoding="utf-8",
        )


def veraz_for(setting: str, home: Path, collection: str) -> Veraz:
    return Veraz(home=home, collection=collection, store=setting, embedding_model=MINILM)


def test_ingest_incremental_prune_and_doctor(store_setting: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_notes(docs, range(6))
    rag = veraz_for(store_setting, tmp_path / "home", unique_collection())
    first = rag.ingest([docs])
    assert (first.added, first.failed) == (6, [])
    again = rag.ingest([docs])
    assert (again.unchanged, again.added, again.updated, again.embedded) == (6, 0, 0, 0)
    write_notes(docs, range(2, 3), round_=1)
    (docs / "nota05.md").unlink()
    changed = rag.ingest([docs], prune=True)
    assert (changed.updated, changed.removed, changed.unchanged) == (1, 1, 4)
    stats = rag.stats()
    assert (stats["documents"], stats["chunks"]) == (5, stats["vectors"])
    hits = rag.retrieve("¿Cuántos grados marcó el sensor 2?", k=1)
    assert hits[0].source.endswith("nota02.md") and "ronda 1" in hits[0].text
    assert rag.index.check().ok
    rag.close()


KILLED_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_index import make_doc
    from ingestion.index import ModelRecord, StoreLocation, open_store

    location = StoreLocation.parse({setting!r})
    store = open_store(location, {home!r}, {name!r}, model=ModelRecord("m", 8))
    if location.kind == "sqlite":
        from ingestion.index.sqlite import vector_file
        real_write = vector_file.write_index_atomically
        def write_then_die(index, path):
            real_write(index, path)                 # the new FAISS generation is on disk,
            os.kill(os.getpid(), signal.SIGKILL)    # SQLite has not committed
        vector_file.write_index_atomically = write_then_die
    else:
        from ingestion.index.postgres.store import PostgresStore
        real_count = PostgresStore._count_terms
        def count_then_die(self, db, rows, *, sign):
            real_count(self, db, rows, sign=sign)
            if sign > 0:                            # chunks inserted, transaction open
                os.kill(os.getpid(), signal.SIGKILL)
        PostgresStore._count_terms = count_then_die
    store.commit([make_doc("new", ["brand new text"] * 5, seed=9)], removals=["a"])
    """
)


def test_sigkill_during_a_commit_leaves_the_previous_state(
    store_setting: str, tmp_path: Path
) -> None:
    name = unique_collection()
    store = open_test_store(store_setting, tmp_path, name)
    store.commit([make_doc("a", ["quantization of weights", "adapter rank"])])
    store.close()
    script = KILLED_COMMIT.format(tests=TESTS, setting=store_setting, home=str(tmp_path), name=name)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    reopened = open_test_store(store_setting, tmp_path, name)
    assert reopened.counts() == {"documents": 1, "chunks": 2, "vectors": 2}
    assert reopened.check().ok
    with reopened.read() as view:
        assert len(view.lexical("quantization", "en", 5)) == 1
        assert view.lexical("brand", "en", 5) == []
    reopened.commit([make_doc("new", ["brand new text"], seed=3)])
    assert reopened.counts()["documents"] == 2 and reopened.check().ok
    reopened.close()


def test_eight_readers_during_an_ingest_run(store_setting: str, tmp_path: Path) -> None:
    """Queries in 8 threads answer from a committed state while a run ingests."""
    home, name = tmp_path / "home", unique_collection()
    write_notes(tmp_path / "docs", range(4))
    rag = veraz_for(store_setting, home, name)
    rag.ingest([tmp_path / "docs"])
    write_notes(tmp_path / "more", range(10, 26))
    errors: list[str] = []
    answered = [0] * 8
    finished = threading.Event()
    ready = threading.Barrier(9)

    def ask(number: int) -> None:
        reader = veraz_for(store_setting, home, name) if number % 2 else rag
        reader.retrieve("sensor del almacén", 3)
        ready.wait()
        while not finished.is_set():
            try:
                counts = reader.index.counts()
                assert counts["chunks"] == counts["vectors"], counts
                hits = reader.retrieve("¿Qué rango usa el adaptador?", 3)
                assert hits and all(h.text for h in hits)
            except Exception:
                errors.append(traceback.format_exc())
                return
            answered[number] += 1
        if reader is not rag:
            reader.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    report = rag.ingest([tmp_path / "more"])
    finished.set()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors[0]
    assert all(answered), answered
    assert (report.added, report.failed) == (16, [])
    assert rag.stats()["documents"] == 20 and rag.index.check().ok
    rag.close()


TWO_WRITERS = textwrap.dedent(
    """
    import sys
    from agent import Veraz
    rag = Veraz(home={home!r}, collection={name!r}, store={setting!r},
                embedding_model="all-MiniLM-L6-v2")
    for round_ in range(3):
        report = rag.ingest([sys.argv[1]])
        assert not report.failed, report.failed
    print("DONE", flush=True)
    """
)


@pytest.mark.slow
def test_two_writers_ingest_into_one_collection(store_setting: str, tmp_path: Path) -> None:
    """Two processes ingest different folders into one collection at the same time, while
    8 threads of a third keep asking it: no error, no chunk lost or stored twice."""
    home, name = tmp_path / "home", unique_collection()
    write_notes(tmp_path / "one", range(0, 12))
    write_notes(tmp_path / "two", range(50, 62))
    reader = veraz_for(store_setting, home, name)
    reader.ingest([tmp_path / "one"])  # created, warm cache
    script = TWO_WRITERS.format(home=str(home), name=name, setting=store_setting)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    stop, failures, answered = threading.Event(), [], []

    def ask() -> None:
        while not stop.is_set():
            try:
                answered.append(bool(reader.retrieve("¿Cuántos grados marcó el sensor 3?", k=3)))
            except Exception as exc:  # any error here is the failure this test looks for
                failures.append(repr(exc))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for folder in ("one", "two")
    ]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == [] and answered and all(answered)
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0 and b"DONE" in out, err.decode()[-2000:]
    rag = veraz_for(store_setting, home, name)
    stats = rag.stats()
    report = rag.index.check()
    assert stats["documents"] == 24 and stats["chunks"] == stats["vectors"] == report.chunks
    assert report.ok, report.to_dict()
    rag.close()


def test_migrate_both_ways_without_embedding(postgres_url: str, tmp_path: Path) -> None:
    """sqlite -> postgres -> sqlite: the same documents, chunks, vectors and answers."""
    write_notes(tmp_path / "docs", range(8))
    name = unique_collection()
    embedded = veraz_for("sqlite", tmp_path / "home", name)
    embedded.ingest([tmp_path / "docs"])
    question = "¿Cuántos grados marcó el sensor 3?"
    expected = [h.chunk_id for h in embedded.retrieve(question, k=3)]
    location = StoreLocation.parse(postgres_url)
    shared = open_store(location, tmp_path, name, model=embedded.index.model)
    first = migrate(embedded.index, shared)
    assert (first.documents, first.copied, first.skipped) == (8, 8, 0)
    assert migrate(embedded.index, shared).skipped == 8  # a second run resumes: nothing to do
    served = veraz_for(postgres_url, tmp_path / "home", name)
    assert [h.chunk_id for h in served.retrieve(question, k=3)][:1] == expected[:1]
    assert served.stats()["chunks"] == embedded.stats()["chunks"]
    back_home = tmp_path / "home-back"
    back = open_store(StoreLocation.parse("sqlite"), back_home, name, model=shared.model)
    assert migrate(shared, back).copied == 8
    sqlite_again = veraz_for("sqlite", back_home, name)
    assert [h.chunk_id for h in sqlite_again.retrieve(question, k=3)] == expected
    assert sqlite_again.index.check().ok
    for opened in (embedded, served, sqlite_again, shared, back):
        opened.close()


def test_threads_persist_in_postgres(postgres_url: str, tmp_path: Path) -> None:
    """A thread started by one Veraz continues in another process's Veraz (same store)."""
    write_notes(tmp_path / "docs", range(4))
    name = unique_collection()
    first = veraz_for(postgres_url, tmp_path / "home-a", name)
    first.ingest([tmp_path / "docs"])
    thread = unique_collection("thread")
    first.ask("¿Cuántos grados marcó el sensor 2?", thread_id=thread)
    first.close()
    other = veraz_for(postgres_url, tmp_path / "home-b", name)  # another home: only the DB
    state = other._graphs["threads"].get_state({"configurable": {"thread_id": thread}})
    assert [turn["question"] for turn in state.values["history"]] == [
        "¿Cuántos grados marcó el sensor 2?"
    ]
    assert not (tmp_path / "home-a" / "threads.sqlite").exists()
    other.close()


def test_bad_store_urls_are_one_clear_line(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from ingestion.index import StoreUnavailable

    with pytest.raises(ValidationError, match="neither 'sqlite' nor a postgresql:// URL"):
        Veraz(home=tmp_path, store="mysql://x")
    rag = Veraz(home=tmp_path, store="postgresql://veraz:secret@127.0.0.1:9/none")
    with pytest.raises(StoreUnavailable, match=r"veraz:\*\*\*@127\.0\.0\.1:9/none") as caught:
        rag.index  # noqa: B018
    assert "secret" not in str(caught.value)


def test_doctor_repairs_a_damaged_postgres_collection(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    store = open_test_store(postgres_url, tmp_path, unique_collection())
    store.commit([make_doc("a", ["quantization of weights", "adapter rank"])])
    s = f'"{store.schema}"'  # type: ignore[attr-defined]
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"UPDATE {s}.chunks SET embedding = NULL WHERE ordinal = 0")
        db.execute(f"DELETE FROM {s}.term_stats WHERE term = 'quantiz'")
        db.execute(f"UPDATE {s}.documents SET chunk_count = 7")
    found = store.check()
    assert len(found.missing_vectors) == 1 and found.wrong_chunk_counts == ["a"]
    assert found.wrong_term_statistics == ["df of 'quantiz'"]

    class Embedder:
        def embed(self, texts: list[str]) -> tuple[np.ndarray, int]:
            return np.stack([make_doc("a", [t])[1][0].vector for t in texts]), len(texts)

    repaired = store.repair(Embedder())
    assert repaired.repaired and store.check().ok
    with store.read() as view:
        assert len(view.lexical("quantization", "en", 5)) == 1
    store.close()
