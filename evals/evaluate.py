"""``veraz eval``: answer a dataset with the real graph, score it, write the reports.

Kept apart from the CLI so tests and notebooks can run the same thing in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.dataset import load_dataset
from evals.metrics_ragas import JudgeConfig, score_records
from evals.metrics_retrieval import retrieval_scores
from evals.run_record import EvalRun, file_sha256, new_run_id, versions
from evals.runner import default_concurrency, run_questions
from evals.summary import node_latency, summarize

Progress = Callable[[str, int, int], None]


def default_report_root(home: Path) -> Path:
    """Runs land under ``VERAZ_HOME/evals/`` unless ``--report`` says otherwise."""
    return home / "evals"


def evaluate(
    dataset: str | Path,
    *,
    rag: Any,
    report_dir: Path | None = None,
    judge: JudgeConfig | None = None,
    limit: int | None = None,
    concurrency: int | None = None,
    progress: Progress | None = None,
) -> tuple[EvalRun, dict[str, Path]]:
    """Run, score, save ``run.json`` and render ``report.html`` + ``summary.md``."""
    from evals.report_html import write_html
    from evals.report_markdown import write_markdown

    dataset = Path(dataset).expanduser().resolve()
    items = load_dataset(dataset, limit=limit)
    settings = rag.settings
    model = str(settings.model)
    workers = concurrency or default_concurrency(model)
    run_id = new_run_id(model)
    target = report_dir or default_report_root(settings.home) / run_id

    records = run_questions(
        rag,
        items,
        concurrency=workers,
        progress=(lambda d, t: progress("answering", d, t)) if progress else None,
    )
    for record in records:
        record.scores.update(retrieval_scores(record.item, record.retrieved))
    outcome = score_records(
        records,
        rag.embedder,
        judge,
        progress=(lambda d, t: progress("scoring", d, t)) if progress else None,
    )
    config = {
        "run_id": run_id,
        "dataset": str(dataset),
        "dataset_sha256": file_sha256(dataset),
        "limit": limit,
        "home": str(settings.home),
        "collection": settings.collection,
        "model": model,
        "fallback_model": str(settings.fallback_model),
        "embedding_model": str(settings.embedding_model),
        "answer_passages": settings.answer_passages,
        "max_rewrites": settings.max_rewrites,
        "verify": str(settings.verify),
        "concurrency": workers,
        "judge": judge.to_dict() if judge else None,
        "versions": versions(),
        "collection_stats": rag.index.counts(),
    }
    retrieval = ["hit@1", "hit@5", "mrr", "reference_recall"]
    scored_retrieval = any(r.scores.get("mrr") is not None for r in records)
    skipped = dict(outcome.skipped)
    if not scored_retrieval:
        reason = "the dataset names no reference contexts or documents"
        skipped.update(dict.fromkeys(retrieval, reason))
    run = EvalRun(
        config=config,
        summary=summarize(records),
        records=records,
        metrics_ran=[*retrieval, *outcome.ran] if scored_retrieval else outcome.ran,
        metrics_skipped=skipped,
        node_latency=node_latency(records),
    )
    paths = {"run_json": run.save(target)}
    paths["report_html"] = write_html(run, target / "report.html")
    paths["summary_md"] = write_markdown(run, target / "summary.md")
    return run, paths
