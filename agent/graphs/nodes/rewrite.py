"""rewrite: a new search query after a retrieval found nothing relevant (bounded retries)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model
from agent.prompts import render
from agent.tools.question_rules import keyword_query


def rewrite(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    attempt = state["rewrites"] + 1
    llm = runtime.context.primary.llm
    query, method, update = keyword_query(state["standalone"], attempt), "keywords", {}
    if llm is not None:
        try:
            prompt = render(
                "rewrite", state["language"], question=state["standalone"], query=state["query"]
            )
            text, usage = call_model(runtime.context.primary, prompt)
            query, method = text.splitlines()[0].strip(), "llm"
            update["usage"] = usage.to_dict()
        except ModelCallError as exc:
            method = f"keywords (model failed: {exc.kind})"
    update.update(
        query=query,
        rewrites=attempt,
        steps=[step("rewrite", started, attempt=attempt, query=query, method=method)],
    )
    return update
