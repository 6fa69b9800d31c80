"""rewrite: a new search query after a retrieval found nothing relevant (bounded retries)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import first_line, model_or_rule
from agent.graphs.node_names import REWRITE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render
from agent.tools.question_rules import keyword_query


def rewrite(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    attempt = state["rewrites"] + 1
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render(
            "rewrite", state["language"], question=state["standalone"], query=state["query"]
        ),
        first_line,
        lambda: keyword_query(state["standalone"], attempt),
        deadline=state.get("deadline", 0.0),
        structured=False,  # one line of text: always usable
    )
    detail = outcome.detail()
    detail["method"] = outcome.method.replace("rules", "keywords", 1)
    return {
        "query": outcome.value,
        "rewrites": attempt,
        **outcome.state_usage(),
        "steps": [step(REWRITE, started, attempt=attempt, query=outcome.value, **detail)],
    }
