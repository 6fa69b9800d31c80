"""decompose: the plan of a question: its parts, or the chain of a bridge question.

A bridge question the rules read (agent/tools/bridge_rules.py) gets a chain whose later
steps use earlier answers (#1); a model may plan it instead, with up to
``max_sub_questions`` steps, and its plan is used only if agent/graphs/plan.check_plan
accepts it (else the rules' chain). A question that lists its parts is split into
never more sub-questions than the rules find parts (a small model asked to decompose
"¿Con cuántos tokens se entrenó X?" invents four), and at most ``max_sub_questions``.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import model_or_rule
from agent.graphs.node_names import DECOMPOSE
from agent.graphs.plan import parse_plan
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, parse_json_object
from agent.prompts import render
from agent.tools.bridge_rules import bridge_plan
from agent.tools.question_rules import split_question


def _parse_sub_questions(text: str) -> list[str]:
    proposed = parse_json_object(text).get("sub_questions", [])
    cleaned = (
        [str(s).strip() for s in proposed if str(s).strip()] if isinstance(proposed, list) else []
    )
    if not cleaned:
        raise ModelCallError("malformed", "no sub_questions in the reply")
    return cleaned


def _plan_chain(state: RAGState, runtime: Runtime[GraphContext], chain: list[str]) -> dict:
    """The chain of a bridge question: the model's checked plan, else the rules' chain."""
    started = now()
    question, language = state["standalone"], state["language"]
    most = runtime.context.max_sub_questions
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render("plan", language, question=question, max_steps=str(most)),
        lambda text: parse_plan(text, question, most),
        lambda: chain,
        deadline=state.get("deadline", 0.0),
        max_tokens=40 * most + 24,  # a JSON list of at most ``most`` short questions
    )
    steps = outcome.value
    return {
        "sub_questions": steps,
        "chain_source": "model" if outcome.method == "llm" else "rules",
        **outcome.state_usage(),
        "steps": [
            step(DECOMPOSE, started, sub_questions=steps, rules_plan=chain, **outcome.detail())
        ],
    }


def decompose(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    question, language = state["standalone"], state["language"]
    chain = bridge_plan(question, language, runtime.context.max_sub_questions)
    if chain:
        return _plan_chain(state, runtime, chain)
    started = now()
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
