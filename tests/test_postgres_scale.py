"""The postgres store's paths for big collections, against a real PostgreSQL + pgvector:
set-based BM25 (postings) ranks exactly as format 1's per-chunk function did, the bulk
load builds the same collection as the transactional path, format 1 and 2 collections
are upgraded when opened, the chunk count a query reads is kept whole, and ``migrate``
takes the bulk path into an empty collection."""

from __future__ import annotations

import dataclasses
import random
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg
import pytest
from postgres_server import unique_collection

from ingestion.index import ModelRecord, StoreLocation, open_store
from ingestion.index.migrate import migrate
from ingestion.index.postgres import analysis_pool, bulk, lexical, schema
from ingestion.index.postgres.store import PostgresStore
from ingestion.index.store import DocumentRecord, NewChunk

DIM = 8

# Words of both languages, some accented, drawn with skewed weights so document
# frequencies spread from one chunk to most of them.
_WORDS = {
    "es": [
        "búsqueda",
        "índice",
        "modelo",
        "datos",
        "pregunta",
        "respuesta",
        "fragmento",
        "párrafo",
        "vector",
        "memoria",
        "caché",
        "servidor",
        "página",
        "sección",
        "árbol",
        "canción",
        "niño",
        "camión",
        "acción",
        "lenguaje",
    ],
    "en": [
        "search",
        "index",
        "model",
        "data",
        "question",
        "answer",
        "chunk",
        "paragraph",
        "vector",
        "memory",
        "cache",
        "server",
        "page",
        "section",
        "tree",
        "song",
        "child",
        "truck",
        "action",
        "language",
    ],
}
_GLUE = {
    "es": ["de", "la", "que", "el", "en", "y", "los", "para", "con"],
    "en": ["the", "of", "and", "to", "in", "is", "for", "with"],
}

QUERIES = [
    ("¿Qué índice de búsqueda usa el modelo?", "es"),
    ("busqueda indice", "es"),
    ("la canción del niño en el camión", "es"),
    ("Which cache does the server use for the search index?", "en"),
    ("paragraph vector memory", "en"),
    ("tree", "en"),
]

# Format 1's per-chunk BM25 (schema.py before format 2), the reference the set-based
# statement must reproduce.
_FORMAT_1_BM25 = """
CREATE FUNCTION {s}.bm25_format1(terms JSONB, keys TEXT[], idfs FLOAT8[], norm FLOAT8)
RETURNS FLOAT8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    t JSONB := terms || '{{}}'::jsonb;
    total FLOAT8 := 0;
    tf FLOAT8;
BEGIN
    FOR i IN 1 .. cardinality(keys) LOOP
        tf := (t ->> keys[i])::float8;
        IF tf IS NOT NULL THEN
            total := total + idfs[i] * tf * 2.2 / (tf + norm);
        END IF;
    END LOOP;
    RETURN total;
END $$
"""


def corpus(documents: int, seed: int = 0) -> list[tuple[DocumentRecord, list[NewChunk]]]:
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    out = []
    for d in range(documents):
        lang = "es" if d % 2 == 0 else "en"
        chunks = []
        for ordinal in range(3):
            words = [
                rng.choice(_GLUE[lang])
                if rng.random() < 0.3
                else rng.choices(
                    _WORDS[lang], weights=[1 / (r + 1) for r in range(len(_WORDS[lang]))]
                )[0]
                for _ in range(rng.randint(5, 40))
            ]
            text = " ".join(words).capitalize() + "."
            vector = vectors.standard_normal(DIM).astype(np.float32)
            chunks.append(
                NewChunk(
                    chunk_id=f"c{d}-{ordinal}",
                    ordinal=ordinal,
                    text=text,
                    section="",
                    page=None,
                    start=0,
                    end=len(text),
                    vector=vector / np.linalg.norm(vector),
                )
            )
        record = DocumentRecord(
            doc_id=f"d{d}",
            source=f"/corpus/d{d}.{lang}.txt",
            title=f"d{d}",
            language=lang,
            file_type="txt",
            content_hash=f"{d:064x}",
            size=1,
            mtime=0.0,
        )
        out.append((record, chunks))
    return out


