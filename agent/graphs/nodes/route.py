"""route: direct reply, one retrieval, or a decomposition into sub-questions.

The rules decide when they are confident: a greeting or a question about the
conversation goes ``direct``, a single-part question goes to ``retrieve``, without a
model call (a small model often sends simple factual questions to ``decompose``). Only
a question the rules see as several parts is put to the model, and it is decomposed
only when the model agrees. A bridge question the rules read (agent/tools/bridge_rules.py:
"the drummer of the band that recorded X") goes to ``decompose`` without a call: its
chain is planned there.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import model_or_rule
from agent.graphs.node_names import DECOMPOSE, RETRIEVE, ROUTE, ROUTES, Route
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, parse_json_object
from agent.prompts import render
from agent.tools import question_rules
from agent.tools.bridge_rules import bridge_plan
from agent.tools.question_rules import RULES_MAX_CHARS


def _parse_route(text: str) -> Route:
    value = str(parse_json_object(text).get("route", "")).strip().lower()
    for route in ROUTES:
        if value == route:
            return route
    raise ModelCallError("malformed", f"unknown route {value!r}")


def route(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question = state["standalone"]
    by_rules: Route = question_rules.route(question)  # type: ignore[assignment]
    if by_rules == RETRIEVE and bridge_plan(
        question, state["language"], runtime.context.max_sub_questions
    ):
        # a bridge the rules can read: planned (by the model, if any) in decompose
        return {
            "route": DECOMPOSE,
            "steps": [step(ROUTE, started, route=DECOMPOSE, rules="chain", method="rules")],
        }
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render("route", state["language"], question=question),
        _parse_route,
        lambda: by_rules,
        deadline=state.get("deadline", 0.0),
        ask=by_rules == DECOMPOSE,
    )
    chosen = outcome.value
    # the rules read the question's head only; the steps say so when it was cut
    cut = {"rules_read_chars": RULES_MAX_CHARS} if len(question) > RULES_MAX_CHARS else {}
    if by_rules == DECOMPOSE and outcome.method == "llm" and chosen != DECOMPOSE:
        chosen = RETRIEVE  # the model sees one question where the rules saw several
    return {
        "route": chosen,
        **outcome.state_usage(),
        "steps": [step(ROUTE, started, route=chosen, rules=by_rules, **cut, **outcome.detail())],
    }


def next_after_route(state: RAGState) -> Route:
    return state["route"]  # type: ignore[return-value]
