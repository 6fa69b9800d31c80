"""direct: greetings and questions about the conversation, answered without documents."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model
from agent.prompts import render
from agent.tools.question_rules import is_greeting


def direct(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question, language = state["question"], state["language"]
    history = state.get("history") or []
    llm = runtime.context.primary.llm
    update: dict[str, Any] = {}
    method = "rules"
    if llm is not None:
        turns = "\n".join(f"- {t['question']}\n  {t['answer'][:200]}" for t in history[-5:])
        try:
            text, usage = call_model(
                runtime.context.primary,
                render("direct", language, history=turns or "-", question=question),
            )
            update.update(
                answer=text, usage=usage.to_dict(), model_used=runtime.context.primary.name
            )
            method = "llm"
        except ModelCallError as exc:
            method = f"rules (model failed: {exc.kind})"
    if method != "llm":
        if is_greeting(question):
            text = render("greeting", language)
        elif history:
            listed = "\n".join(f"{i}. {t['question']}" for i, t in enumerate(history, start=1))
            text = render("history_summary", language, questions=listed)
        else:
            text = render("no_history", language)
        update.update(answer=text, model_used="extractive")
    # Canned replies carry no claim about the documents; an LLM's reply is not checked.
    update["verification"] = {
        "grounded": method != "llm",
        "score": 1.0 if method != "llm" else 0.0,
        "unsupported": [],
        "method": "direct: no document claims" if method != "llm" else "direct: not verified",
    }
    update["steps"] = [step("direct", started, method=method)]
    return update
