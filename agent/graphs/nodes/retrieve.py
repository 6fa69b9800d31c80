"""retrieve: hybrid search for the current query."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step


def retrieve(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    hits = runtime.context.retriever.retrieve(state["query"], k=runtime.context.k)
    return {
        "hits": [hit.to_dict() for hit in hits],
        "steps": [step("retrieve", started, query=state["query"], hits=len(hits))],
    }
