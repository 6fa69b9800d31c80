"""finalize: fix the answer text and remember the turn in the thread's history."""

from __future__ import annotations

from typing import Any

from agent.graphs.state import RAGState
from agent.graphs.trace import now, step


def finalize(state: RAGState) -> dict[str, Any]:
    started = now()
    answer = state.get("answer") or state.get("draft", "")
    return {
        "answer": answer,
        "history": [
            {
                "question": state["question"],
                "standalone": state["standalone"],
                "answer": answer,
                "language": state["language"],
            }
        ],
        "steps": [step("finalize", started)],
    }
