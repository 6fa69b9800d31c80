"""grade: keep the retrieved passages that can help answer; decide what happens next.

With an LLM, one call judges all passages at once. The offline grader is a floor under
it: a passage it finds relevant among the top-ranked ones is kept even when a small
model says no (they reject the passage holding the answer surprisingly often), and an
unusable reply falls back to the offline grader entirely.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.graphs.answering import as_passages, format_passages
from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import Outcome, model_or_rule
from agent.graphs.node_names import ABSTAIN, GENERATE, GRADE, REWRITE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError, parse_json_object
from agent.models.registry import ResolvedModel
from agent.prompts import render
from agent.tools.relevance import relevant
from agent.tools.unit_scoring import excerpts

FLOOR_RANKS = 2  # offline-relevant passages among the top ranks are never dropped


def _parse_numbers(text: str) -> set[int]:
    numbers = parse_json_object(text).get("relevant", [])
    if not isinstance(numbers, list):
        raise ModelCallError("malformed", "'relevant' is not a list")
    return {int(n) for n in numbers if str(n).strip().isdigit()}


def select_relevant(
    model: ResolvedModel,
    question: str,
    language: str,
    hits: list[dict[str, Any]],
    deadline: float = 0.0,
) -> tuple[list[dict[str, Any]], Outcome[set[int]]]:
    """The relevant hits and how they were chosen (the LLM, the rules, or both)."""
    if not hits:
        return [], Outcome(set(), "none retrieved")
    passages = as_passages(hits)
    offline = {n for n, ok in enumerate(relevant(question, language, passages), 1) if ok}

    def prompt() -> str:
        # the grader reads each passage's lines that bear on the question, not all of it
        cut = excerpts(question, language, passages)
        shown = [{**hit, "text": text} for hit, text in zip(hits, cut, strict=True)]
        return render("grade", language, question=question, passages=format_passages(shown))

    outcome = model_or_rule(
        model,
        prompt,
        _parse_numbers,
        lambda: offline,
        deadline=deadline,
    )
    keep = set(outcome.value)
    if outcome.method == "llm":
        floor = {n for n in offline if n <= FLOOR_RANKS} - keep
        if floor:
            keep |= floor
            outcome.method = "llm + offline floor"
    return [h for n, h in enumerate(hits, start=1) if n in keep], outcome


def grade(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    kept, outcome = select_relevant(
        runtime.context.primary,
        state["standalone"],
        state["language"],
        state["hits"],
        state.get("deadline", 0.0),
    )
    return {
        "passages": kept,
        **outcome.state_usage(),
        "steps": [step(GRADE, started, kept=len(kept), of=len(state["hits"]), **outcome.detail())],
    }


def next_after_grade(
    state: RAGState, runtime: Runtime[GraphContext]
) -> Literal["generate", "rewrite", "abstain"]:
    if state["passages"]:
        return GENERATE
    if state["rewrites"] < runtime.context.max_rewrites and not state.get("empty_collection"):
        return REWRITE
    return ABSTAIN
