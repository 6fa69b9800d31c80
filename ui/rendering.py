"""How an answer's evidence is put into words and markup: badge, citations, trace, usage.

Pure functions from an :class:`~agent.types.Answer` (or its parts) to strings, so the
wording and the highlighting are tested without a browser and the Streamlit script only
places them on the page.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.graphs.node_names import FALLBACK
from agent.types import Answer, Citation, Step, Usage
from ui.texts import TEXTS, node_name, text

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_GROUP = re.compile(r"(?:\s*\[\d+\])+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Badge:
    """The trust label of one answer: ``kind`` is stable (tests, CSS), ``label`` is worded."""

    kind: str  # verified | partly | not_verified | abstained
    label: str
    color: str
    score: float

    def markdown(self, lang: str) -> str:
        """A Streamlit badge plus the score, e.g. ``:green-badge[verificada] puntuación 1.00``."""
        if self.kind == "abstained":
            return f":{self.color}-badge[{self.label}]"
        return f":{self.color}-badge[{self.label}] {text(lang, 'score', score=self.score)}"


def badge(answer: Answer, lang: str) -> Badge:
    """The same four verdicts as the CLI's ``_badge``: an abstention is its own verdict."""
    v = answer.verification
    if answer.abstained:
        kind, color = "abstained", "orange"
    elif v.grounded and not v.unsupported:
        kind, color = "verified", "green"
    elif v.grounded:
        kind, color = "partly", "orange"
    else:
        kind, color = "not_verified", "red"
    return Badge(kind, text(lang, kind), color, v.score)


def escape_markdown(value: str) -> str:
    """Text from documents shown through st.markdown: ``$`` would start LaTeX, ``<`` HTML."""
    return value.replace("\\", "\\\\").replace("$", "\\$").replace("<", "&lt;")


def source_label(citation: Citation, lang: str) -> str:
    """``[n] file.pdf · p. 2 · section «Memory»``: where a cited passage comes from."""
    parts = [f"[{citation.n}] {Path(citation.source).name}"]
    if citation.page:
        parts.append(text(lang, "page", page=citation.page))
    if citation.section:
        parts.append(text(lang, "section", section=citation.section))
    return " · ".join(parts)


def sentences(value: str) -> list[str]:
    """Split text into sentences at ., !, ?, … and line breaks (good enough for highlighting)."""
    return [s.strip() for s in _SENTENCE_END.split(value) if s and s.strip()]


def citing_claims(answer_text: str, n: int) -> list[str]:
    """The parts of the answer that ``[n]`` stands for, markers removed.

    A marker follows what it supports ("... 48 GB. [2]"), so the claim is the text
    between the previous group of markers and this one.
    """
    found: list[str] = []
    start = 0
    for group in _MARKER_GROUP.finditer(answer_text):
        claim = _MARKER.sub("", answer_text[start : group.start()]).strip()
        start = group.end()
        if claim and n in {int(m) for m in _MARKER.findall(group.group())}:
            found.append(claim)
    return found


def _words(value: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(value) if len(w) > 2 or w.isdigit()}


def supporting_sentence(answer_text: str, citation: Citation) -> str | None:
    """The sentence of the cited passage that best supports what the answer says with [n].

    Extractive answers quote the passage, so the match is exact; a model paraphrases, so
    the passage sentence closest in words (cosine over word sets) wins. None when too
    little overlaps: nothing highlighted is better than a wrong sentence highlighted.
    """
    claims = citing_claims(answer_text, citation.n)
    for claim in claims:
        if claim in citation.text:  # a quote (extractive), however many sentences long
            return claim
    claims = [sentence for claim in claims for sentence in sentences(claim)]
    candidates = sentences(citation.text)
    for claim in claims:
        for candidate in candidates:
            if claim == candidate or (len(claim) > 20 and claim in candidate):
                return claim if claim in citation.text else candidate
    best, best_score = None, 0.0
    for claim in claims:
        claim_words = _words(claim)
        for candidate in candidates:
            words = _words(candidate)
            shared = len(words & claim_words)
            if shared < 3:
                continue
            score = shared / math.sqrt(len(words) * len(claim_words))
            if score > best_score:
                best, best_score = candidate, score
    return best if best_score >= 0.35 else None


def highlighted_passage(passage: str, sentence: str | None) -> str:
    """The passage as HTML (escaped), with ``sentence`` wrapped in ``<mark>`` where it occurs."""
    escaped = html.escape(passage)
    if sentence:
        target = html.escape(sentence)
        index = escaped.find(target)
        if index >= 0:
            escaped = (
                escaped[:index]
                + f'<mark class="veraz-support">{target}</mark>'
                + escaped[index + len(target) :]
            )
    return escaped.replace("\n", "<br>")


def usage_text(usage: Usage, lang: str) -> str:
    """``1,234 + 56 tokens · $0.0003``; ``~`` marks estimates; unpriced calls say so."""
    approx = "~" if usage.estimated else ""
    cost = f"${usage.cost_usd:.4f}" if usage.priced else text(lang, "cost_unknown")
    return text(
        lang,
        "usage",
        prompt=f"{usage.prompt_tokens:,}",
        completion=f"{usage.completion_tokens:,}",
        approx=approx,
        cost=cost,
    )


def _detail_text(detail: dict[str, Any]) -> str:
    """A step's detail in one line; sub-questions and rewritten queries spelled out."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, list):
            shown = "; ".join(str(v) for v in value)
            parts.append(f"{key}: {shown}")
        elif isinstance(value, float):
            parts.append(f"{key}: {value:.2f}")
        else:
            parts.append(f"{key}: {value}")
    return " · ".join(parts)


def fallback_reason(answer: Answer, lang: str) -> str:
    """Why the fallback model answered, in ``lang``, from the fallback step's ``cause``.

    Answers saved before causes were recorded fall back to the English ``fallback_reason``.
    """
    causes = [s.detail.get("cause") for s in answer.steps if s.node == FALLBACK]
    cause = causes[-1] if causes and isinstance(causes[-1], dict) else None
    if cause is None:
        return answer.fallback_reason or "—"

    def failure(kind: str) -> str:
        key = f"failure_{kind}"
        return text(lang, key) if key in TEXTS.get(lang, TEXTS["en"]) else kind

    if cause.get("code") == "model_failed":
        reason = text(lang, "fallback_model_failed", kind=failure(cause.get("kind", "")))
    elif cause.get("code") == "unsupported":
        reason = text(lang, "fallback_unsupported", sentences=cause.get("sentences", 0))
    elif cause.get("code") == "not_an_answer":
        reason = text(lang, "fallback_not_an_answer")
    else:
        return answer.fallback_reason or "—"
    if cause.get("fallback_failed"):
        reason += text(lang, "fallback_failed_too", kind=failure(cause["fallback_failed"]))
    return reason


def trace_markdown(steps: list[Step], lang: str) -> str:
    """The graph's path as a Markdown table: node, milliseconds, what it did."""
    head = (
        f"| # | {text(lang, 'trace_node')} | {text(lang, 'trace_ms')} "
        f"| {text(lang, 'trace_detail')} |\n|---|---|---:|---|"
    )
    rows = [
        f"| {i} | `{node_name(lang, step.node)}` | {step.ms:.0f} | "
        + escape_markdown(_detail_text(step.detail)).replace("|", "\\|").replace("\n", " ")
        + " |"
        for i, step in enumerate(steps, 1)
    ]
    return "\n".join([head, *rows])


def trace_summary(answer: Answer, lang: str) -> str:
    total = sum(step.ms for step in answer.steps)
    return text(lang, "trace_total", ms=total, route=answer.route, model=answer.model)