def open_postgres(url: str, tmp_path: Path, name: str | None = None) -> PostgresStore:
    store = open_store(
        StoreLocation.parse(url), tmp_path, name or unique_collection(), model=ModelRecord("m", DIM)
    )
    assert isinstance(store, PostgresStore)
    return store


def rankings(store: PostgresStore) -> list[list[tuple[int, float]]]:
    """Top 20 BM25 (chunk ids mapped to chunk_id for comparing collections)."""
    out = []
    with store.read() as view:
        for query, language in QUERIES:
            found = view.lexical(query, language, 20)
            names = {row: c.chunk_id for row, c in view.chunks([r for r, _ in found]).items()}
            out.append([(names[row], round(score, 9)) for row, score in found])
    return out


def test_set_based_bm25_reproduces_the_per_chunk_function(postgres_url: str, tmp_path: Path):
    store = open_postgres(postgres_url, tmp_path)
    store.commit(corpus(60))
    s = store._s
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(_FORMAT_1_BM25.format(s=s))
    with store.read() as view:
        avgdl = view._stats()[1]
        for query, language in QUERIES:
            planned = view._plan(query, language)
            assert planned is not None, query
            reference = view.db.execute(
                f"SELECT id, {s}.bm25_format1(terms, %(keys)s, %(idfs)s,"
                f" {lexical.K1} * ({1 - lexical.B} + {lexical.B} * term_count / %(avgdl)s)) AS sc"
                f" FROM {s}.chunks WHERE terms ?| %(cand)s ORDER BY sc DESC, id",
                {
                    "keys": planned.keys,
                    "idfs": planned.idfs,
                    "avgdl": avgdl,
                    "cand": planned.candidate_keys,
                },
            ).fetchall()
            expected = [(row, score) for row, score in reference if score > 0]
            found = view.lexical(query, language, len(expected) + 5)
            assert [row for row, _ in found] == [row for row, _ in expected], query
            assert np.allclose([sc for _, sc in found], [sc for _, sc in expected], rtol=1e-12)
            # Under CANDIDATE_BUDGET matching chunks the candidate cut changes nothing.
            exact = view.lexical_exact(query, language, len(expected) + 5)
            assert [row for row, _ in exact] == [row for row, _ in found], query
            assert np.allclose([sc for _, sc in exact], [sc for _, sc in found], rtol=1e-12)
            rows = [row for row, _ in expected[:7]] + [999_999]
            scores = view.lexical_for(query, language, rows)
            assert scores[999_999] == 0.0
            for row, score in expected[:7]:
                assert scores[row] == pytest.approx(score, rel=1e-12)
    store.close()


def _with_odd_sections(
    documents: list[tuple[DocumentRecord, list[NewChunk]]],
) -> list[tuple[DocumentRecord, list[NewChunk]]]:
    """Headings that a client-built body and JSON keys must carry unchanged: quotes,
    backslashes, a newline, accents, a lone surrogate-free emoji."""
    odd = ['Capítulo "1": \\ índice', "it's O'Brien's\nsección", "Ünïcödé ✓ 🚀", ""]
    return [
        (doc, [dataclasses.replace(c, section=odd[(i + c.ordinal) % len(odd)]) for c in chunks])
        for i, (doc, chunks) in enumerate(documents)
    ]


def _keys_by_chunk(store: PostgresStore, url: str | None = None) -> dict[str, tuple[object, int]]:
    with psycopg.connect(url or store.url, autocommit=True) as db:
        rows = db.execute(f"SELECT chunk_id, terms, term_count FROM {store._s}.chunks").fetchall()
    return {chunk_id: (terms, count) for chunk_id, terms, count in rows}


