"""decompose: split a multi-part or comparative question into its sub-questions.

Never into more sub-questions than the rules find parts (a small model asked to
decompose "¿Con cuántos tokens se entrenó X?" invents four), and at most
``max_sub_questions``.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import model_or_rule
from agent.graphs.node_names import DECOMPOSE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, parse_json_object
from agent.prompts import render
from agent.tools.question_rules import split_question


def _parse_sub_questions(text: str) -> list[str]:
    proposed = parse_json_object(text).get("sub_questions", [])
    cleaned = (
        [str(s).strip() for s in proposed if str(s).strip()] if isinstance(proposed, list) else []
    )
    if not cleaned:
        raise ModelCallError("malformed", "no sub_questions in the reply")
    return cleaned


def decompose(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question, language = state["standalone"], state["language"]
    by_rules = split_question(question, language, runtime.context.max_sub_questions)
    limit = len(by_rules)
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render("decompose", language, question=question, max_parts=str(limit)),
        _parse_sub_questions,
        lambda: by_rules,
        deadline=state.get("deadline", 0.0),
        max_tokens=40 * limit + 24,  # a JSON list of at most ``limit`` short questions
    )
    subs = outcome.value[:limit]
    return {
        "sub_questions": subs,
        **outcome.state_usage(),
        "steps": [step(DECOMPOSE, started, sub_questions=subs, **outcome.detail())],
    }
