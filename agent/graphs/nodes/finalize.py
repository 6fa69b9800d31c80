"""finalize: fix the answer text and remember the turn in the thread's history."""

from __future__ import annotations

from typing import Any

from agent.graphs.node_names import FINALIZE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render


def finalize(state: RAGState) -> dict[str, Any]:
    started = now()
    answer = state.get("answer") or state.get("draft", "")
    update: dict[str, Any] = {}
    if not answer.strip():
        # Every path should have given an answer or the abstention text by now; a user
        # must never see an empty message, whatever a model returned.
        answer = render("abstain", state["language"])
        update = {"abstained": True, "passages": []}
    return {
        **update,
        "answer": answer,
        "history": [
            {
                "question": state["question"],
                "standalone": state["standalone"],
                "answer": answer,
                "language": state["language"],
            }
        ],
        "steps": [step(FINALIZE, started)],
    }