def test_bulk_load_builds_what_the_transactional_path_builds(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = _with_odd_sections(corpus(80))
    one_by_one = open_postgres(postgres_url, tmp_path)
    for start in range(0, len(documents), 10):
        one_by_one.commit(documents[start : start + 10])
    assert one_by_one.last_load["path"] == "transactional"

    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 100)
    # Slices of 7 chunks: a batch spreads over both connections and comes back in order.
    monkeypatch.setattr(analysis_pool, "SLICE_CHUNKS", 7)
    loaded = open_postgres(postgres_url, tmp_path)
    loaded.commit(documents)  # 240 chunks into an empty collection: the bulk path
    assert loaded.last_load["path"] == "bulk"
    assert loaded.last_load["chunks"] == 240
    assert loaded.last_load["analysis_connections"] >= 2
    assert set(loaded.relation_sizes()) >= {"postings_term", "chunks_embedding"}
    assert _key_collations(postgres_url, loaded) == {"postings": "C", "term_stats": "C"}

    # The keys analysed on the pool's connections are the keys the database computes.
    assert _keys_by_chunk(loaded) == _keys_by_chunk(one_by_one)
    assert rankings(loaded) == rankings(one_by_one)
    query = documents[3][1][1].vector
    with loaded.read() as a, one_by_one.read() as b:
        names_a = a.chunks([r for r, _ in a.dense(query, 5)])
        names_b = b.chunks([r for r, _ in b.dense(query, 5)])
        assert [c.chunk_id for c in names_a.values()] == [c.chunk_id for c in names_b.values()]
        assert [r for r, _ in a.dense(query, 5)] == [r for r, _ in a.dense_exact(query, 5)]
    assert loaded.check().ok and one_by_one.check().ok

    # Then writes take the transactional path and keep the statistics whole.
    loaded.commit(corpus(3, seed=5), removals=[documents[0][0].source])
    assert loaded.last_load["path"] == "transactional"
    report = loaded.check()
    assert report.ok, report
    with pytest.raises(bulk.CollectionNotEmpty, match="empty collections only"):
        loaded.bulk_load([documents[:1]])
    loaded.close()
    one_by_one.close()


def test_index_builds_take_one_worker_per_core_beside_the_leader() -> None:
    assert bulk.maintenance_workers(8, cores=2) == 1
    assert bulk.maintenance_workers(8, cores=1) == 0
    assert bulk.maintenance_workers(8, cores=64) == bulk.MAX_MAINTENANCE_WORKERS
    assert bulk.maintenance_workers(3, cores=64) == 3  # the server's max_parallel_workers


