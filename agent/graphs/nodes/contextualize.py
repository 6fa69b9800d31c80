"""contextualize: a follow-up ("¿y QLoRA?") becomes a standalone question.

Uses the thread's history (persisted by the checkpointer). With an LLM, the
contextualize prompt; with ``extractive`` (or when the LLM fails), the name-substitution
rule of agent/tools/question_rules.py.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model
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
    standalone, method, usage = question, "unchanged", None
    if history:
        llm = runtime.context.primary.llm
        if llm is not None:
            turns = "\n".join(
                f"- {turn['standalone']}\n  {turn['answer'][:300]}"
                for turn in history[-_HISTORY_TURNS:]
            )
            try:
                text, used = call_model(
                    runtime.context.primary,
                    render("contextualize", language, history=turns, question=question),
                )
                standalone, method, usage = text.splitlines()[0].strip(), "llm", used.to_dict()
            except ModelCallError as exc:
                method = f"rules (model failed: {exc.kind})"
        if method != "llm" and is_follow_up(question):
            standalone = standalone_question(question, history[-1]["standalone"])
            method = "rules" if method == "unchanged" else method
    update: dict[str, Any] = {
        "standalone": standalone,
        "query": standalone,
        "language": language,
        "steps": [step("contextualize", started, standalone=standalone, method=method)],
    }
    if usage:
        update["usage"] = usage
    return update
