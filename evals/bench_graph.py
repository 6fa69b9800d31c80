"""``veraz bench graph``: latency of the answering graph, and its overhead apart from models.

The sample corpus is ingested and the collection padded with synthetic chunks up to
``chunks`` (10k by default, random vectors: they only add search work, they never
match), then the sample questions (agent/samples/questions.jsonl) are asked with the
``extractive`` model. "Model" time is what the answering and checking nodes spend
(generate, solve, fallback, verify: sentence embeddings and scoring); the overhead is
everything else: routing, retrieval, grading, rewrites, LangGraph itself.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agent.graphs.node_names import MODEL_NODES

QUESTIONS = Path(__file__).resolve().parent.parent / "agent" / "samples" / "questions.jsonl"


def _p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def run_graph_benchmark(
    *, chunks: int = 10_000, repeats: int = 2, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    from agent.api import Veraz
    from agent.samples import samples_dir
    from evals.bench_ingest import SyntheticText, build_synthetic_collection

    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    with tempfile.TemporaryDirectory(prefix="veraz-graph-") as tmp:
        rag = Veraz(home=Path(tmp), collection="bench")
        report = rag.ingest([samples_dir()])
        padding = max(0, chunks - report.chunks)
        if padding:
            build_synthetic_collection(rag, padding, SyntheticText(0), seed=0)
        rag.ask(questions[0])  # warm-up: loads FAISS, language id, the verifier's tables
        totals, overheads, model_ms = [], [], []
        routes: dict[str, int] = {}
        runs = [q for _ in range(repeats) for q in questions]
        for done, question in enumerate(runs, start=1):
            started = time.perf_counter()
            answer = rag.ask(question)
            total = (time.perf_counter() - started) * 1000
            in_models = sum(s.ms for s in answer.steps if s.node in MODEL_NODES)
            totals.append(total)
            model_ms.append(in_models)
            overheads.append(total - in_models)
            routes[answer.route] = routes.get(answer.route, 0) + 1
            if progress:
                progress(done, len(runs))
        stats = rag.stats()
        rag.close()
    return {
        "chunks": stats["chunks"],
        "questions": len(runs),
        "routes": routes,
        "overhead_ms": {"p50": _p(overheads, 50), "p95": _p(overheads, 95)},
        "model_nodes_ms": {"p50": _p(model_ms, 50), "p95": _p(model_ms, 95)},
        "total_ms": {"p50": _p(totals, 50), "p95": _p(totals, 95)},
    }
