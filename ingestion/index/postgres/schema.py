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
splits. The analysed keys and their counts are a ``jsonb`` object per chunk (what the
doctor checks against), and the same keys one row per (key, chunk) in ``postings`` with
the key's count in the chunk and the chunk's length: the inverted index BM25 is computed
from in one set-based statement (lexical.py). ``term_stats`` holds each key's document
frequency and ``meta`` the total lengths, the other statistics BM25 needs.

Format 2 replaced format 1's GIN index over the ``jsonb`` keys and its per-chunk
PL/pgSQL ``bm25`` function by ``postings``; format 3 keeps the chunk count in ``meta``
beside the total length; format 4 (``SCHEMA_VERSION``) compares keys byte by byte
(``KEY_COLLATION``). ``upgrade_statements`` turns a format 1, 2 or 3 collection into
format 4 in place (PostgresStore does it when it opens one).
"""

from __future__ import annotations

import hashlib

from ingestion.index.postgres.hnsw import DEFAULT as DEFAULT_HNSW
from ingestion.index.postgres.hnsw import HnswSettings
from ingestion.text_analysis import lexical_body

SCHEMA_VERSION = "4"
"""Format of a collection's tables; format 1, 2 and 3 collections are upgraded when opened."""

UPGRADABLE_VERSIONS = ("1", "2", "3")

KEY_COLLATION = '"C"'
"""The collation of the analysed keys (``postings.term``, ``term_stats.term``): bytes.

A key is only ever compared for equality and sorted to build its index, never shown in
order, so the database's language collation buys nothing, and it is costly: with any
collation but "C" PostgreSQL compares text through the C library's ``strcoll`` and cannot
sort by abbreviated keys. Building the postings index of a 100k-chunk load took 18.1 s
under pgserver's ``C.UTF-8`` and 13.8-15.7 s under "C" (1 and 7 workers, 2 cores); on a
server created with ``en_US.UTF-8`` the gap is larger (docs/scaling.md)."""

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

PREFIX_MARK = ">"
"""Prefix keys start with it; ``to_tsvector`` never makes a lexeme that does."""


def configuration(language: str) -> str:
    return CONFIGURATIONS.get(language, "simple")


def schema_name(collection: str) -> str:
    """A valid, stable identifier for any collection name (names may hold '.' and '-')."""
    return "vz_" + hashlib.sha1(collection.encode("utf-8")).hexdigest()[:24]


INLINE_VECTOR_MAX_DIMENSION = 1024
"""Vectors up to this many dimensions (4 KB) are kept in the chunk's row.

pgvector's column type moves a vector out of its row into the TOAST table once the row
passes 2 KB, which a chunk's text and keys always do: every vector read (the distances
of a search's results, the dense scores of the lexical candidates, the HNSW build's
scan) then looks the vector up in a second table. Kept in the row (``STORAGE PLAIN``),
at 100k chunks the HNSW search with its 50 results took 6.7 ms p50 instead of 9.3, and
scoring 50 given rows 1.1 ms instead of 2.6 (docs/scaling.md); the text and keys go to
TOAST instead. A larger vector could not fit in a row with the rest, so it keeps the
type's default."""


def vector_storage_statements(schema: str, dimension: int) -> list[str]:
    """Keep vectors of up to ``INLINE_VECTOR_MAX_DIMENSION`` dimensions in the row. Only
    rows written afterwards are stored so: an upgraded collection's older rows stay
    where they are until they are written again."""
    if dimension > INLINE_VECTOR_MAX_DIMENSION:
        return []
    return [f'ALTER TABLE "{schema}".chunks ALTER COLUMN embedding SET STORAGE PLAIN']


def create_statements(schema: str, dimension: int, hnsw: HnswSettings = DEFAULT_HNSW) -> list[str]:
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
        *vector_storage_statements(schema, dimension),
        POSTINGS_TABLE.format(s=s),
        *search_index_statements(schema, hnsw),
        f"CREATE TABLE {s}.term_stats (term TEXT COLLATE {KEY_COLLATION} PRIMARY KEY,"
        " df INTEGER NOT NULL)",
        *analysis_function_statements(schema),
    ]


