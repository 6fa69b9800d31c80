"""fallback: the fallback model answers when the primary failed or was not supported."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.answering import answer_with
from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError


def fallback(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    model = runtime.context.fallback
    # ``reason`` is the English sentence of the Answer contract; ``cause`` the same as
    # data, which the UI words in the user's language.
    if state.get("generation_error"):
        reason = f"primary model failed: {state['generation_error']}"
        cause = {"code": "model_failed", "kind": state.get("generation_error_kind", "")}
    else:
        unsupported = len(state["verification"].get("unsupported", []))
        reason = f"answer not supported by the sources ({unsupported} sentence(s))"
        cause = {"code": "unsupported", "sentences": unsupported}
    update: dict[str, Any] = {
        "fallback_used": True,
        "fallback_reason": reason,
        "generation_error": "",
        "generation_error_kind": "",
        "model_used": model.name,
    }
    try:
        draft, usage = answer_with(
            model, runtime.context, state["standalone"], state["language"], state["passages"]
        )
        update.update(draft=draft, usage=usage.to_dict())
    except ModelCallError as exc:
        update["draft"] = ""
        reason += f"; fallback model failed too: {exc}"
        update["fallback_reason"] = reason
        cause["fallback_failed"] = exc.kind
    update["steps"] = [step("fallback", started, model=model.name, reason=reason, cause=cause)]
    return update
