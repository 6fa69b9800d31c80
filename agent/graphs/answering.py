"""Producing an answer from passages with a given model (primary or fallback).

Shared by the generate, solve (decomposition) and fallback nodes so the three produce
answers the same way: the extractive answerer for ``extractive``, the generation prompt
for an LLM, with passages numbered exactly as the citations will be.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agent.graphs.context import GraphContext
from agent.models.calls import call_model
from agent.models.registry import ResolvedModel
from agent.prompts import render
from agent.tools.sentences import split_sentences, strip_citations
from agent.tools.unit_scoring import Passage
from agent.types import Usage


def as_passages(passages: list[dict[str, Any]]) -> list[Passage]:
    """Hits (``Hit.to_dict()``) as the offline scorers read them: text, section, title and
    the document's language."""
    return [
        Passage(p["text"], p.get("section") or "", p.get("title") or "", p.get("language") or "")
        for p in passages
    ]


def format_passages(passages: list[dict[str, Any]]) -> str:
    """Numbered passages, each fenced: ``<passage n="1" source="rag.pdf, p. 2 — BM25">``.

    The fence is what keeps a document from speaking as the prompt: a passage that
    contains "Question: … Answer: …" or "ignore previous instructions" stays inside its
    tags, and a forged closing tag in the text is defused, so the model can always tell
    quoted material from the request around it.
    """
    return PASSAGE_SEPARATOR.join(_fenced(n, p) for n, p in enumerate(passages, start=1))


PASSAGE_SEPARATOR = "\n\n"


def _fenced(n: int, passage: dict[str, Any]) -> str:
    """Passage number ``n`` in its ``<passage>`` tags, with where it comes from."""
    where = Path(passage["source"]).name
    if passage.get("page"):
        where += f", p. {passage['page']}"
    if passage.get("section"):
        where += f" — {passage['section']}"
    where = _defused(where).replace('"', "'")
    return f'<passage n="{n}" source="{where}">\n{_defused(passage["text"])}\n</passage>'


_TAG = re.compile(r"<(/?)\s*passage", re.IGNORECASE)


def _defused(text: str) -> str:
    """``<passage``/``</passage`` inside document text, made harmless (``<_passage``)."""
    return _TAG.sub(r"<\1_passage", text)


def answer_with(
    model: ResolvedModel,
    context: GraphContext,
    question: str,
    language: str,
    passages: list[dict[str, Any]],
    deadline: float = 0.0,
) -> tuple[str, Usage]:
    """An answer with [n] citations into ``passages``; raises ModelCallError on LLM failure
    (including a question whose time budget, ``deadline``, is spent)."""
    if model.llm is None:
        result = context.answerer.answer(question, language, as_passages(passages))
        return result.text, Usage()
    packed = pack_passages(model, passages, question, language)
    prompt = render("generate", language, context=format_passages(packed), question=question)
    return call_model(model, prompt, deadline=deadline)


# Tokens kept free besides the reply: chat-template wrapping and counting differences.
PROMPT_MARGIN = 64


def pack_passages(
    model: ResolvedModel, passages: list[dict[str, Any]], question: str, language: str
) -> list[dict[str, Any]]:
    """The leading passages that fit the model's context window with room for the reply.

    Passages arrive best first, so the tail is dropped (numbering of the kept ones is
    unchanged, citations stay valid); if even the first is too long it is cut to fit.
    """
    if not model.context_window or not passages:
        return passages
    frame = render("generate", language, context="", question=question)
    budget = (
        model.context_window - model.max_output_tokens - model.counter.count(frame) - PROMPT_MARGIN
    )
    separator = model.counter.count(PASSAGE_SEPARATOR)
    kept: list[dict[str, Any]] = []
    for n, passage in enumerate(passages, start=1):
        # each passage is counted once, as it will appear (numbered, fenced, separated)
        cost = model.counter.count(_fenced(n, passage)) + (separator if kept else 0)
        if cost > budget:
            if not kept and budget > 0:
                kept.append({**passage, "text": _cut_to(model, passage["text"], budget)})
            break
        kept.append(passage)
        budget -= cost
    return kept


def _cut_to(model: ResolvedModel, text: str, tokens: int) -> str:
    """The longest word-boundary prefix of ``text`` that counts at most ``tokens``."""
    words = text.split()
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if model.counter.count(" ".join(words[:middle]) + " …") <= tokens:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]) + " …"


def is_abstention(text: str, language: str) -> bool:
    """True when a model's reply is the prompt's "cannot find it" sentence (either language)."""
    folded = text.strip().lower()
    return any(render("abstain", lang).lower().rstrip(".") in folded for lang in ("es", "en")) or (
        not folded
    )


_CITATION_MARK = re.compile(r"\[(\d+)\]")


def renumber_citations(text: str, local: list[dict[str, Any]], shared: list[dict[str, Any]]) -> str:
    """Map a sub-answer's [n] (into ``local``) onto positions in ``shared``."""
    index = {p["chunk_id"]: i for i, p in enumerate(shared, start=1)}

    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= len(local):
            return f"[{index[local[n - 1]['chunk_id']]}]"
        return match.group(0)

    return _CITATION_MARK.sub(swap, text)


def joined_without_repeats(answers: list[str]) -> str:
    """The sub-answers one after another, each sentence once.

    Sub-questions often retrieve the same passage ("What is QLoRA?" and "compare LoRA
    and QLoRA" both find the sentence that compares them); quoting it twice adds nothing.
    """
    seen: set[str] = set()
    kept_parts = []
    for answer in answers:
        kept = []
        for sentence in split_sentences(answer):
            key = " ".join(strip_citations(sentence).lower().split())
            if key and key not in seen:
                seen.add(key)
                kept.append(sentence)
        if kept:
            kept_parts.append(" ".join(kept))
    return "\n".join(kept_parts)