def analysis_function_statements(schema: str) -> list[str]:
    """The collection's SQL functions that analyse text into keys: ``fold``, ``analyse``
    (a chunk's keys) and ``query_keys``. ``OR REPLACE``: re-analysing a collection made
    by an older ``LEXICAL_VERSION`` writes them again first, in case they changed."""
    s = f'"{schema}"'
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.fold(word TEXT) RETURNS TEXT
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN translate(word, '{_ACCENTED}', '{_PLAIN}')""",
        # Every key of a text with its count: folded stems of the language's
        # configuration, and (PREFIX_MARK) folded five-letter prefixes of every word.
        f"""CREATE OR REPLACE FUNCTION {s}.analyse(config REGCONFIG, body TEXT) RETURNS JSONB
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
        # The keys of a query: stems, and prefixes of the words that are not stopwords of
        # the query's language (a stopword's prefix would match nearly every chunk).
        f"""CREATE OR REPLACE FUNCTION {s}.query_keys(config REGCONFIG, query TEXT) RETURNS TEXT[]
            LANGUAGE sql STABLE PARALLEL SAFE
            RETURN ARRAY(
                SELECT {s}.fold(lexeme) FROM unnest(to_tsvector(config, query))
                UNION
                SELECT '{PREFIX_MARK}' || left({s}.fold(w.lexeme), 5)
                FROM unnest(to_tsvector('simple', query)) AS w
                WHERE to_tsvector(config, w.lexeme) <> ''::tsvector
            )""",
    ]


def configuration_sql(language: str) -> str:
    """SQL for the text search configuration of the language expression ``language``
    (``configuration`` in SQL)."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in CONFIGURATIONS.items()
    )
    return f"CASE {language} {cases} ELSE 'simple'::regconfig END"


def analysed_body_sql(title: str, section: str, text: str) -> str:
    """SQL for what of a chunk is analysed into its keys, from the expressions of its
    document's title, its section heading and its text: ``text_analysis.lexical_body``
    (which the client and the sqlite backend use) written in SQL, the same string."""
    body = f"{section} || E'\\n' || {text}"
    return f"(CASE WHEN strpos({body}, {title}) > 0 THEN '' ELSE {title} || E'\\n' END || {body})"


ANALYSED_BODY = analysed_body_sql("title", "section", "text")
"""What of a staged chunk is analysed into its keys (``analysed_body`` on the client)."""


def term_count_of(keys: str) -> str:
    """SQL for a chunk's length in keys (``term_count``): the sum of the counts in the
    JSONB of keys named by the expression ``keys``."""
    return f"(SELECT coalesce(sum(value::int), 0) FROM jsonb_each_text({keys}))"


def analysed_body(title: str, section: str, text: str) -> str:
    """``ANALYSED_BODY`` of a chunk, built by the client (analysis_pool.py)."""
    return lexical_body(title, section, text)


POSTINGS_TABLE = f"""CREATE TABLE {{s}}.postings (
    term TEXT COLLATE {KEY_COLLATION} NOT NULL,
    chunk BIGINT NOT NULL,
    tf INTEGER NOT NULL,
    dl INTEGER NOT NULL
)"""
"""The inverted index: one row per key of a chunk, with the key's count in it (``tf``) and
the chunk's length (``dl``, its ``term_count``), so BM25 reads nothing else per chunk.
No foreign key: a check per posting would cost as much as the row; ``PostgresStore``
deletes a chunk's postings with the chunk."""

SEARCH_INDEXES = ("postings_term", "chunks_embedding")
"""The indexes a bulk load drops and builds again after the rows are in."""


def search_index_statements(schema: str, hnsw: HnswSettings = DEFAULT_HNSW) -> list[str]:
    """The search indexes: postings by key (covering: BM25 reads only the index) and HNSW
    over the vectors (cosine). Built once after a bulk load, or grown row by row."""
    s = f'"{schema}"'
    return [
        f"CREATE INDEX postings_term ON {s}.postings (term, chunk) INCLUDE (tf, dl)",
        hnsw_index_statement(schema, hnsw),
    ]


def hnsw_index_statement(schema: str, hnsw: HnswSettings) -> str:
    """The HNSW index over the vectors, with the graph settings of the store URL."""
    return (
        f'CREATE INDEX chunks_embedding ON "{schema}".chunks'
        f" USING hnsw (embedding vector_cosine_ops) {hnsw.index_options()}"
    )


def postings_of(schema: str, rows_filter: str, table: str = "postings") -> str:
    """INSERT the postings of the chunks selected by ``rows_filter`` (a WHERE on ``c``)
    into ``table``."""
    s = f'"{schema}"'
    return (
        f"INSERT INTO {s}.{table} (term, chunk, tf, dl)"
        f" SELECT e.key, c.id, e.value::int, c.term_count"
        f" FROM {s}.chunks c, jsonb_each_text(c.terms) e WHERE {rows_filter}"
    )


