"""grade: keep the retrieved passages that can help answer; decide what happens next."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.answering import format_passages
from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model, parse_json_object
from agent.models.registry import ResolvedModel
from agent.prompts import render
from agent.tools.relevance import is_relevant
from agent.types import Usage


def select_relevant(
    model: ResolvedModel, question: str, language: str, hits: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str, Usage]:
    """The relevant hits, the method used, and model usage (LLM judgement or offline rules)."""
    if not hits:
        return [], "none retrieved", Usage()
    usage = Usage()  # what a failed judgement cost still counts
    if model.llm is not None:
        try:
            prompt = render("grade", language, question=question, passages=format_passages(hits))
            text, usage = call_model(model, prompt)
            numbers = parse_json_object(text).get("relevant", [])
            if not isinstance(numbers, list):
                raise ModelCallError("malformed", "'relevant' is not a list")
            keep = {int(n) for n in numbers if str(n).isdigit()}
            return [h for n, h in enumerate(hits, start=1) if n in keep], "llm", usage
        except (ModelCallError, ValueError) as exc:
            kind = exc.kind if isinstance(exc, ModelCallError) else "malformed"
            method = f"rules (model failed: {kind})"
    else:
        method = "rules"
    kept = [
        h
        for h in hits
        if is_relevant(question, f"{h['title']}\n{h['section']}\n{h['text']}", language)
    ]
    return kept, method, usage


def grade(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    kept, method, usage = select_relevant(
        runtime.context.primary, state["standalone"], state["language"], state["hits"]
    )
    update: dict[str, Any] = {
        "passages": kept,
        "steps": [step("grade", started, kept=len(kept), of=len(state["hits"]), method=method)],
    }
    if usage.prompt_tokens or usage.completion_tokens:
        update["usage"] = usage.to_dict()
    return update


def next_after_grade(state: RAGState, runtime: Runtime[GraphContext]) -> str:
    if state["passages"]:
        return "generate"
    if state["rewrites"] < runtime.context.max_rewrites and not state.get("empty_collection"):
        return "rewrite"
    return "abstain"
