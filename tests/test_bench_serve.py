"""``veraz bench serve`` runs end to end on a real server and reports what it promises."""

from __future__ import annotations

import pytest

from evals.bench_serve import run_serve_benchmark


@pytest.mark.slow
def test_bench_serve_measures_one_worker_without_errors() -> None:
    result = run_serve_benchmark(clients=2, questions=3, workers=(1,), time_limit_s=120)
    one = result["workers"]["1"]
    assert result["chunks"] > 50 and result["in_process_ask_ms"]["p50"] > 0
    sequential, load = one["sequential"], one["load"]
    assert sequential["errors"] == 0 and sequential["requests"] == 24
    overhead = sequential["server_overhead_ms"]
    assert 0 < overhead["p50"] <= overhead["p95"]
    assert sequential["latency_ms"]["p50"] >= sequential["inside_veraz_ms"]["p50"] > 0
    assert load["requests"] == 6 and load["errors"] == 0 and load["throughput_rps"] > 0
    assert not load["stopped_by_time_limit"]
