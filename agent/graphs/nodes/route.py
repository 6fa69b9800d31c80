"""route: direct reply, one retrieval, or a decomposition into sub-questions."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model, parse_json_object
from agent.prompts import render
from agent.tools import question_rules

ROUTES = ("direct", "retrieve", "decompose")


def route(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question = state["standalone"]
    llm = runtime.context.primary.llm
    update: dict[str, Any] = {}
    chosen, method = question_rules.route(question), "rules"
    if llm is not None:
        try:
            text, usage = call_model(
                runtime.context.primary, render("route", state["language"], question=question)
            )
            update["usage"] = usage.to_dict()  # spent even if the reply is unusable
            value = str(parse_json_object(text).get("route", "")).strip().lower()
            if value not in ROUTES:
                raise ModelCallError("malformed", f"unknown route {value!r}")
            chosen, method = value, "llm"
        except ModelCallError as exc:
            method = f"rules (model failed: {exc.kind})"
    update.update(route=chosen, steps=[step("route", started, route=chosen, method=method)])
    return update


def next_after_route(state: RAGState) -> str:
    return state["route"]
