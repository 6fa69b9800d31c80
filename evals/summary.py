"""Per-run summary: mean scores, Veraz's own rates, latency per node, tokens and cost.

Rates are over the questions that ran; groundedness is over the answered ones, because
an abstention is neither grounded nor ungrounded, and counting it either way would hide
what the verifier said about the answers users actually saw.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from evals.runner import QuestionRecord

FAITHFUL = 0.5
"""ragas faithfulness at or above which an answer counts as faithful, for the agreement."""


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def node_latency(records: list[QuestionRecord]) -> dict[str, dict[str, float]]:
    """Per graph node: calls, mean and p50/p95 ms (a node may run several times a question)."""
    times: dict[str, list[float]] = defaultdict(list)
    for record in records:
        for step in (record.answer or {}).get("steps", []):
            times[step["node"]].append(float(step["ms"]))
    return {
        node: {
            "calls": len(ms),
            "mean_ms": round(statistics.fmean(ms), 2),
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "total_ms": round(sum(ms), 2),
        }
        for node, ms in sorted(times.items(), key=lambda kv: -sum(kv[1]))
    }


def outcome(record: QuestionRecord) -> str:
    """One word per question, used by the report and to spot changes between runs."""
    if record.error and record.answer is None:
        return "error"
    answer = record.answer or {}
    if answer.get("abstained"):
        return "abstained"
    return "grounded" if answer.get("verification", {}).get("grounded") else "ungrounded"


def summarize(records: list[QuestionRecord]) -> dict[str, Any]:
    """The summary table of a run, flat so reports and ``--json`` can print it as is."""
    ran = [r for r in records if r.answer is not None]
    answered = [r for r in ran if not r.answer["abstained"]]
    names = sorted({name for r in records for name in r.scores})
    summary: dict[str, Any] = {
        "questions": len(records),
        "errors": len(records) - len(ran),
        "answered": len(answered),
    }
    for name in names:
        values = [r.scores[name] for r in records if r.scores.get(name) is not None]
        summary[name] = _mean(values)  # type: ignore[arg-type]
    n = len(ran) or 1
    summary["abstention_rate"] = round(sum(r.answer["abstained"] for r in ran) / n, 4)
    summary["fallback_rate"] = round(sum(r.answer["fallback_used"] for r in ran) / n, 4)
    summary["grounded_rate"] = _mean(
        [float(r.answer["verification"]["grounded"]) for r in answered]
    )
    summary["groundedness"] = _mean([r.answer["verification"]["score"] for r in answered])
    pairs = [
        (r.answer["verification"]["grounded"], r.scores["faithfulness"] >= FAITHFUL)
        for r in answered
        if r.scores.get("faithfulness") is not None
    ]
    summary["verifier_ragas_agreement"] = (
        round(sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else None
    )
    seconds = [r.seconds * 1000 for r in ran]
    summary["latency_p50_ms"] = round(percentile(seconds, 50), 1)
    summary["latency_p95_ms"] = round(percentile(seconds, 95), 1)
    usage = [r.answer.get("usage", {}) for r in ran]
    summary["prompt_tokens"] = sum(int(u.get("prompt_tokens", 0)) for u in usage)
    summary["completion_tokens"] = sum(int(u.get("completion_tokens", 0)) for u in usage)
    summary["cost_usd"] = round(sum(float(u.get("cost_usd", 0.0)) for u in usage), 6)
    summary["cost_estimated"] = any(u.get("estimated") for u in usage)
    summary["cost_complete"] = all(u.get("priced", True) for u in usage)
    return summary
