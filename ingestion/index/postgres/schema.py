"""The tables of one collection in PostgreSQL, and the SQL that analyses text for BM25.

Each collection lives in a schema of its own (``vz_<digest of its name>``, listed in
``public.veraz_collections``), so collections with vectors of different dimensions sit
side by side and ``DROP SCHEMA`` removes one whole.

Lexical analysis is PostgreSQL's text search: ``to_tsvector`` with the ``spanish``,
``english`` or ``simple`` configuration chosen by the chunk's document language. Stems
are made from the accented words (the Snowball stemmers expect accents) and folded after
(``fold``: pgserver's build and many managed servers have no ``unaccent``), so a query
typed without accents matches. Like the sqlite backend, each chunk also stores its words
cut to five letters (keys ``>prefix``), a coarser match that catches what the stemmer
splits. The analysed keys and their counts are a ``jsonb`` object per chunk, indexed with
GIN; ``term_stats`` holds each key's document frequency and ``meta`` the total lengths,
the statistics BM25 needs (ingestion/index/postgres/lexical.py).
"""

from __future__ import annotations

import hashlib

SCHEMA_VERSION = "1"

REGISTRY = """
CREATE TABLE IF NOT EXISTS public.veraz_collections (
    name TEXT PRIMARY KEY,
    schema_name TEXT NOT NULL UNIQUE,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""

# Folding of the letters Spanish and English text carries; lexemes are lowercase already.
_ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuncyy"

CONFIGURATIONS = {"es": "spanish", "en": "english"}
"""Text search configuration per document language; any other language is ``simple``."""

K1_PLUS_1 = 2.2
"""BM25's k1 + 1 (k1 = 1.2, as FTS5); lexical.py passes the length norm k1·(1 − b + b·dl/avgdl)."""

PREFIX_MARK = ">"
"""Prefix keys start with it; ``to_tsvector`` never makes a lexeme that does."""


def configuration(language: str) -> str:
    return CONFIGURATIONS.get(language, "simple")


def schema_name(collection: str) -> str:
    """A valid, stable identifier for any collection name (names may hold '.' and '-')."""
    return "vz_" + hashlib.sha1(collection.encode("utf-8")).hexdigest()[:24]


def create_statements(schema: str, dimension: int) -> list[str]:
    """DDL of a new collection in ``schema`` (quoted by the caller's identifiers)."""
    s = f'"{schema}"'
    return [
        f"CREATE SCHEMA {s}",
        f"CREATE TABLE {s}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE {s}.documents (
            id BIGSERIAL PRIMARY KEY,
            doc_id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            language TEXT NOT NULL,
            file_type TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            size BIGINT NOT NULL,
            mtime DOUBLE PRECISION NOT NULL,
            chunk_count INTEGER NOT NULL,
            ingested_at DOUBLE PRECISION NOT NULL
        )""",
        f"""CREATE TABLE {s}.chunks (
            id BIGSERIAL PRIMARY KEY,
            chunk_id TEXT NOT NULL UNIQUE,
            doc_row BIGINT NOT NULL REFERENCES {s}.documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            section TEXT NOT NULL,
            page INTEGER,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            terms JSONB NOT NULL,
            term_count INTEGER NOT NULL,
            embedding vector({int(dimension)})
        )""",
        f"CREATE INDEX chunks_doc ON {s}.chunks (doc_row)",
        f"CREATE INDEX chunks_terms ON {s}.chunks USING gin (terms)",
        f"CREATE INDEX chunks_embedding ON {s}.chunks USING hnsw (embedding vector_cosine_ops)",
        f"CREATE TABLE {s}.term_stats (term TEXT PRIMARY KEY, df INTEGER NOT NULL)",
        f"""CREATE FUNCTION {s}.fold(word TEXT) RETURNS TEXT
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN translate(word, '{_ACCENTED}', '{_PLAIN}')""",
        # Every key of a text with its count: folded stems of the language's
        # configuration, and (PREFIX_MARK) folded five-letter prefixes of every word.
        f"""CREATE FUNCTION {s}.analyse(config REGCONFIG, body TEXT) RETURNS JSONB
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN (
                SELECT coalesce(jsonb_object_agg(key, n), '{{}}'::jsonb)
                FROM (
                    SELECT key, sum(n)::int AS n FROM (
                        SELECT {s}.fold(lexeme) AS key, cardinality(positions) AS n
                        FROM unnest(to_tsvector(config, body))
                        UNION ALL
                        SELECT '{PREFIX_MARK}' || left({s}.fold(lexeme), 5),
                               cardinality(positions)
                        FROM unnest(to_tsvector('simple', body))
                    ) AS parts GROUP BY key
                ) AS grouped
            )""",
        # BM25 of one chunk: its keys read once (a copy in memory: reading a TOASTed jsonb
        # once per key cost 4-5x more), IDF-weighted saturated counts added up.
        f"""CREATE FUNCTION {s}.bm25(terms JSONB, keys TEXT[], idfs FLOAT8[], norm FLOAT8)
            RETURNS FLOAT8 LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
            DECLARE
                t JSONB := terms || '{{}}'::jsonb;
                total FLOAT8 := 0;
                tf FLOAT8;
            BEGIN
                FOR i IN 1 .. cardinality(keys) LOOP
                    tf := (t ->> keys[i])::float8;
                    IF tf IS NOT NULL THEN
                        total := total + idfs[i] * tf * {K1_PLUS_1} / (tf + norm);
                    END IF;
                END LOOP;
                RETURN total;
            END $$""",
        # The keys of a query: stems, and prefixes of the words that are not stopwords of
        # the query's language (a stopword's prefix would match nearly every chunk).
        f"""CREATE FUNCTION {s}.query_keys(config REGCONFIG, query TEXT) RETURNS TEXT[]
            LANGUAGE sql STABLE PARALLEL SAFE
            RETURN ARRAY(
                SELECT {s}.fold(lexeme) FROM unnest(to_tsvector(config, query))
                UNION
                SELECT '{PREFIX_MARK}' || left({s}.fold(w.lexeme), 5)
                FROM unnest(to_tsvector('simple', query)) AS w
                WHERE to_tsvector(config, w.lexeme) <> ''::tsvector
            )""",
    ]
