"""generate: the answer with [n] citations, from the kept passages, by the primary model."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.answering import answer_with
from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError


def generate(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    model = runtime.context.primary
    try:
        draft, usage = answer_with(
            model, runtime.context, state["standalone"], state["language"], state["passages"]
        )
    except ModelCallError as exc:
        return {
            "draft": "",
            "generation_error": str(exc),
            "generation_error_kind": exc.kind,
            "model_used": model.name,
            "steps": [step("generate", started, model=model.name, error=str(exc))],
        }
    return {
        "draft": draft,
        "model_used": model.name,
        "usage": usage.to_dict(),
        "steps": [step("generate", started, model=model.name, chars=len(draft))],
    }


def next_after_generate(state: RAGState) -> str:
    return "fallback" if state.get("generation_error") else "verify"
