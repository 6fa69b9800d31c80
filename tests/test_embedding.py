"""Embeddings: bundled model offline, unit vectors, cache hits, bf16 close to fp32."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingestion.embedding import Embedder, EmbeddingCache

TEXTS = ["La cuantización reduce la memoria.", "LoRA trains low-rank adapters.", "Hola"]


def test_vectors_are_unit_length_and_cached(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    embedder = Embedder(cache=cache)
    vectors, embedded = embedder.embed([*TEXTS, TEXTS[0]])
    assert vectors.shape == (4, 384) and embedded == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[3])
    again, embedded = Embedder(cache=EmbeddingCache(tmp_path / "cache.sqlite")).embed(TEXTS)
    assert embedded == 0 and np.allclose(again, vectors[:3])


def test_bf16_vectors_match_fp32() -> None:
    fp32 = Embedder(precision="fp32").encode(TEXTS)
    bf16 = Embedder(precision="bf16").encode(TEXTS)
    assert float((fp32 * bf16).sum(axis=1).min()) > 0.999


def test_query_embedding_matches_batch_embedding() -> None:
    embedder = Embedder(precision="fp32")
    assert np.allclose(embedder.embed_query(TEXTS[1]), embedder.encode(TEXTS)[1], atol=1e-5)
