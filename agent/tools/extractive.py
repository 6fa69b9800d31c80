"""The ``extractive`` answerer: selects and cites source sentences; writes no words of its own.

Scoring each candidate sentence mixes how much of the question it covers (lexical, by
prefixes) with its embedding similarity to the question, then maximal marginal relevance
picks a few that are good and not redundant. Sentences keep their original wording and
come back in reading order, each followed by the [n] of its passage, so every claim is
quoted from a cited source and the verifier can check it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.tools.relevance import MIN_COVERAGE, coverage
from agent.tools.sentences import split_sentences
from ingestion.embedding import Embedder

_MIN_WORDS = 4
_MIN_LETTER_SHARE = 0.6  # code, JSON and tables are not answer sentences
_MMR_LAMBDA = 0.7
_KEEP_RATIO = 0.6  # later sentences must score at least this share of the best one


@dataclass
class ExtractiveAnswer:
    text: str
    cited: list[int]  # citation numbers used, 1-based passage positions


@dataclass
class _Candidate:
    passage: int
    position: int
    text: str
    lexical: float = 0.0  # share of the question's content covered
    score: float = 0.0


_WRAPPED_LINE = re.compile(r"(?<=[^\n.!?:])\n(?![\n\-*•\d])")


def _unwrap(passage: str) -> str:
    """Join hard-wrapped lines (plain-text files wrap mid-sentence); keep lists and paragraphs."""
    return _WRAPPED_LINE.sub(" ", passage)


def _is_prose(sentence: str) -> bool:
    """A full sentence of text: not a heading, a code line, JSON or a table row."""
    words = sentence.split()
    if len(words) < _MIN_WORDS or any(mark in sentence for mark in ("{", "}", "```", "|")):
        return False
    letters = sum(ch.isalpha() or ch.isspace() for ch in sentence)
    if letters / len(sentence) < _MIN_LETTER_SHARE:
        return False
    # Headings end without punctuation and are short.
    return sentence.rstrip().endswith((".", "!", "?", ")", "]")) or len(words) >= 12


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, max_sentences: int = 3) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences

    def answer(self, question: str, language: str, passages: Sequence[str]) -> ExtractiveAnswer:
        candidates = [
            _Candidate(passage=i, position=j, text=sentence)
            for i, passage in enumerate(passages)
            for j, sentence in enumerate(split_sentences(_unwrap(passage)))
            if _is_prose(sentence)
        ]
        for candidate in candidates:
            candidate.lexical = coverage(question, candidate.text, language)
        # The best sentence must itself cover the question, or nothing here answers it.
        candidates = [c for c in candidates if c.lexical > 0]
        if not candidates or max(c.lexical for c in candidates) < MIN_COVERAGE:
            return ExtractiveAnswer("", [])
        vectors = self.embedder.encode([c.text for c in candidates])
        query = self.embedder.embed_query(question)
        similarity = vectors @ query
        for candidate, sim in zip(candidates, similarity, strict=True):
            rank_bonus = 0.05 / (candidate.passage + 1)
            candidate.score = 0.6 * candidate.lexical + 0.4 * float(sim) + rank_bonus
        chosen = self._mmr(candidates, vectors)
        chosen.sort(key=lambda c: (c.passage, c.position))
        text = " ".join(f"{c.text} [{c.passage + 1}]" for c in chosen)
        return ExtractiveAnswer(text, sorted({c.passage + 1 for c in chosen}))

    def _mmr(self, candidates: list[_Candidate], vectors: np.ndarray) -> list[_Candidate]:
        order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
        best = candidates[order[0]].score
        picked: list[int] = [order[0]]
        while len(picked) < self.max_sentences:
            best_i, best_value = None, -1e9
            for i in order:
                if i in picked or candidates[i].score < _KEEP_RATIO * best:
                    continue
                redundancy = max(float(vectors[i] @ vectors[j]) for j in picked)
                value = _MMR_LAMBDA * candidates[i].score - (1 - _MMR_LAMBDA) * redundancy
                if redundancy < 0.95 and value > best_value:
                    best_i, best_value = i, value
            if best_i is None:
                break
            picked.append(best_i)
        return [candidates[i] for i in picked]
