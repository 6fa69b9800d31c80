"""solve: the steps of a decomposition: retrieve, grade, answer each part, combine.

A plan whose steps use earlier answers (#1) is a chain, solved in order by
agent/graphs/chain.py; the parts of a question that lists them are solved here.

Every sub-question's passages join one shared, de-duplicated list, so the combined
answer's [n] markers point into the same citations the user sees.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.graphs.answering import (
    answer_with,
    is_abstention,
    joined_without_repeats,
    renumber_citations,
)
from agent.graphs.chain import solve_chain
from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import model_or_rule, whole_reply
from agent.graphs.node_names import ABSTAIN, FALLBACK, FINALIZE, SOLVE, SYNTHESIZE, VERIFY
from agent.graphs.nodes.grade import select_relevant
from agent.graphs.nodes.retrieve import collection_is_empty
from agent.graphs.plan import is_chain
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError
from agent.prompts import render
from agent.types import Usage


def solve(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    if is_chain(state["sub_questions"]):
        return solve_chain(state, runtime.context)
    context, language = runtime.context, state["language"]
    model, deadline = context.primary, state.get("deadline", 0.0)
    shared: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    usage = Usage()
    error = error_kind = ""
    for sub in state["sub_questions"]:
        started = now()
        hits = [h.to_dict() for h in context.retriever.retrieve(sub, k=context.k)]
        if not hits and collection_is_empty(context):
            return {
                "empty_collection": True,
                "draft": "",
                "steps": [step(SOLVE, started, sub_question=sub, hits=0, empty_collection=True)],
            }
        kept, graded = select_relevant(model, sub, language, hits, deadline)
        usage = usage + graded.usage
        for passage in kept:
            if all(p["chunk_id"] != passage["chunk_id"] for p in shared):
                shared.append(passage)
        answer = ""
        if kept and not error:
            try:
                answer, used = answer_with(model, context, sub, language, kept, deadline)
                usage = usage + used
            except ModelCallError as exc:
                error, error_kind = str(exc), exc.kind
        if answer and not is_abstention(answer, language):
            parts.append({"question": sub, "answer": renumber_citations(answer, kept, shared)})
        steps.append(
            step(
                SOLVE,
                started,
                sub_question=sub,
                hits=len(hits),
                kept=len(kept),
                grade=graded.method,
                answered=bool(answer),
            )
        )
    started = now()
    joined = joined_without_repeats([part["answer"] for part in parts])
    listed = "\n\n".join(f"{p['question']}\n{p['answer']}" for p in parts)
    synthesis = model_or_rule(
        model,
        lambda: render("synthesize", language, question=state["standalone"], parts=listed),
        whole_reply,
        lambda: joined,
        deadline=deadline,
        ask=len(parts) > 1 and not error,  # one part needs no combining
        max_tokens=None,  # the combined answer, not a decision
    )
    usage = usage + synthesis.usage
    steps.append(
        step(SYNTHESIZE, started, parts=len(parts), model=model.name, **synthesis.detail())
    )
    draft = synthesis.value
    return {
        "passages": shared,
        "sub_answers": parts,
        "draft": draft,
        "model_used": model.name,
        "generation_error": error,
        "generation_error_kind": error_kind,
        "usage": usage.to_dict(),
        "steps": steps,
    }


def next_after_solve(state: RAGState) -> Literal["verify", "fallback", "abstain", "finalize"]:
    if state.get("abstained"):
        return FINALIZE  # a chain with a missing link: its own abstention, already checked
    if state.get("generation_error"):
        return FALLBACK
    return VERIFY if state["draft"].strip() else ABSTAIN
