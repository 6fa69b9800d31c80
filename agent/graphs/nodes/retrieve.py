"""retrieve: hybrid search for the current query; then, for a one-part question, whether
the best passage is only a first hop (agent/graphs/second_hop.py) and the question must be
solved as a chain."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.node_names import GRADE, RETRIEVE, SOLVE
from agent.graphs.second_hop import second_hop
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step


def collection_is_empty(context: GraphContext) -> bool:
    """Whether nothing has been ingested yet (dense search returns hits otherwise)."""
    return context.retriever.collection.counts()["chunks"] == 0


def retrieve(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    hits = [
        hit.to_dict()
        for hit in runtime.context.retriever.retrieve(state["query"], k=runtime.context.k)
    ]
    empty = not hits and collection_is_empty(runtime.context)
    update: dict[str, Any] = {"hits": hits, "empty_collection": empty}
    detail: dict[str, Any] = {"query": state["query"], "hits": len(hits)}
    if not state.get("rewrites") and not state.get("sub_questions"):
        found = second_hop(state["standalone"], state["language"], hits, runtime.context.retriever)
        if found is not None:
            update.update(
                sub_questions=found.plan,
                chain_source="second hop",
                chain_hints={"1": found.entity},
            )
            detail["second_hop"] = found.detail
    return {**update, "steps": [step(RETRIEVE, started, **detail)]}


def next_after_retrieve(state: RAGState) -> str:
    """``solve`` when the best passage was a first hop (a chain), else ``grade``."""
    return SOLVE if state.get("chain_source") == "second hop" else GRADE
