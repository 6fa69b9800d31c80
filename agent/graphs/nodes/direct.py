"""direct: greetings and questions about the conversation, answered without documents."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import model_or_rule
from agent.graphs.node_names import DIRECT
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render
from agent.tools.question_rules import is_greeting


def _canned(question: str, language: str, history: list[dict[str, Any]]) -> str:
    """The rule's reply: a greeting, the questions asked so far, or that there are none."""
    if is_greeting(question):
        return render("greeting", language)
    if history:
        listed = "\n".join(f"{i}. {t['question']}" for i, t in enumerate(history, start=1))
        return render("history_summary", language, questions=listed)
    return render("no_history", language)


def _reply(text: str) -> str:
    if not text.strip():
        raise ValueError("empty reply")
    return text.strip()


def direct(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question, language = state["question"], state["language"]
    history = state.get("history") or []
    turns = "\n".join(f"- {t['question']}\n  {t['answer'][:200]}" for t in history[-5:])
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render("direct", language, history=turns or "-", question=question),
        _reply,
        lambda: _canned(question, language, history),
        deadline=state.get("deadline", 0.0),
        max_tokens=None,  # a reply to the user, not a decision
    )
    by_model = outcome.method == "llm"
    # Canned replies carry no claim about the documents; an LLM's reply is not checked.
    return {
        "answer": outcome.value,
        "model_used": runtime.context.primary.name if by_model else "extractive",
        "verification": {
            "grounded": not by_model,
            "score": 0.0 if by_model else 1.0,
            "unsupported": [],
            "method": "direct: not verified" if by_model else "direct: no document claims",
        },
        **outcome.state_usage(),
        "steps": [step(DIRECT, started, **outcome.detail())],
    }
