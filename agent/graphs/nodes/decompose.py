"""decompose: split a multi-part or comparative question into at most N sub-questions."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model, parse_json_object
from agent.prompts import render
from agent.tools.question_rules import split_question


def decompose(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    question, language = state["standalone"], state["language"]
    limit = runtime.context.max_sub_questions
    subs, method, update = split_question(question, language, limit), "rules", {}
    llm = runtime.context.primary.llm
    if llm is not None:
        try:
            prompt = render("decompose", language, question=question, max_parts=str(limit))
            text, usage = call_model(runtime.context.primary, prompt)
            update["usage"] = usage.to_dict()  # spent even if the reply is unusable
            proposed = parse_json_object(text).get("sub_questions", [])
            cleaned = (
                [str(s).strip() for s in proposed if str(s).strip()]
                if isinstance(proposed, list)
                else []
            )
            if not cleaned:
                raise ModelCallError("malformed", "no sub_questions in the reply")
            subs, method = cleaned[:limit], "llm"
        except ModelCallError as exc:
            method = f"rules (model failed: {exc.kind})"
    update.update(
        sub_questions=subs,
        steps=[step("decompose", started, sub_questions=subs, method=method)],
    )
    return update
