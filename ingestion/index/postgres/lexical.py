"""BM25 in PostgreSQL: the ranking FTS5 gives, computed from PostgreSQL's text analysis.

PostgreSQL's own ``ts_rank`` counts how often query lexemes occur but has no notion of
how rare a word is (no IDF) and normalises length crudely; measured on the XQuAD dev
sets it ranks clearly below FTS5's BM25 (README, "Scaling out"). So the postgres store
keeps the statistics BM25 needs, in the same transaction as the chunks they count:
each key's document frequency (``term_stats``), each chunk's length (``term_count``)
and the collection's total length (``meta.term_tokens``). A query:

1. is analysed by the database (``query_keys``: the configuration of the question's
   language, accents folded, prefixes), and each key's document frequency read;
2. loses the keys found in so many chunks that they barely rank, yet cost the most to
   score (above ``FREQUENT_RATIO`` of a collection over ``FREQUENT_MIN_CHUNKS``; the
   rarest key always stays), as the sqlite store does;
3. takes as candidates the chunks holding its rarest keys, adding keys in order of
   rarity while their document frequencies sum to at most ``CANDIDATE_BUDGET`` (the
   rarest one always): on a big collection, chunks that share only common words with
   the question are left to the dense side;
4. scores every candidate with Okapi BM25 (k1 = 1.2, b = 0.75, FTS5's constants and
   IDF) over all kept keys, in one set-based statement: the kept keys with their IDF
   (``unnest``) joined to their postings (schema.py: one row per key and chunk, with
   the key's count and the chunk's length, read from a covering index), restricted to
   the candidates, summed per chunk. No function runs per chunk; the work is the kept
   keys' posting lists, which step 2 bounds to ``FREQUENT_RATIO`` of the chunks each.

Below ``CANDIDATE_BUDGET`` matching chunks (any collection of a few thousand chunks,
XQuAD included) steps 2 and 3 change nothing and the ranking is exact BM25.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

K1 = 1.2
B = 0.75
FREQUENT_RATIO = 0.05
FREQUENT_MIN_CHUNKS = 2_000
CANDIDATE_BUDGET = 2_000

Among = Literal["rows", "candidates", "all"]
"""Which chunks a BM25 statement scores (``score_sql``)."""


@dataclass(frozen=True)
class LexicalQuery:
    """A query's kept keys with their IDF, and the keys that pick candidates."""

    keys: list[str]
    idfs: list[float]
    candidate_keys: list[str]


def idf(chunks: int, df: int) -> float:
    """FTS5's BM25 IDF: log((N - n + 0.5) / (n + 0.5)), never below 1e-6."""
    return max(1e-6, math.log((chunks - df + 0.5) / (df + 0.5)))


def plan(frequencies: dict[str, int], chunks: int) -> LexicalQuery | None:
    """Steps 2 and 3 of the module docstring; None when no key occurs in any chunk."""
    present = {key: df for key, df in frequencies.items() if df > 0}
    if not present:
        return None
    limit = max(FREQUENT_MIN_CHUNKS, FREQUENT_RATIO * chunks)
    by_rarity = sorted(present, key=lambda key: (present[key], key))
    kept = [key for key in by_rarity if present[key] <= limit] or by_rarity[:1]
    candidate_keys: list[str] = []
    total = 0
    for key in kept:
        if candidate_keys and total + present[key] > CANDIDATE_BUDGET:
            break
        candidate_keys.append(key)
        total += present[key]
    return LexicalQuery(
        keys=kept, idfs=[idf(chunks, present[key]) for key in kept], candidate_keys=candidate_keys
    )


def score_sql(schema: str, among: Among) -> str:
    """The BM25 statement: parameters keys, idfs, avgdl, then ``rows`` (among "rows"),
    ``candidate_keys`` and ``k`` (among "candidates", step 3) or ``k`` (among "all":
    every chunk holding a kept key, exact BM25, for measuring step 3's cut). BM25's
    length norm k1·(1 − b + b·dl/avgdl) is computed per posting from its ``dl``."""
    s = f'"{schema}"'
    tail = " ORDER BY score DESC, chunk LIMIT %(k)s"
    if among == "rows":
        where, tail = "WHERE p.chunk = ANY(%(rows)s)", ""
    elif among == "candidates":
        where = (
            f"WHERE p.chunk IN (SELECT c.chunk FROM {s}.postings c"
            " WHERE c.term = ANY(%(candidate_keys)s))"
        )
    else:
        where = ""
    return f"""
        SELECT p.chunk, sum(q.idf * p.tf * {K1 + 1}
                            / (p.tf + {K1} * ({1 - B} + {B} * p.dl / %(avgdl)s))) AS score
        FROM unnest(%(keys)s::text[], %(idfs)s::float8[]) AS q(term, idf)
        JOIN {s}.postings p ON p.term = q.term
        {where}
        GROUP BY p.chunk{tail}
    """


def rows_param(rows: Sequence[int]) -> list[int]:
    return [int(r) for r in rows]
