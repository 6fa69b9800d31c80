"""generate: the answer with [n] citations, from the kept passages, by the primary model."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.graphs.answering import answer_with
from agent.graphs.context import GraphContext
from agent.graphs.node_names import FALLBACK, GENERATE, VERIFY
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError


def generate(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    model = runtime.context.primary
    try:
        draft, usage = answer_with(
            model,
            runtime.context,
            state["standalone"],
            state["language"],
            state["passages"],
            state.get("deadline", 0.0),
        )
    except ModelCallError as exc:
        return {
            "draft": "",
            "generation_error": str(exc),
            "generation_error_kind": exc.kind,
            "model_used": model.name,
            "usage": exc.usage.to_dict(),
            "steps": [
                step(
                    GENERATE,
                    started,
                    model=model.name,
                    error=str(exc),
                    llm_calls=exc.usage.llm_calls,
                )
            ],
        }
    detail: dict[str, Any] = {"model": model.name, "chars": len(draft)}
    if usage.llm_calls:
        detail.update(
            llm_calls=usage.llm_calls,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
    return {
        "draft": draft,
        "model_used": model.name,
        "usage": usage.to_dict(),
        "steps": [step(GENERATE, started, **detail)],
    }


def next_after_generate(state: RAGState) -> Literal["verify", "fallback"]:
    return FALLBACK if state.get("generation_error") else VERIFY
