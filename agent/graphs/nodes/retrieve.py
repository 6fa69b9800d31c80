"""retrieve: hybrid search for the current query."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.node_names import RETRIEVE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step


def collection_is_empty(context: GraphContext) -> bool:
    """Whether nothing has been ingested yet (dense search returns hits otherwise)."""
    return context.retriever.collection.counts()["chunks"] == 0


def retrieve(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    hits = runtime.context.retriever.retrieve(state["query"], k=runtime.context.k)
    empty = not hits and collection_is_empty(runtime.context)
    return {
        "hits": [hit.to_dict() for hit in hits],
        "empty_collection": empty,
        "steps": [step(RETRIEVE, started, query=state["query"], hits=len(hits))],
    }
