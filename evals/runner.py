"""Run the real graph on every evaluation question and keep everything metrics need.

The graph is invoked directly (not through ``Veraz.ask``) because the retrieved passages
live only in the graph's final state: ``Answer`` keeps the cited ones, and retrieval
metrics must see what the retriever returned, cited or not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any

from evals.dataset import EvalItem

# Providers whose calls wait on a server: worth running several questions at once. The
# others (extractive, llamacpp, hf) compute in this process, where threads only contend.
_REMOTE_PROVIDERS = ("openai", "ollama", "gemini")


@dataclass
class QuestionRecord:
    """One question's outcome: the Answer dict plus the passages the retriever returned."""

    item: EvalItem
    answer: dict[str, Any] | None = None
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    scores: dict[str, float | None] = field(default_factory=dict)
    metric_errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["item"] = self.item.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuestionRecord:
        return cls(
            item=EvalItem.from_dict(data["item"]),
            answer=data.get("answer"),
            retrieved=list(data.get("retrieved", [])),
            seconds=float(data.get("seconds", 0.0)),
            error=str(data.get("error", "")),
            scores=dict(data.get("scores", {})),
            metric_errors=dict(data.get("metric_errors", {})),
        )


def default_concurrency(model: str) -> int:
    """Parallel questions for ``model``: 4 against a server, 1 for in-process models."""
    return 4 if model.split(":", 1)[0] in _REMOTE_PROVIDERS else 1


def _retrieved(final: dict[str, Any]) -> list[dict[str, Any]]:
    hits = list(final.get("hits") or [])
    for sub in final.get("sub_answers") or []:
        hits += list(sub.get("hits") or sub.get("passages") or [])
    if not hits:
        hits = list(final.get("passages") or [])
    seen: set[str] = set()
    unique = []
    for hit in hits:
        if hit["chunk_id"] not in seen:
            seen.add(hit["chunk_id"])
            unique.append(
                {k: hit.get(k) for k in ("chunk_id", "doc_id", "source", "page", "text", "score")}
            )
    return unique


def ask_one(rag: Any, item: EvalItem) -> QuestionRecord:
    """Answer one question; a failure is recorded on the question, never raised."""
    from agent.graphs.result import to_answer

    started = time.perf_counter()
    try:
        graph, config, state = rag._run_args(item.question, None)
        final = graph.invoke(state, config, context=rag._graph_context)
        answer = to_answer(final).to_dict()
        return QuestionRecord(
            item, answer, _retrieved(final), seconds=time.perf_counter() - started
        )
    except Exception as exc:  # one bad question must not end the run
        return QuestionRecord(
            item, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started
        )


def run_questions(
    rag: Any,
    items: list[EvalItem],
    *,
    concurrency: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[QuestionRecord]:
    """Answer ``items`` in order of the dataset, ``concurrency`` at a time."""
    records: list[QuestionRecord | None] = [None] * len(items)
    # Build models and indexes once, before the threads race to build them.
    _ = (rag._graph_context, rag._graphs)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(ask_one, rag, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            records[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(items))
    return [r for r in records if r is not None]
