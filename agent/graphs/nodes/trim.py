"""trim: keep only the verified sentences, with a visible note, or abstain if none is left."""

from __future__ import annotations

from typing import Any

from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render


def trim(state: RAGState) -> dict[str, Any]:
    started = now()
    language = state["language"]
    checks = state.get("checks") or []
    kept = [c["sentence"] for c in checks if c["supported"] or c["skipped"]]
    dropped = len(checks) - len(kept)
    if not any(c["supported"] for c in checks):
        kept = []
    verification = dict(state["verification"])
    if not kept:
        return {
            "answer": render("abstain", language),
            "abstained": True,
            "verification": {**verification, "grounded": False},
            "steps": [step("trim", started, kept=0, dropped=dropped, abstained=True)],
        }
    note = render("partial_note", language, dropped=str(dropped))
    return {
        "answer": " ".join(kept) + "\n\n" + note,
        # What is shown is only verified text; the removed sentences stay listed.
        "verification": {
            **verification,
            "grounded": True,
            "method": f"{verification.get('method', '')}; unsupported sentences removed",
        },
        "steps": [step("trim", started, kept=len(kept), dropped=dropped)],
    }
