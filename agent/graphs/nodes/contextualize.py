"""contextualize: a follow-up ("¿y QLoRA?") becomes a standalone question.

Uses the thread's history (persisted by the checkpointer). With an LLM, the
contextualize prompt; with ``extractive`` (or when the LLM fails), the name-substitution
rule of agent/tools/question_rules.py. A question that is not a follow-up is left as
it is without asking the model.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import first_line, model_or_rule
from agent.graphs.node_names import CONTEXTUALIZE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render
from agent.tools.question_rules import is_follow_up, standalone_question
from ingestion.language import detect_language

_HISTORY_TURNS = 3


def question_language(text: str, history: list[dict[str, Any]]) -> str:
    """es/en of a question; short follow-ups inherit the thread's language."""
    if "¿" in text or "¡" in text:
        return "es"
    detected = detect_language(text)
    if detected == "other" or len(text.split()) <= 3:
        return history[-1].get("language", detected) if history else detected
    return detected


def contextualize(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question = state["question"].strip()
    history = state.get("history") or []
    language = question_language(question, history)
    if not history:
        return {
            "standalone": question,
            "query": question,
            "language": language,
            "steps": [step(CONTEXTUALIZE, started, standalone=question, method="unchanged")],
        }
    previous = history[-1]["standalone"]
    turns = "\n".join(
        f"- {turn['standalone']}\n  {turn['answer'][:300]}" for turn in history[-_HISTORY_TURNS:]
    )
    follow_up = is_follow_up(question)
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render("contextualize", language, history=turns, question=question),
        first_line,
        lambda: standalone_question(question, previous) if follow_up else question,
        deadline=state.get("deadline", 0.0),
        structured=False,  # one line of text: always usable
    )
    return {
        "standalone": outcome.value,
        "query": outcome.value,
        "language": language,
        **outcome.state_usage(),
        "steps": [step(CONTEXTUALIZE, started, standalone=outcome.value, **outcome.detail())],
    }
