"""verify: check every answer sentence against the passages it cites (and the others)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.answering import format_passages, is_abstention
from agent.graphs.context import GraphContext
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model, parse_json_object
from agent.prompts import render
from agent.types import Usage


def verify(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    draft = state["draft"]
    if is_abstention(draft, state["language"]):
        return {
            "answer": draft or "",
            "abstained": True,
            "verification": {
                "grounded": True,
                "score": 1.0,
                "unsupported": [],
                "method": "abstained: nothing to verify",
            },
            "steps": [step("verify", started, abstained=True)],
        }
    sources = [p["text"] for p in state["passages"]]
    cited = {n: n - 1 for n in range(1, len(sources) + 1)}
    verification, checks = runtime.context.verifier.verify(draft, sources, cited)
    result = verification.to_dict()
    check_dicts = [
        {
            "sentence": c.sentence,
            "supported": c.supported,
            "skipped": c.skipped,
            "score": c.score,
            "reason": c.reason,
        }
        for c in checks
    ]
    update: dict[str, Any] = {}
    llm = runtime.context.primary.llm
    if runtime.context.verify_with_llm and llm is not None:
        spent = Usage()
        try:
            for check in (c for c in check_dicts if not c["skipped"]):
                prompt = render(
                    "verify",
                    state["language"],
                    sources=format_passages(state["passages"]),
                    sentence=check["sentence"],
                )
                text, used = call_model(runtime.context.primary, prompt)
                spent = spent + used
                update["usage"] = spent.to_dict()
                # A sentence passes only if both judges accept it: the LLM can be fooled
                # into accepting a fabricated number, the offline checks cannot.
                check["supported"] = check["supported"] and bool(
                    parse_json_object(text).get("supported")
                )
            unsupported = [c["sentence"] for c in check_dicts if not c["supported"]]
            result.update(
                grounded=not unsupported, unsupported=unsupported, method=f"{result['method']}+llm"
            )
        except ModelCallError as exc:
            result["method"] += f" (llm judge failed: {exc.kind})"
    update.update(
        verification=result,
        checks=check_dicts,
        steps=[
            step(
                "verify",
                started,
                grounded=result["grounded"],
                score=result["score"],
                unsupported=len(result["unsupported"]),
                method=result["method"],
            )
        ],
    )
    return update


def next_after_verify(state: RAGState, runtime: Runtime[GraphContext]) -> str:
    if state.get("abstained") or state["verification"].get("grounded"):
        return "finalize"
    context = runtime.context
    can_fall_back = not state.get("fallback_used") and (
        context.primary.llm is not None or context.fallback.llm is not None
    )
    return "fallback" if can_fall_back else "trim"
