"""The graph's state: what one question carries through the nodes, and the thread memory.

Everything is plain JSON-like data (dicts, lists, strings) so the SQLite checkpointer
can persist threads without pickling. Per-question fields are reset by
:func:`new_question`; ``history`` accumulates across the questions of a thread.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from agent.types import Usage


def steps_reducer(left: list[dict[str, Any]] | None, right: list[dict[str, Any]] | None) -> list:
    """Append steps; ``None`` resets (each new question starts an empty trace)."""
    if right is None:
        return []
    return [*(left or []), *right]


def usage_reducer(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Sum token usage; ``None`` resets."""
    if right is None:
        return Usage().to_dict()
    return (Usage.from_dict(left) + Usage.from_dict(right)).to_dict()


class RAGState(TypedDict, total=False):
    # thread memory: one entry per answered question {question, standalone, answer}
    history: Annotated[list[dict[str, Any]], operator.add]

    # the current question
    question: str
    deadline: float  # epoch seconds when the question's time budget ends; 0: none
    standalone: str
    language: str
    route: str
    query: str
    rewrites: int
    sub_questions: list[str]  # a plan's steps; "#n" in a step is step n's answer (a chain)
    chain_source: str  # who planned the chain: "rules", "model", "second hop"; "" for none
    chain_hints: dict[str, str]  # step number -> the entity a second hop already found
    sub_answers: list[dict[str, Any]]
    hits: list[dict[str, Any]]  # retrieved, Hit.to_dict()
    empty_collection: bool  # nothing ingested yet: say so instead of "not in the documents"
    passages: list[dict[str, Any]]  # kept after grading; citation n = position + 1
    draft: str
    model_used: str
    generation_error: str
    generation_error_kind: str  # ModelCallError.kind: timeout, connection, malformed, ...
    fallback_used: bool
    fallback_reason: str
    verification: dict[str, Any]
    checks: list[dict[str, Any]]
    answer: str
    abstained: bool
    steps: Annotated[list[dict[str, Any]], steps_reducer]
    usage: Annotated[dict[str, Any], usage_reducer]


def new_question(question: str, deadline: float = 0.0) -> dict[str, Any]:
    """The input that starts a question: per-question fields reset, history untouched."""
    return {
        "question": question,
        "deadline": deadline,
        "standalone": question,
        "language": "",
        "route": "",
        "query": question,
        "rewrites": 0,
        "sub_questions": [],
        "chain_source": "",
        "chain_hints": {},
        "sub_answers": [],
        "hits": [],
        "empty_collection": False,
        "passages": [],
        "draft": "",
        "model_used": "",
        "generation_error": "",
        "generation_error_kind": "",
        "fallback_used": False,
        "fallback_reason": "",
        "verification": {},
        "checks": [],
        "answer": "",
        "abstained": False,
        "steps": None,
        "usage": None,
    }
