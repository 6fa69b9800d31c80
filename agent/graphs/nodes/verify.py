"""verify: is the answer supported by the sources, sentence by sentence, and does it answer?

Two checks, for every model: grounding (agent/tools/verification/: every sentence against
the passages it cites and the others; with ``VERAZ_VERIFY=llm`` an LLM judge must also
accept it) and "does it answer?" (agent/tools/verification/answers_question.py: not
empty, not only [n] markers, not the question repeated, and holding what the question
asks for). An answer that fails either goes to the fallback model; if it still fails,
unsupported sentences are trimmed, and an answer that does not answer is an abstention.

A primary model that says it found no answer is not the last word either: when a
fallback can still answer differently, it is asked (a small model abstains on questions
the ``extractive`` fallback answers alone, and model + fallback must never do worse
than the fallback alone).
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.graphs.answering import format_passages, is_abstention
from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import budget_spent
from agent.graphs.node_names import ABSTAIN, FALLBACK, FINALIZE, TRIM, VERIFY
from agent.graphs.nodes.abstain import abstention
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, call_model, parse_json_object
from agent.prompts import render
from agent.tools.verification.answers_question import answers_question
from agent.types import Usage


def verify(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    draft = state["draft"]
    if is_abstention(draft, state["language"]):
        why = "the model found no answer" if draft.strip() else "no answer was produced"
        if _can_fall_back(state, runtime.context) and state.get("passages"):
            # not an answer: the fallback model tries (next_after_verify sends it there)
            return {
                "verification": {
                    "grounded": False,
                    "score": 0.0,
                    "unsupported": [],
                    "method": "none",
                    "answers_question": False,
                    "answer_issue": why,
                },
                "checks": [],
                "steps": [step(VERIFY, started, answers_question=False, answer_issue=why)],
            }
        return {
            **abstention(state["language"], f"abstained: {why}"),
            "steps": [step(VERIFY, started, abstained=True, reason=why)],
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
    deadline = state.get("deadline", 0.0)
    if runtime.context.verify_with_llm and llm is not None and not budget_spent(deadline):
        spent = Usage()
        try:
            for check in (c for c in check_dicts if not c["skipped"]):
                prompt = render(
                    "verify",
                    state["language"],
                    sources=format_passages(state["passages"]),
                    sentence=check["sentence"],
                )
                text, used = call_model(runtime.context.primary, prompt, deadline=deadline)
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
    answered = answers_question(state["standalone"], draft, state["language"], sources)
    result.update(answers_question=answered.answers, answer_issue=answered.reason)
    update.update(
        verification=result,
        checks=check_dicts,
        steps=[
            step(
                VERIFY,
                started,
                grounded=result["grounded"],
                score=result["score"],
                unsupported=len(result["unsupported"]),
                method=result["method"],
                answers_question=answered.answers,
                **({"answer_issue": answered.reason} if answered.reason else {}),
            )
        ],
    )
    return update


def _can_fall_back(state: RAGState, context: GraphContext) -> bool:
    """One hop, and only to a model that can answer differently from the one that did."""
    return not state.get("fallback_used") and (
        context.primary.llm is not None or context.fallback.llm is not None
    )


def next_after_verify(
    state: RAGState, runtime: Runtime[GraphContext]
) -> Literal["finalize", "fallback", "trim", "abstain"]:
    verification = state["verification"]
    if state.get("abstained"):
        return FINALIZE
    answered = verification.get("answers_question", True)
    if verification.get("grounded") and answered:
        return FINALIZE
    if _can_fall_back(state, runtime.context):
        return FALLBACK
    return TRIM if answered else ABSTAIN
