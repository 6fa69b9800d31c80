"""Wiring of the question-answering graph: nodes, edges, loop bounds, checkpointer.

    contextualize → route ─┬─ direct ───────────────────────────────────────────┐
                           ├─ retrieve → grade ─┬─ generate ─┬─ verify ─┬─ finalize
                           │      ↑             ├─ rewrite ──┘(retry)   ├─ fallback → verify
                           │      └─────────────┘             │         └─ trim ────┘
                           │                    └─ abstain ───┼──────────────────────┘
                           └─ decompose → solve ───────────────┘ (→ verify / fallback / abstain;
                                                                  a chain's missing hop → finalize)
    (verify also → abstain when the answer does not answer the question and no fallback is
    left; retrieve → solve when the best passage is only a first hop: a second hop)

Loops are bounded twice: ``max_rewrites`` in the grade edge and ``fallback_used`` in the
verify edge; LangGraph's recursion limit backs both.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.graphs.context import GraphContext
from agent.graphs.node_names import (
    ABSTAIN,
    CONTEXTUALIZE,
    DECOMPOSE,
    DIRECT,
    FALLBACK,
    FINALIZE,
    GENERATE,
    GRADE,
    RETRIEVE,
    REWRITE,
    ROUTE,
    SOLVE,
    TRIM,
    VERIFY,
)
from agent.graphs.nodes.abstain import abstain
from agent.graphs.nodes.contextualize import contextualize
from agent.graphs.nodes.decompose import decompose
from agent.graphs.nodes.direct import direct
from agent.graphs.nodes.fallback import fallback
from agent.graphs.nodes.finalize import finalize
from agent.graphs.nodes.generate import generate, next_after_generate
from agent.graphs.nodes.grade import grade, next_after_grade
from agent.graphs.nodes.retrieve import next_after_retrieve, retrieve
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
        (CONTEXTUALIZE, contextualize),
        (ROUTE, route),
        (DIRECT, direct),
        (RETRIEVE, retrieve),
        (GRADE, grade),
        (REWRITE, rewrite),
        (GENERATE, generate),
        (DECOMPOSE, decompose),
        (SOLVE, solve),
        (VERIFY, verify),
        (FALLBACK, fallback),
        (TRIM, trim),
        (ABSTAIN, abstain),
        (FINALIZE, finalize),
    ):
        graph.add_node(name, node)
    graph.add_edge(START, CONTEXTUALIZE)
    graph.add_edge(CONTEXTUALIZE, ROUTE)
    graph.add_conditional_edges(ROUTE, next_after_route, [DIRECT, RETRIEVE, DECOMPOSE])
    graph.add_edge(DIRECT, FINALIZE)
    graph.add_conditional_edges(RETRIEVE, next_after_retrieve, [GRADE, SOLVE])
    graph.add_conditional_edges(GRADE, next_after_grade, [GENERATE, REWRITE, ABSTAIN])
    graph.add_edge(REWRITE, RETRIEVE)
    graph.add_conditional_edges(GENERATE, next_after_generate, [VERIFY, FALLBACK])
    graph.add_edge(DECOMPOSE, SOLVE)
    graph.add_conditional_edges(SOLVE, next_after_solve, [VERIFY, FALLBACK, ABSTAIN, FINALIZE])
    graph.add_conditional_edges(VERIFY, next_after_verify, [FINALIZE, FALLBACK, TRIM, ABSTAIN])
    graph.add_edge(FALLBACK, VERIFY)
    graph.add_edge(TRIM, FINALIZE)
    graph.add_edge(ABSTAIN, FINALIZE)
    graph.add_edge(FINALIZE, END)
    return graph.compile(checkpointer=checkpointer)
