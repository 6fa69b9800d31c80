"""The graph's final state -> the public :class:`agent.types.Answer`."""

from __future__ import annotations

from typing import Any

from agent.tools.sentences import citation_numbers
from agent.types import Answer, Citation, Step, Usage, Verification


def to_answer(state: dict[str, Any]) -> Answer:
    """Only passages the answer actually cites become citations, numbered as in the text."""
    text = state.get("answer", "")
    passages = state.get("passages") or []
    used = set(citation_numbers(text))
    citations = [
        Citation(
            n=n,
            chunk_id=p["chunk_id"],
            source=p["source"],
            page=p.get("page"),
            text=p["text"],
            score=p["score"],
            section=p.get("section") or "",
        )
        for n, p in enumerate(passages, start=1)
        if n in used
    ]
    verification = state.get("verification") or {}
    usage = state.get("usage") or {}
    return Answer(
        question=state["question"],
        answer=text,
        language=state.get("language", ""),
        abstained=bool(state.get("abstained")),
        route=state.get("route", ""),
        model=state.get("model_used") or "extractive",
        fallback_used=bool(state.get("fallback_used")),
        fallback_reason=state.get("fallback_reason", ""),
        citations=citations,
        verification=Verification(
            grounded=bool(verification.get("grounded")),
            score=float(verification.get("score", 0.0)),
            unsupported=list(verification.get("unsupported", [])),
            method=str(verification.get("method", "")),
            answers_question=bool(verification.get("answers_question", True)),
            answer_issue=str(verification.get("answer_issue", "")),
        ),
        steps=[Step(s["node"], s["ms"], s.get("detail", {})) for s in state.get("steps") or []],
        usage=Usage.from_dict(usage),
    )
