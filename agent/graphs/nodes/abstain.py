"""abstain: say the documents do not hold the answer, in the question's language."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.node_names import ABSTAIN
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render


def abstention(language: str, method: str, *, text: str = "", issue: str = "") -> dict[str, Any]:
    """The state of an abstention: ``text`` or the abstention sentence in ``language``,
    never empty; ``method`` and ``issue`` say why it abstained."""
    return {
        "answer": text or render("abstain", language),
        "abstained": True,
        "verification": {
            "grounded": True,
            "score": 1.0,
            "unsupported": [],
            "method": method,
            "answers_question": True,
            "answer_issue": issue,
        },
    }


def abstain(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    issue = (state.get("verification") or {}).get("answer_issue", "")
    if state.get("empty_collection"):
        # Nothing ingested yet: "not in the documents" would send the user looking for a
        # missing answer instead of the missing documents.
        text = render("empty_collection", state["language"], collection=runtime.context.collection)
        method = "abstained: the collection is empty"
    elif issue:
        text = render("abstain", state["language"])
        method = f"abstained: the answer did not answer the question ({issue})"
    else:
        text, method = render("abstain", state["language"]), "abstained: nothing to verify"
    return {
        **abstention(state["language"], method, text=text, issue=issue),
        "passages": [],
        "steps": [
            step(
                ABSTAIN,
                started,
                rewrites=state.get("rewrites", 0),
                empty_collection=bool(state.get("empty_collection")),
                **({"answer_issue": issue} if issue else {}),
            )
        ],
    }
