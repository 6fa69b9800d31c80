"""abstain: say the documents do not hold the answer, in the question's language."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render


def abstain(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    if state.get("empty_collection"):
        # Nothing ingested yet: "not in the documents" would send the user looking for a
        # missing answer instead of the missing documents.
        text = render("empty_collection", state["language"], collection=runtime.context.collection)
        method = "abstained: the collection is empty"
    else:
        text, method = render("abstain", state["language"]), "abstained: nothing to verify"
    return {
        "answer": text,
        "abstained": True,
        "passages": [],
        "verification": {"grounded": True, "score": 1.0, "unsupported": [], "method": method},
        "steps": [
            step(
                "abstain",
                started,
                rewrites=state.get("rewrites", 0),
                empty_collection=bool(state.get("empty_collection")),
            )
        ],
    }