def _backends(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchone()[0]


def test_a_bulk_load_whose_analysis_fails_leaves_the_collection_empty_and_whole(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 100)
    monkeypatch.setattr(analysis_pool, "SLICE_CHUNKS", 10)
    documents = corpus(60)
    store = open_postgres(postgres_url, tmp_path)
    store.counts()
    before = _backends(postgres_url)
    real = schema.configuration
    # English documents name a configuration the server does not have: their slices
    # fail on the pool's connections, after Spanish slices have succeeded.
    monkeypatch.setattr(
        schema, "configuration", lambda language: "no_such" if language == "en" else real(language)
    )
    with pytest.raises(psycopg.errors.UndefinedObject, match="no_such"):
        store.commit(documents)
    assert store.counts()["chunks"] == 0
    assert set(store.relation_sizes()) >= {"postings_term", "chunks_embedding"}
    assert _backends(postgres_url) == before  # the pool's connections are closed

    monkeypatch.setattr(schema, "configuration", real)
    store.commit(documents)
    assert store.last_load["path"] == "bulk"
    assert store.counts()["chunks"] == 180
    assert store.check().ok
    store.close()


def _limited_role_url(postgres_url: str, limit: int) -> tuple[str, str]:
    """A database of its own, owned by a new role allowed ``limit`` connections: the URL
    of the role, and of the server's superuser, to that database."""
    role = f"lim_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' CONNECTION LIMIT {limit}")
        db.execute(f"CREATE DATABASE {role} OWNER {role}")
    parts = urlsplit(postgres_url)
    port = f":{parts.port}" if parts.port else ""
    url = urlunsplit(
        parts._replace(netloc=f"{role}:pw@{parts.hostname or ''}{port}", path=f"/{role}")
    )
    admin = urlunsplit(parts._replace(path=f"/{role}"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute("CREATE EXTENSION vector")
    return url, admin


@pytest.mark.parametrize(("limit", "pool"), [(2, 1), (1, 0)])
def test_a_bulk_load_takes_the_connections_the_server_grants(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, pool: int
) -> None:
    """A role's CONNECTION LIMIT leaves the analysis pool smaller, or empty (the load's
    own transaction analyses): the load still takes the bulk path and the same keys."""
    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 100)
    monkeypatch.setenv("VERAZ_ANALYSIS_CONNECTIONS", "2")
    documents = corpus(50)
    url, admin = _limited_role_url(postgres_url, limit)
    store = open_postgres(url, tmp_path)
    store.commit(documents)
    assert store.last_load["path"] == "bulk"
    assert store.last_load["analysis_connections"] == pool
    assert store.check().ok
    one_by_one = open_postgres(postgres_url, tmp_path)
    for start in range(0, len(documents), 10):
        one_by_one.commit(documents[start : start + 10])
    assert _keys_by_chunk(store, admin) == _keys_by_chunk(one_by_one)
    store.close()
    one_by_one.close()


@pytest.mark.parametrize("value", ["x", "-1", "9", "²"])
def test_a_wrong_analysis_connection_count_is_one_line_naming_it(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 100)
    monkeypatch.setenv("VERAZ_ANALYSIS_CONNECTIONS", value)
    store = open_postgres(postgres_url, tmp_path)
    with pytest.raises(ValueError, match=r"VERAZ_ANALYSIS_CONNECTIONS=.*0 to 8"):
        store.commit(corpus(40))
    assert store.counts()["chunks"] == 0
    monkeypatch.setenv("VERAZ_ANALYSIS_CONNECTIONS", "0")
    store.commit(corpus(40))
    assert store.last_load == {**store.last_load, "path": "bulk", "analysis_connections": 0}
    assert store.check().ok
    store.close()


def test_a_damaged_postings_table_is_found_and_repaired(postgres_url: str, tmp_path: Path):
    store = open_postgres(postgres_url, tmp_path)
    store.commit(corpus(10))
    before = rankings(store)
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(
            f"DELETE FROM {store._s}.postings"
            f" WHERE chunk IN (SELECT min(id) FROM {store._s}.chunks)"
        )
    report = store.check()
    assert not report.ok
    assert any(problem.startswith("postings of") for problem in report.wrong_term_statistics)
    store.repair(embedder=None)
    assert store.check().ok
    assert rankings(store) == before
    store.close()


LEFT_BEHIND = {
    "format 1": [
        "DROP TABLE {s}.postings",
        "CREATE INDEX chunks_terms ON {s}.chunks USING gin (terms)",
        "UPDATE {s}.meta SET value = '1' WHERE key = 'schema_version'",
    ],
    "format 2": [
        "DELETE FROM {s}.meta WHERE key = 'chunk_total'",
        "UPDATE {s}.meta SET value = '2' WHERE key = 'schema_version'",
    ],
    # format 3: keys under the database's collation
    "format 3": [
        'ALTER TABLE {s}.postings ALTER COLUMN term TYPE TEXT COLLATE "default"',
        'ALTER TABLE {s}.term_stats ALTER COLUMN term TYPE TEXT COLLATE "default"',
        "UPDATE {s}.meta SET value = '3' WHERE key = 'schema_version'",
    ],
    # format 4 whose totals were deleted by hand: counted again rather than a KeyError
    "totals deleted": ["DELETE FROM {s}.meta WHERE key IN ('chunk_total', 'term_tokens')"],
}


@pytest.mark.parametrize("left", LEFT_BEHIND)
def test_an_older_or_damaged_collection_is_brought_to_the_current_format_when_opened(
    postgres_url: str, tmp_path: Path, left: str
) -> None:
    name = unique_collection()
    store = open_postgres(postgres_url, tmp_path, name)
    store.commit(corpus(20))
    before = rankings(store)
    store.close()
    s = store._s
    with psycopg.connect(postgres_url, autocommit=True) as db:
        for statement in LEFT_BEHIND[left]:
            db.execute(statement.format(s=s))
    reopened = open_postgres(postgres_url, tmp_path, name)
    assert rankings(reopened) == before
    assert reopened.check().ok
    assert "chunks_terms" not in reopened.relation_sizes()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        meta = dict(db.execute(f"SELECT key, value FROM {s}.meta").fetchall())
    assert meta["schema_version"] == schema.SCHEMA_VERSION
    assert meta["chunk_total"] == "60"
    assert _key_collations(postgres_url, reopened) == {"postings": "C", "term_stats": "C"}
    reopened.close()


def _key_collations(url: str, store: PostgresStore) -> dict[str, str]:
    with psycopg.connect(url, autocommit=True) as db:
        return dict(
            db.execute(
                "SELECT table_name, collation_name FROM information_schema.columns"
                " WHERE table_schema = %s AND column_name = 'term'",
                (store.schema,),
            ).fetchall()
        )


def _vector_storage(url: str, store: PostgresStore) -> str:
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            "SELECT attstorage FROM pg_attribute"
            f" WHERE attrelid = '{store._s}.chunks'::regclass AND attname = 'embedding'"
        ).fetchone()[0]


