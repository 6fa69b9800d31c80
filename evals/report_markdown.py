"""The Markdown summary of a run: the table a pull request or a notebook can paste."""

from __future__ import annotations

from pathlib import Path

from evals.metric_info import SCORE_ORDER, describe, fmt
from evals.run_record import EvalRun
from evals.summary import outcome


def render_markdown(run: EvalRun) -> str:
    s, c = run.summary, run.config
    judge = c["judge"]["spec"] if c.get("judge") else "none"
    lines = [
        f"# Veraz evaluation `{run.name}`",
        "",
        f"Dataset `{Path(c['dataset']).name}` ({s['questions']} questions), model "
        f"`{c['model']}`, fallback `{c['fallback_model']}`, judge {judge}.",
        "",
        "| metric | value | what it measures |",
        "|---|---:|---|",
    ]
    for name in SCORE_ORDER:
        if name in s:
            lines.append(f"| {name} | {fmt(s[name])} | {describe(name)} |")
    lines += ["", "Metrics not run:", ""]
    lines += [f"- `{m}`: {why}" for m, why in run.metrics_skipped.items()] or ["- none"]
    lines += ["", "| # | outcome | question |", "|---|---|---|"]
    for record in run.records:
        question = record.item.question.replace("|", "\\|")
        lines.append(f"| {record.item.id} | {outcome(record)} | {question} |")
    return "\n".join(lines) + "\n"


def write_markdown(run: EvalRun, path: Path) -> Path:
    path.write_text(render_markdown(run), encoding="utf-8")
    return path
