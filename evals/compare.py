"""``veraz eval compare RUN_A RUN_B``: two runs side by side, deltas, changed questions.

Questions are matched by their text (ids may differ between datasets); a question
"changed outcome" when its grounded/ungrounded/abstained/error word or its hit@5 differs.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from evals.charts import bars
from evals.metric_info import SCORE_ORDER, fmt, higher_is_better
from evals.report_html import TEMPLATES
from evals.run_record import EvalRun
from evals.summary import outcome


def compare_runs(a: EvalRun, b: EvalRun) -> dict[str, Any]:
    """Deltas of every summary metric both runs have, and the questions that changed."""
    deltas = {}
    for name in SCORE_ORDER:
        va, vb = a.summary.get(name), b.summary.get(name)
        if isinstance(va, int | float) and isinstance(vb, int | float):
            deltas[name] = {"a": va, "b": vb, "delta": round(vb - va, 6)}
    by_question = {r.item.question: r for r in a.records}
    changed = []
    for rb in b.records:
        ra = by_question.get(rb.item.question)
        if ra is None:
            continue
        before, after = outcome(ra), outcome(rb)
        hit_a, hit_b = ra.scores.get("hit@5"), rb.scores.get("hit@5")
        if before != after or hit_a != hit_b:
            changed.append(
                {
                    "question": rb.item.question,
                    "a": before,
                    "b": after,
                    "hit@5_a": hit_a,
                    "hit@5_b": hit_b,
                    "answer_a": (ra.answer or {}).get("answer", ""),
                    "answer_b": (rb.answer or {}).get("answer", ""),
                }
            )
    return {
        "a": {"run": a.name, "model": a.config.get("model"), "dataset": a.config.get("dataset")},
        "b": {"run": b.name, "model": b.config.get("model"), "dataset": b.config.get("dataset")},
        "common_questions": sum(1 for r in b.records if r.item.question in by_question),
        "deltas": deltas,
        "changed": changed,
    }


def _delta_cell(name: str, delta: float) -> str:
    if delta == 0:
        return "0"
    good = (delta > 0) == higher_is_better(name)
    return f'<span class="{"up" if good else "down"}">{delta:+.3f}</span>'


def render_compare_html(a: EvalRun, b: EvalRun, result: dict[str, Any]) -> str:
    """A one-file HTML page; same stylesheet as the run reports."""
    css = (TEMPLATES / "base.css").read_text(encoding="utf-8")
    rows = "".join(
        f"<tr><td><code>{escape(n)}</code></td><td class='num'>{fmt(d['a'])}</td>"
        f"<td class='num'>{fmt(d['b'])}</td><td class='num'>{_delta_cell(n, d['delta'])}</td></tr>"
        for n, d in result["deltas"].items()
    )
    nodes = [n for n in a.node_latency if n in b.node_latency]
    latency = bars(
        [(n, a.node_latency[n]["mean_ms"]) for n in nodes],
        compare=[b.node_latency[n]["mean_ms"] for n in nodes],
        unit=" ms",
    )
    changed = "".join(
        f"<tr><td>{escape(c['question'])}</td><td><span class='badge {c['a']}'>{c['a']}</span>"
        f" hit@5 {fmt(c['hit@5_a'])}</td><td><span class='badge {c['b']}'>{c['b']}</span>"
        f" hit@5 {fmt(c['hit@5_b'])}</td></tr>"
        f"<tr><td colspan='3'><details><summary>answers</summary><p><b>A:</b> "
        f"{escape(c['answer_a'])}</p><p><b>B:</b> {escape(c['answer_b'])}</p></details></td></tr>"
        for c in result["changed"]
    )
    head = (
        f"<p class='sub'>A = <code>{escape(a.name)}</code> ({escape(str(a.config['model']))}), "
        f"B = <code>{escape(b.name)}</code> ({escape(str(b.config['model']))}); "
        f"{result['common_questions']} questions in common. Green: B is better.</p>"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Veraz: "
        f"{escape(a.name)} vs {escape(b.name)}</title><style>{css}</style></head><body><main>"
        f"<h1>Veraz evaluation comparison</h1>{head}<h2>Summary</h2><table><tr><th>metric</th>"
        f"<th>A</th><th>B</th><th>B − A</th></tr>{rows}</table><h2>Latency per node</h2>"
        f"<p class='note'>Blue: A; orange: B (mean ms per call).</p><div class='panel'>{latency}"
        f"</div><h2>Questions that changed outcome ({len(result['changed'])})</h2>"
        + (
            f"<table><tr><th>question</th><th>A</th><th>B</th></tr>{changed}</table>"
            if changed
            else "<p>None: every common question has the same outcome and hit@5.</p>"
        )
        + "</main></body></html>"
    )


def render_compare_markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# `{result['a']['run']}` vs `{result['b']['run']}`",
        "",
        "| metric | A | B | B − A |",
        "|---|---:|---:|---:|",
    ]
    for name, d in result["deltas"].items():
        lines.append(f"| {name} | {fmt(d['a'])} | {fmt(d['b'])} | {d['delta']:+.3f} |")
    lines += ["", f"Questions that changed outcome: {len(result['changed'])}", ""]
    lines += [f"- {c['a']} → {c['b']}: {c['question']}" for c in result["changed"]]
    return "\n".join(lines) + "\n"


def write_comparison(a: EvalRun, b: EvalRun, directory: Path) -> tuple[dict[str, Any], Path]:
    """Write ``compare.html`` and ``compare.md`` into ``directory``; return the result."""
    result = compare_runs(a, b)
    directory.mkdir(parents=True, exist_ok=True)
    html = directory / "compare.html"
    html.write_text(render_compare_html(a, b, result), encoding="utf-8")
    (directory / "compare.md").write_text(render_compare_markdown(result), encoding="utf-8")
    return result, html
