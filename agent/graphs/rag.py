"""Wiring of the question-answering graph: nodes, edges, loop bounds, checkpointer.

    contextualize → route ─┬─ direct ───────────────────────────────────────────┐
                           ├─ retrieve → grade ─┬─ generate ─┬─ verify ─┬─ finalize
                           │      ↑             ├─ rewrite ──┘(retry)   ├─ fallback → verify
                           │      └─────────────┘             │         └─ trim ────┘
                           │                    └─ abstain ───┼──────────────────────┘
                           └─ decompose → solve ───────────────┘ (→ verify / fallback / abstain)

Loops are bounded twice: ``max_rewrites`` in the grade edge and ``fallback_used`` in the
verify edge; LangGraph's recursion limit backs both.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.graphs.context import GraphContext
from agent.graphs.nodes.abstain import abstain
from agent.graphs.nodes.contextualize import contextualize
from agent.graphs.nodes.decompose import decompose
from agent.graphs.nodes.direct import direct
from agent.graphs.nodes.fallback import fallback
from agent.graphs.nodes.finalize import finalize
from agent.graphs.nodes.generate import generate, next_after_generate
from agent.graphs.nodes.grade import grade, next_after_grade
from agent.graphs.nodes.retrieve import retrieve
from agent.graphs.nodes.rewrite import rewrite
from agent.graphs.nodes.route import next_after_route, route
from agent.graphs.nodes.solve import next_after_solve, solve
from agent.graphs.nodes.trim import trim
from agent.graphs.nodes.verify import next_after_verify, verify
from agent.graphs.state import RAGState

RECURSION_LIMIT = 40


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    graph = StateGraph(RAGState, context_schema=GraphContext)
    for name, node in (
        ("contextualize", contextualize),
        ("route", route),
        ("direct", direct),
        ("retrieve", retrieve),
        ("grade", grade),
        ("rewrite", rewrite),
        ("generate", generate),
        ("decompose", decompose),
        ("solve", solve),
        ("verify", verify),
        ("fallback", fallback),
        ("trim", trim),
        ("abstain", abstain),
        ("finalize", finalize),
    ):
        graph.add_node(name, node)
    graph.add_edge(START, "contextualize")
    graph.add_edge("contextualize", "route")
    graph.add_conditional_edges("route", next_after_route, ["direct", "retrieve", "decompose"])
    graph.add_edge("direct", "finalize")
    graph.add_edge("retrieve", "grade")
    graph.add_conditional_edges("grade", next_after_grade, ["generate", "rewrite", "abstain"])
    graph.add_edge("rewrite", "retrieve")
    graph.add_conditional_edges("generate", next_after_generate, ["verify", "fallback"])
    graph.add_edge("decompose", "solve")
    graph.add_conditional_edges("solve", next_after_solve, ["verify", "fallback", "abstain"])
    graph.add_conditional_edges(
        "verify", next_after_verify, ["finalize", "fallback", "trim", "abstain"]
    )
    graph.add_edge("fallback", "verify")
    graph.add_edge("trim", "finalize")
    graph.add_edge("abstain", "finalize")
    graph.add_edge("finalize", END)
    return graph.compile(checkpointer=checkpointer)
