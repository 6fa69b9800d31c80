"""fallback: the fallback model answers when the primary failed or was not supported.

When the question's time budget (VERAZ_QUESTION_TIMEOUT_S) is already spent, the
offline ``extractive`` answerer answers instead of the configured fallback model: it
takes milliseconds, and the answer says why.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.answering import answer_with
from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import BUDGET_SPENT, budget_spent
from agent.graphs.node_names import FALLBACK
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError
from agent.models.resolved import EXTRACTIVE, ResolvedModel
from agent.types import Usage

OFFLINE = ResolvedModel(EXTRACTIVE, None)  # answers in milliseconds, whatever the budget


def _why(state: RAGState) -> tuple[str, dict[str, Any]]:
    """The reason in English (the Answer contract) and as data (the UI words it)."""
    verification = state.get("verification") or {}
    if state.get("generation_error"):
        reason = f"primary model failed: {state['generation_error']}"
        return reason, {"code": "model_failed", "kind": state.get("generation_error_kind", "")}
    if not verification.get("answers_question", True):
        issue = verification.get("answer_issue", "")
        return f"the answer did not answer the question ({issue})", {
            "code": "not_an_answer",
            "issue": issue,
        }
    unsupported = len(verification.get("unsupported", []))
    return f"answer not supported by the sources ({unsupported} sentence(s))", {
        "code": "unsupported",
        "sentences": unsupported,
    }


def fallback(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    deadline = state.get("deadline", 0.0)
    reason, cause = _why(state)
    model = runtime.context.fallback
    if model.llm is not None and budget_spent(deadline):
        model = OFFLINE
        reason += f"; {BUDGET_SPENT}: answered offline"
        cause["budget_spent"] = True

    def answer(by: ResolvedModel) -> tuple[str, Usage]:
        return answer_with(
            by, runtime.context, state["standalone"], state["language"], state["passages"], deadline
        )

    try:
        draft, usage = answer(model)
    except ModelCallError as exc:
        draft, usage = "", exc.usage
        if budget_spent(deadline):  # it ran out during the fallback's own call
            model = OFFLINE
            reason += f"; fallback model stopped ({exc.kind}), {BUDGET_SPENT}: answered offline"
            cause["budget_spent"] = True
            draft, more = answer(model)
            usage = usage + more
        else:
            reason += f"; fallback model failed too: {exc}"
            cause["fallback_failed"] = exc.kind
    return {
        "fallback_used": True,
        "fallback_reason": reason,
        "generation_error": "",
        "generation_error_kind": "",
        "model_used": model.name,
        "draft": draft,
        "usage": usage.to_dict(),
        "steps": [step(FALLBACK, started, model=model.name, reason=reason, cause=cause)],
    }
