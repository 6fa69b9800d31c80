"""``run_ingest_benchmark`` at toy sizes: the JSON it returns, and incremental re-runs."""

from __future__ import annotations

import json
import random

import pytest

from evals.bench_ingest import SyntheticText, document_text, run_ingest_benchmark
from ingestion.language import detect_language


def test_benchmark_shape_and_incremental_runs() -> None:
    stages: set[str] = set()
    result = run_ingest_benchmark(
        documents=4,
        incremental_documents=10,
        latency_sizes=(200,),
        queries=5,
        memory=False,
        progress=lambda stage, done, total: stages.add(stage),
    )
    assert json.loads(json.dumps(result)) == result
    assert stages == {"throughput", "incremental", "latency 200"}
    assert result["documents"] == 4 and result["chunks"] >= 8
    assert result["embedding_model"].startswith("multilingual-e5-small (384 dims")
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
    assert result["precision"] == "q4"
    assert 0 <= result["chunks_over_model_max"] <= result["chunks"]
    # Veraz's engine gives the library's own vectors (same weights, same runtime).
    assert result["min_cosine_engine_vs_library"] > 0.9999
    assert len(result["trials"]) == 2
    assert all(set(t) == {"pipeline", "engine", "library", "minilm"} for t in result["trials"])
    # Re-running on unchanged files embeds nothing; changing 1% re-embeds only the change.
    assert result["rerun_embedded"] == 0 and 0 < result["rerun_ratio"] < 1
    assert result["incremental_documents"] == 10 and result["changed_files"] == 1
    assert result["changed_1pct_files_parsed"] == 1
    assert 1 <= result["changed_1pct_embedded"] < result["changed_1pct_chunks"]
    assert result["changed_1pct_chunks"] < result["incremental_chunks"]
    assert result["memory"] is None
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


@pytest.mark.slow
def test_memory_of_a_run_with_an_oversize_file() -> None:
    """Two real processes: the run with the big file reads about what the other reads."""
    from evals.bench_ingest import _memory_of_oversize_file

    memory = _memory_of_oversize_file(60)
    assert memory["file_reason"] == "file is 60 MB, over the limit of 50 MB (VERAZ_MAX_FILE_MB)"
    assert memory["documents_added"] == 10
    assert memory["with_file_read_mb"] < memory["baseline_read_mb"] + 30  # never read
    assert memory["baseline_peak_rss_mb"] > 0 and memory["peak_ratio"] > 0