def test_small_vectors_are_kept_in_their_rows(postgres_url: str, tmp_path: Path) -> None:
    """Up to INLINE_VECTOR_MAX_DIMENSION dimensions a vector stays in its chunk's row
    (STORAGE PLAIN: a search's results and the dense scores read no TOAST); a larger one
    keeps pgvector's default, since it could not fit in a row."""
    store = open_postgres(postgres_url, tmp_path)
    store.commit(corpus(3))
    assert _vector_storage(postgres_url, store) == "p"
    wide = open_store(
        StoreLocation.parse(postgres_url),
        tmp_path,
        unique_collection(),
        model=ModelRecord("wide", schema.INLINE_VECTOR_MAX_DIMENSION + 100),
    )
    assert isinstance(wide, PostgresStore)
    assert _vector_storage(postgres_url, wide) == "e"
    # an upgraded collection keeps its new rows' vectors in place too
    name = unique_collection()
    old = open_postgres(postgres_url, tmp_path, name)
    old.commit(corpus(3))
    old.close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"ALTER TABLE {old._s}.chunks ALTER COLUMN embedding SET STORAGE EXTERNAL")
        db.execute(f"UPDATE {old._s}.meta SET value = '2' WHERE key = 'schema_version'")
    reopened = open_postgres(postgres_url, tmp_path, name)
    assert _vector_storage(postgres_url, reopened) == "p"
    for opened in (store, wide, reopened):
        opened.close()


def test_the_chunk_count_follows_every_write_and_the_doctor_checks_it(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 30)
    store = open_postgres(postgres_url, tmp_path)
    documents = corpus(12)
    store.commit(documents)  # 36 chunks: the bulk path
    assert store.last_load["path"] == "bulk"
    store.commit(corpus(2, seed=3), removals=[documents[0][0].source, documents[1][0].source])
    store.commit(documents[5:6])  # replaces a document by itself
    with store.read() as view:
        assert view.chunk_count() == 36 - 6 + 6
        assert view.chunk_count() == len(store.chunk_texts())
    assert store.check().ok
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"UPDATE {store._s}.meta SET value = '7' WHERE key = 'chunk_total'")
    report = store.check()
    assert "chunk count 7 (the collection holds 36)" in report.wrong_term_statistics
    store.repair(embedder=None)
    assert store.check().ok
    with store.read() as view:
        assert view.chunk_count() == 36
    store.close()


def test_migrate_into_an_empty_postgres_collection_takes_the_bulk_path(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 50)
    name = unique_collection()
    source = open_store(StoreLocation.parse("sqlite"), tmp_path, name, model=ModelRecord("m", DIM))
    documents = corpus(40)
    source.commit(documents)
    target = open_postgres(postgres_url, tmp_path, name)
    report = migrate(source, target)
    assert report.path == "bulk"
    assert (report.documents, report.chunks, report.copied) == (40, 120, 40)
    assert target.counts() == {"documents": 40, "chunks": 120, "vectors": 120}
    assert target.check().ok
    again = migrate(source, target)  # nothing to do: the per-batch path skips all
    assert (again.path, again.skipped, again.copied) == ("transactional", 40, 0)
    # The same collection as one built commit by commit.
    reference = open_postgres(postgres_url, tmp_path)
    for start in range(0, len(documents), 10):  # 30 chunks a commit: under the threshold
        reference.commit(documents[start : start + 10])
    assert reference.last_load["path"] == "transactional"
    assert rankings(target) == rankings(reference)
    for store in (source, target, reference):
        store.close()


