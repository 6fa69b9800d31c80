"""The self-contained HTML report of one run: inline CSS and SVG, nothing fetched."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evals.charts import bars, histogram
from evals.metric_info import SCORE_ORDER, describe, fmt
from evals.metrics_retrieval import relevance
from evals.run_record import EvalRun
from evals.summary import outcome

TEMPLATES = Path(__file__).parent / "templates"

CARDS = [
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("groundedness", "groundedness"),
    ("grounded_rate", "grounded answers"),
    ("abstention_rate", "abstention rate"),
    ("fallback_rate", "fallback rate"),
    ("faithfulness", "faithfulness (judge)"),
    ("latency_p50_ms", "latency p50 (ms)"),
    ("cost_usd", "cost (USD)"),
]
# Columns of the per-question table: the few scores a reader scans first.
ROW_METRICS = ("hit@5", "mrr", "semantic_similarity", "rouge_l", "faithfulness")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals.update(fmt=fmt, describe=describe)
    return env


def _question_view(record: Any) -> dict[str, Any]:
    answer = record.answer or {}
    flags = relevance(record.item, record.retrieved)
    return {
        "id": record.item.id,
        "question": record.item.question,
        "ground_truth": record.item.ground_truth,
        "outcome": outcome(record),
        "route": answer.get("route", ""),
        "model": answer.get("model", ""),
        "language": answer.get("language", ""),
        "fallback_used": answer.get("fallback_used", False),
        "fallback_reason": answer.get("fallback_reason", ""),
        "answer": answer.get("answer", ""),
        "verification": answer.get("verification", {"grounded": False, "score": 0.0}),
        "citations": [
            {**c, "source_name": Path(c["source"]).name} for c in answer.get("citations", [])
        ],
        "retrieved": [
            {"name": Path(h.get("source", "")).name, "relevant": f}
            for h, f in zip(record.retrieved, flags, strict=True)
        ],
        "references": [Path(s).name for s in record.item.reference_sources]
        + [f"passage: {c[:80]}…" for c in record.item.reference_contexts],
        "scores": record.scores,
        "metric_errors": record.metric_errors,
        "steps": answer.get("steps", []),
        "error": record.error,
        "ms": record.seconds * 1000,
    }


def reproduce_command(run: EvalRun) -> str:
    c = run.config
    parts = ["veraz", "eval", "--dataset", c["dataset"], "--home", c["home"]]
    parts += ["--collection", c["collection"], "--model", c["model"]]
    if c.get("limit"):
        parts += ["--limit", str(c["limit"])]
    if c.get("judge"):
        parts += ["--judge", c["judge"]["spec"]]
        if c["judge"].get("base_url"):
            parts += ["--judge-base-url", c["judge"]["base_url"]]
    return shlex.join(parts)


def render_html(run: EvalRun) -> str:
    s = run.summary
    names = [n for n in SCORE_ORDER if n in s] + sorted(
        n for n in s if n not in SCORE_ORDER and not n.startswith("cost_") and n != "questions"
    )
    score_names = [n for n in SCORE_ORDER if any(n in r.scores for r in run.records)]
    histograms = []
    for name in score_names:
        values = [r.scores[name] for r in run.records if r.scores.get(name) is not None]
        if values:
            histograms.append((name, histogram(values), len(values)))
    latency = [(node, t["mean_ms"]) for node, t in run.node_latency.items()]
    costly = sorted(
        (
            (r.item.id, float((r.answer or {}).get("usage", {}).get("cost_usd", 0.0)))
            for r in run.records
        ),
        key=lambda kv: -kv[1],
    )[:15]
    cost_svg = bars(costly, unit=" $", digits=5) if any(v for _, v in costly) else ""
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            run=run,
            s=s,
            css=(TEMPLATES / "base.css").read_text(encoding="utf-8"),
            dataset_name=Path(run.config["dataset"]).name,
            cards=[(k, label) for k, label in CARDS if s.get(k) is not None],
            summary_rows=names,
            histograms=histograms,
            latency_svg=bars(latency, unit=" ms") if latency else "",
            cost_svg=cost_svg,
            row_metrics=[m for m in ROW_METRICS if m in score_names],
            questions=[_question_view(r) for r in run.records],
            reproduce=reproduce_command(run),
        )
    )


def write_html(run: EvalRun, path: Path) -> Path:
    path.write_text(render_html(run), encoding="utf-8")
    return path
