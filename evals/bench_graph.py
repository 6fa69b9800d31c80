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
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agent.graphs.node_names import FALLBACK, MODEL_NODES

if TYPE_CHECKING:
    from agent.types import Answer

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


def fallback_cause(answer: Answer) -> str:
    """Why the fallback answered ("" when it did not): the fallback step's cause code,
    with the kind of failure or of non-answer ("model_failed: timeout",
    "not_an_answer: cites no passage", "unsupported")."""
    for s in answer.steps:
        if s.node == FALLBACK:
            cause = s.detail.get("cause", {})
            detail = cause.get("kind") or cause.get("issue") or ""
            return f"{cause.get('code', '')}: {detail}" if detail else cause.get("code", "")
    return ""


def _share(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(bool(r[key]) for r in rows) / len(rows), 4) if rows else 0.0


def _median(values: list[float]) -> float:
    return round(float(np.median(values)), 2) if values else 0.0


def run_model_benchmark(
    dataset: Path,
    *,
    model: str | None = None,
    fallback_model: str | None = None,
    split: str | None = None,
    limit: int | None = None,
    home: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Every question of ``dataset`` (a SQuAD file or a notes folder, as for ``bench
    answers``) through the streamed graph with ``model``: what each costs and gives.

    Per question: LLM calls and tokens, seconds, time to the first streamed token (a
    model's draft, or the checked answer's first piece when nothing was drafted), and
    whether the answer contains the gold answer, is verified, fell back or abstained.
    """
    from agent.types import Answer
    from evals.bench_answers import contains_answer, load_answer_dataset, open_collection, select

    data = load_answer_dataset(dataset)
    items = select(data, split, limit)
    options = {"model": model, "fallback_model": fallback_model}
    with tempfile.TemporaryDirectory(prefix="veraz-graph-") as tmp:
        rag = open_collection(data, Path(home) if home else Path(tmp), **options)
        rows = []
        for done, item in enumerate(items, start=1):
            started = time.perf_counter()
            first_token = None
            final: dict[str, Any] = {}
            for event in rag.stream(item.question):
                if event["type"] in ("draft_token", "token") and first_token is None:
                    first_token = time.perf_counter() - started
                elif event["type"] == "answer":
                    final = event["answer"]
            seconds = time.perf_counter() - started
            answer = Answer.from_dict(final)
            v = answer.verification
            rows.append(
                {
                    "question": item.question,
                    "answerable": item.answerable,
                    "single_part": answer.route != "decompose",
                    "llm_calls": answer.usage.llm_calls,
                    "prompt_tokens": answer.usage.prompt_tokens,
                    "completion_tokens": answer.usage.completion_tokens,
                    "seconds": seconds,
                    "first_token_s": first_token if first_token is not None else seconds,
                    "contains": contains_answer(answer.answer, item),
                    "verified": v.grounded and v.answers_question and not answer.abstained,
                    "fell_back": answer.fallback_used,
                    "abstained": answer.abstained,
                    "empty": not answer.answer.strip(),
                    "answered_by": answer.model,
                    "fallback_cause": fallback_cause(answer),
                }
            )
            if progress:
                progress(done, len(items))
        primary = rag.settings.model if model is None else model
        rag.close()
    single = [r for r in rows if r["single_part"]]
    answerable = [r for r in rows if r["answerable"]]
    seconds = [r["seconds"] for r in rows]
    return {
        "dataset": str(dataset),
        "model": primary,
        "questions": len(rows),
        "llm_calls_median_single_part": _median([r["llm_calls"] for r in single]),
        "llm_calls_max": max((r["llm_calls"] for r in rows), default=0),
        "prompt_tokens_median": _median([r["prompt_tokens"] for r in rows]),
        "completion_tokens_median": _median([r["completion_tokens"] for r in rows]),
        "seconds": {"p50": _p(seconds, 50), "p95": _p(seconds, 95)} if rows else {},
        "first_token_s_p50": _median([r["first_token_s"] for r in rows]),
        "contains_answer": _share(answerable, "contains"),
        "verified": _share(rows, "verified"),
        "fell_back": _share(rows, "fell_back"),
        "abstained": _share(rows, "abstained"),
        "empty": sum(r["empty"] for r in rows),
        "answered_by_model": (
            round(sum(r["answered_by"] == primary for r in rows) / len(rows), 4) if rows else 0.0
        ),
        "fallback_causes": dict(
            Counter(r["fallback_cause"] for r in rows if r["fallback_cause"]).most_common()
        ),
        "rows": rows,
    }
