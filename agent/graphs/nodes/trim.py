"""trim: keep only the verified sentences, with a visible note, or abstain if none is left."""

from __future__ import annotations

from typing import Any

from agent.graphs.node_names import TRIM
from agent.graphs.nodes.abstain import abstention
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render
from agent.tools.verification.answers_question import answers_question


def trim(state: RAGState) -> dict[str, Any]:
    started = now()
    language = state["language"]
    checks = state.get("checks") or []
    kept = [c["sentence"] for c in checks if c["supported"] or c["skipped"]]
    dropped = len(checks) - len(kept)
    if not any(c["supported"] for c in checks):
        kept = []
    verification = dict(state["verification"])
    # What is left must still answer: "QLoRA usa NF4." is no answer to "¿cuántos GB…?".
    sources = [p["text"] for p in state.get("passages") or []]
    answered = (
        answers_question(state["standalone"], "\n".join(kept), language, sources) if kept else None
    )
    if answered is None or not answered.answers:
        issue = answered.reason if answered else "no sentence is supported by the sources"
        update = abstention(language, f"abstained: after trimming, {issue}")
        update["verification"]["unsupported"] = verification.get("unsupported", [])
        return {
            **update,
            "steps": [step(TRIM, started, kept=0, dropped=dropped, abstained=True)],
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
        "steps": [step(TRIM, started, kept=len(kept), dropped=dropped)],
    }
