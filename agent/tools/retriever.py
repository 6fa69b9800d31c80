"""Hybrid retrieval over a collection: BM25 (FTS5) + dense (FAISS), fused by weighted z-scores.

Each list proposes ``candidates`` chunks; then every candidate gets *both* scores (its
exact BM25 for the query and its exact cosine to the query vector), so fusion compares
like with like instead of guessing a score for what a list did not return.
"""

from __future__ import annotations

from typing import Literal

from agent.tools.fusion import fuse
from agent.types import Hit
from ingestion.embedding import Embedder
from ingestion.index import Collection
from ingestion.index.collection import Snapshot
from ingestion.language import detect_language
from ingestion.text_analysis import fts_query

Mode = Literal["hybrid", "bm25", "dense"]


class HybridRetriever:
    """Finds the chunks that best answer a query in one collection."""

    def __init__(
        self,
        collection: Collection,
        embedder: Embedder,
        *,
        bm25_weight: float = 1.0,
        dense_weight: float = 0.75,
        candidates: int = 50,
    ) -> None:
        self.collection = collection
        self.embedder = embedder
        self.weights = {"bm25": bm25_weight, "dense": dense_weight}
        self.candidates = candidates

    def retrieve(
        self, query: str, k: int = 5, *, mode: Mode = "hybrid", language: str | None = None
    ) -> list[Hit]:
        """Top ``k`` chunks for ``query``; ``language`` (es/en/other) is detected if not given."""
        query = query.strip()
        if not query or k <= 0:
            return []
        language = language or detect_language(query)
        match = fts_query(query, language)
        pool = max(k, self.candidates)
        with self.collection.snapshot() as snap:
            if mode == "bm25":
                ranked = self.collection.bm25(snap, match, k)
            elif mode == "dense":
                ranked = self.collection.dense(snap, self.embedder.embed_query(query), k)
            else:
                ranked = self._hybrid(snap, query, match, pool)[:k]
            return self._hits(snap, ranked)

    def _hybrid(self, snap: Snapshot, query: str, match: str, pool: int) -> list[tuple[int, float]]:
        vector = self.embedder.embed_query(query)
        lexical = dict(self.collection.bm25(snap, match, pool))
        dense = dict(self.collection.dense(snap, vector, pool))
        only_dense = [row for row in dense if row not in lexical]
        lexical.update(self.collection.bm25_for(snap, match, only_dense))
        only_lexical = [row for row in lexical if row not in dense]
        dense.update(self.collection.dense_for(snap, vector, only_lexical))
        return fuse({"bm25": lexical, "dense": dense}, self.weights, missing={"bm25": 0.0})

    def _hits(self, snap: Snapshot, ranked: list[tuple[int, float]]) -> list[Hit]:
        stored = self.collection.chunks(snap, [row for row, _ in ranked])
        hits = []
        for row, score in ranked:
            chunk = stored.get(row)
            if chunk is None:
                continue
            hits.append(
                Hit(
                    chunk_id=chunk.chunk_id,
                    doc_id=chunk.doc_id,
                    source=chunk.source,
                    title=chunk.title,
                    page=chunk.page,
                    text=chunk.text,
                    score=round(score, 6),
                    section=chunk.section,
                    language=chunk.language,
                )
            )
        return hits
