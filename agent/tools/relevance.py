"""Offline relevance of a retrieved passage to a question (the ``extractive`` grader).

Fused retrieval scores rank passages but are not comparable across questions, so the
grader asks two absolute questions instead: does the passage contain the question's
names and numbers (a passage about LoRA does not answer a question about "Claude 3"),
and how much of the question's content it covers (five-letter prefixes, so "interceptó"
meets "intercepciones", and languages mix safely).
"""

from __future__ import annotations

from agent.tools.question_rules import is_number, key_terms
from ingestion.text_analysis import fold_accents, prefixes

# Calibrated with evals/calibrate_grader.py on the XQuAD dev halves: at 0.375 the gold
# paragraph passes for 95% of questions (es and en) while the best-covering paragraph of
# another article fails for 64-66% of them (names/numbers then catch a further ~20%).
MIN_COVERAGE = 0.375


def coverage(question: str, passage: str, language: str) -> float:
    """Share of the question's content prefixes present in the passage (0..1)."""
    wanted = set(prefixes(question, language))
    if not wanted:
        return 0.0
    present = set(prefixes(passage, language))
    return len(wanted & present) / len(wanted)


def missing_key_terms(question: str, passage: str) -> list[str]:
    """The question's names that the passage never mentions (accent- and case-blind).

    Numbers are not required: "65B" is written "65.000 millones" in a Spanish source.
    """
    haystack = fold_accents(passage).lower()
    return [
        t
        for t in key_terms(question)
        if not is_number(t) and fold_accents(t).lower() not in haystack
    ]


def is_relevant(
    question: str, passage: str, language: str, min_coverage: float = MIN_COVERAGE
) -> bool:
    return (
        not missing_key_terms(question, passage)
        and coverage(question, passage, language) >= min_coverage
    )
