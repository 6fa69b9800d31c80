"""abstain: say the documents do not hold the answer, in the question's language."""

from __future__ import annotations

from typing import Any

from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render


def abstain(state: RAGState) -> dict[str, Any]:
    started = now()
    return {
        "answer": render("abstain", state["language"]),
        "abstained": True,
        "passages": [],
        "verification": {
            "grounded": True,
            "score": 1.0,
            "unsupported": [],
            "method": "abstained: nothing to verify",
        },
        "steps": [step("abstain", started, rewrites=state.get("rewrites", 0))],
    }