def analyse_chunks_sql(schema: str, rows_filter: str) -> str:
    """Analyse the chunks selected by ``rows_filter`` (a WHERE on ``c``) into their keys
    and length again, from their stored text, section and document title, in one pass
    over the rows: a repair of lost keys, or a collection made by another
    ``LEXICAL_VERSION``. The caller rebuilds the statistics after."""
    s = f'"{schema}"'
    body = analysed_body_sql("d.title", "c.section", "c.text")
    return (
        f"UPDATE {s}.chunks c SET (terms, term_count) = ("
        f"  SELECT k, {term_count_of('k')} FROM (SELECT {s}.analyse("
        f"    {configuration_sql('d.language')}, {body}) AS k) AS analysed)"
        f" FROM {s}.documents d WHERE d.id = c.doc_row AND {rows_filter}"
    )


def statistics_statements(schema: str) -> list[str]:
    """Postings, document frequencies and totals written again from the chunks' keys,
    in the caller's transaction."""
    s = f'"{schema}"'
    return [
        f"DELETE FROM {s}.postings",
        postings_of(schema, "true"),
        *term_stats_statements(schema),
    ]


def term_stats_statements(schema: str) -> list[str]:
    """Document frequencies and totals written again from the chunks' keys."""
    s = f'"{schema}"'
    return [
        f"DELETE FROM {s}.term_stats",
        f"INSERT INTO {s}.term_stats (term, df) SELECT key, count(*)"
        f" FROM {s}.chunks c, jsonb_object_keys(c.terms) key GROUP BY key",
        *totals_statements(schema),
    ]


def postings_swap_statements(schema: str) -> list[str]:
    """The postings written again from the chunks' keys into a new table, indexed once,
    that then takes the old one's place: readers go on using the old postings (and
    their index) until the swap, which locks them only for the rename."""
    s = f'"{schema}"'
    return [
        f"DROP TABLE IF EXISTS {s}.postings_next",
        f"CREATE TABLE {s}.postings_next (LIKE {s}.postings)",  # columns, collation
        postings_of(schema, "true", table="postings_next"),
        f"CREATE INDEX postings_term_next ON {s}.postings_next (term, chunk) INCLUDE (tf, dl)",
        f"DROP TABLE {s}.postings",
        f"ALTER TABLE {s}.postings_next RENAME TO postings",
        f"ALTER INDEX {s}.postings_term_next RENAME TO postings_term",
    ]


def totals_statements(schema: str) -> list[str]:
    """Set the collection's chunk count and total length in keys (``meta``) from its
    chunks: after a bulk load, a repair or an upgrade. Every other write keeps them
    up to date as it goes (``PostgresStore._count_terms``): a query reads them instead of
    counting a million rows (``count(*)`` took 7 ms per query at 100k chunks)."""
    s = f'"{schema}"'
    return [
        f"INSERT INTO {s}.meta (key, value) VALUES ('chunk_total', '0'), ('term_tokens', '0')"
        " ON CONFLICT (key) DO NOTHING",
        f"UPDATE {s}.meta SET value = CASE key WHEN 'chunk_total' THEN t.chunks::text"
        " ELSE t.tokens::text END"
        f" FROM (SELECT count(*) AS chunks, coalesce(sum(term_count), 0) AS tokens"
        f"       FROM {s}.chunks) AS t"
        " WHERE key IN ('chunk_total', 'term_tokens')",
    ]


def upgrade_statements(schema: str, version: str, dimension: int) -> list[str]:
    """Format ``version`` (1, 2 or 3) -> ``SCHEMA_VERSION``, in one transaction.

    From 1: postings from the stored keys, their index, and format 1's GIN index and
    per-chunk function dropped. From 1 and 2: the chunk count kept in ``meta``, and new
    vectors of ``dimension`` kept in their rows (``vector_storage_statements``). From
    every format: keys compared byte by byte (``KEY_COLLATION``), which rebuilds the
    postings index and the statistics' key (no table is rewritten)."""
    s = f'"{schema}"'
    steps: list[str] = []
    if version == "1":
        steps = [
            POSTINGS_TABLE.format(s=s),
            postings_of(schema, "true"),
            f"CREATE INDEX postings_term ON {s}.postings (term, chunk) INCLUDE (tf, dl)",
            f"DROP INDEX IF EXISTS {s}.chunks_terms",
            f"DROP FUNCTION IF EXISTS {s}.bm25(JSONB, TEXT[], FLOAT8[], FLOAT8)",
        ]
    elif version not in UPGRADABLE_VERSIONS:
        raise ValueError(f"no upgrade from index format {version!r}")
    if version in ("1", "2"):
        steps += [*totals_statements(schema), *vector_storage_statements(schema, dimension)]
    return [
        *steps,
        *(
            f"ALTER TABLE {s}.{table} ALTER COLUMN term TYPE TEXT COLLATE {KEY_COLLATION}"
            for table in ("postings", "term_stats")
        ),
        f"UPDATE {s}.meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version'",
    ]
