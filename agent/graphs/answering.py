"""Producing an answer from passages with a given model (primary or fallback).

Shared by the generate, solve (decomposition) and fallback nodes so the three produce
answers the same way: the extractive answerer for ``extractive``, the generation prompt
for an LLM, with passages numbered exactly as the citations will be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.graphs.context import GraphContext
from agent.models.calls import call_model
from agent.models.registry import ResolvedModel
from agent.prompts import render
from agent.types import Usage


def format_passages(passages: list[dict[str, Any]]) -> str:
    """Numbered passages with where they come from: "[1] (rag.pdf, p. 2 — BM25)\\n text"."""
    blocks = []
    for n, passage in enumerate(passages, start=1):
        where = Path(passage["source"]).name
        if passage.get("page"):
            where += f", p. {passage['page']}"
        if passage.get("section"):
            where += f" — {passage['section']}"
        blocks.append(f"[{n}] ({where})\n{passage['text']}")
    return "\n\n".join(blocks)


def answer_with(
    model: ResolvedModel,
    context: GraphContext,
    question: str,
    language: str,
    passages: list[dict[str, Any]],
) -> tuple[str, Usage]:
    """An answer with [n] citations into ``passages``; raises ModelCallError on LLM failure."""
    if model.llm is None:
        result = context.answerer.answer(question, language, [p["text"] for p in passages])
        return result.text, Usage()
    prompt = render("generate", language, context=format_passages(passages), question=question)
    return call_model(model.llm, prompt)


def is_abstention(text: str, language: str) -> bool:
    """True when a model's reply is the prompt's "cannot find it" sentence (either language)."""
    folded = text.strip().lower()
    return any(render("abstain", lang).lower().rstrip(".") in folded for lang in ("es", "en")) or (
        not folded
    )