def test_dense_search_is_never_a_cached_plan(postgres_url: str, tmp_path: Path) -> None:
    """psycopg prepares a statement run five times, and PostgreSQL may then reuse a plan
    made under other settings: a plan made while ``dense_exact`` had index scans off
    turned every later HNSW search into an exact scan (the recall measured at 100k
    swung from 0.72 to 1.0 on one index). The server holds no prepared dense search."""
    store = open_postgres(postgres_url, tmp_path)
    documents = corpus(30)
    store.commit(documents)
    query = documents[2][1][0].vector
    with store.read() as view:
        for _ in range(12):
            view.dense_exact(query, 5)
            view.dense(query, 5)
        prepared = view.db.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ("%<=>%",),
        ).fetchone()[0]
        plan = view.db.execute(
            f"EXPLAIN SELECT id FROM {store._s}.chunks ORDER BY embedding <=> %s LIMIT 5",
            (query,),
            prepare=False,
        ).fetchall()
    assert prepared == 0
    assert any("chunks_embedding" in line for (line,) in plan)  # the HNSW index, not a scan
    store.close()


def _graph_options(url: str, store: PostgresStore) -> list[str]:
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            f"SELECT reloptions FROM pg_class WHERE oid = '{store._s}.chunks_embedding'::regclass"
        ).fetchone()[0]


def test_the_graph_settings_of_the_store_url_build_and_search_the_graph(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hnsw_m``, ``hnsw_ef_construction`` and ``hnsw_ef_search`` in VERAZ_STORE reach
    the graph on both write paths and every search; libpq never sees them."""
    joiner = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{joiner}hnsw_m=8&hnsw_ef_construction=40&hnsw_ef_search=60"
    grown = open_postgres(url, tmp_path)
    grown.commit(corpus(3))
    assert grown.last_load["path"] == "transactional"
    assert _graph_options(postgres_url, grown) == ["m=8", "ef_construction=40"]
    query = corpus(3)[0][1][0].vector
    with grown.read() as view:
        assert view.db.execute("SHOW hnsw.ef_search").fetchone()[0] == "60"
        view.dense_at(query, 5, ef_search=400)
        assert view.db.execute("SHOW hnsw.ef_search").fetchone()[0] == "60"
        assert [r for r, _ in view.dense(query, 5)] == [r for r, _ in view.dense_exact(query, 5)]

    monkeypatch.setattr(bulk, "BULK_MIN_CHUNKS", 100)
    loaded = open_postgres(url, tmp_path)
    loaded.commit(corpus(40))
    assert loaded.last_load["path"] == "bulk"
    assert _graph_options(postgres_url, loaded) == ["m=8", "ef_construction=40"]
    # without parameters: pgvector's defaults, which are written out too
    plain = open_postgres(postgres_url, tmp_path)
    plain.commit(corpus(3))
    assert _graph_options(postgres_url, plain) == ["m=16", "ef_construction=64"]
    for store in (grown, loaded, plain):
        store.close()


def test_a_store_url_with_graph_settings_answers_and_keeps_threads(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread store (LangGraph's PostgresSaver) connects with the same URL: it too
    must not hand the ``hnsw_*`` parameters to libpq (an adversarial pass got every ask
    refused after ingesting fine)."""
    from agent.api import Veraz

    joiner = "&" if "?" in postgres_url else "?"
    monkeypatch.setenv("VERAZ_STORE", f"{postgres_url}{joiner}hnsw_ef_search=120")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "qlora.md").write_text("# QLoRA\n\nQLoRA cuantiza el modelo base a 4 bits (NF4).\n")
    rag = Veraz(home=tmp_path / "home", collection=unique_collection())
    assert not rag.ingest([docs]).failed
    answer = rag.ask("¿A cuántos bits cuantiza QLoRA el modelo base?", thread_id="t1")
    assert "4 bits" in answer.answer, answer.answer
    follow = rag.ask("¿Y en qué formato?", thread_id="t1")
    assert "NF4" in follow.answer, follow.answer
    rag.close()
