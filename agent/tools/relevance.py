"""Offline relevance of retrieved passages to a question (the ``extractive`` grader).

Fused retrieval scores rank passages but are not comparable across questions, so the
grader asks absolute questions instead. A passage is kept when:

- it names what the question names (a passage about LoRA does not answer a question
  about "Claude 3");
- it covers enough of the question's content (five-letter prefixes, so "interceptó"
  meets "intercepciones" and languages mix safely);
- and one of its answer units answers (agent/tools/unit_scoring.py): a heading or a
  link that repeats the question's words covers the question but answers nothing, and
  a passage whose only matching line lacks the number a "¿cuántos…?" asks for holds no
  answer either.

A passage below the coverage bar is still kept when one of its answering units has full
focus on a question asking for something definite (a number, a date, a name, which X):
it names every key term or identifier of the question ("TGI", "lora_alpha") and holds
what is asked ("Engine: TGI · Tokens/s: 1,980" for "How many tokens per second did TGI
reach?", where "per second" is written "/s").

So a passage is kept exactly when the extractive answerer could answer from it, and the
graph abstains only when no unit anywhere answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.tools.bilingual_lexicon import translations
from agent.tools.named_terms import missing_key_terms
from agent.tools.question_kind import question_kind
from agent.tools.question_rules import is_number, key_terms
from agent.tools.unit_scoring import (
    Passage,
    identifiers,
    keys_said_by_address,
    other_language_of,
    score_units,
)
from agent.tools.word_forms import question_keys, word_keys

# Calibrated with evals/calibrate_grader.py on the XQuAD dev halves: at 0.375 the gold
# paragraph passes for 95% of questions (es and en) while the best-covering paragraph of
# another article fails for 64-66% of them (names/numbers then catch a further ~20%).
MIN_COVERAGE = 0.375
# A passage in the other language than the question meets it through the word list's
# translations, which bring words of other senses too ("pesos" reads as "weight"): half
# the question must be said there, unless the passage names what the question names.
# Chosen on the XQuAD tune halves paired across languages (docs/performance.md).
MIN_COVERAGE_ACROSS = 0.5

__all__ = ["MIN_COVERAGE", "coverage", "missing_key_terms", "relevant"]


def coverage(question: str, passage: str, language: str, written: str = "") -> float:
    """Share of the question's content prefixes present in the passage (0..1); ``written``:
    the other language the passage is in, whose words' translations count. A passage
    holding the phone, e-mail or web address asked for says the words asking for it."""
    wanted = set(question_keys(question, language))
    if not wanted:
        return 0.0
    present = set(word_keys(passage, language)) | keys_said_by_address(question, passage, language)
    if written:
        present |= translations(passage, written)
    return len(wanted & present) / len(wanted)


def relevant(question: str, language: str, passages: Sequence[Passage]) -> list[bool]:
    """For each passage, whether it can answer ``question`` (see the module docstring)."""
    scored = score_units(question, language, passages)
    answering = {s.passage for s in scored if s.answers}
    kind = question_kind(question)
    definite = kind.expects in ("number", "date", "name") or bool(kind.entity)
    named = bool(identifiers(question) or [k for k in key_terms(question) if not is_number(k)])
    focused = (
        {s.passage for s in scored if s.answers and s.focus >= 1.0} if definite and named else set()
    )
    verdicts = []
    for index, passage in enumerate(passages):
        whole = f"{passage.title}\n{passage.section}\n{passage.text}"
        written = other_language_of(passage, language)
        missing = missing_key_terms(question, whole)
        # across languages without a name of the question in common, the translations
        # alone must carry it: half the question (a passage naming QLoRA for a question
        # about QLoRA is held to the same bar as within one language)
        needed = MIN_COVERAGE_ACROSS if written and not (named and not missing) else MIN_COVERAGE
        verdicts.append(
            index in answering
            and not missing
            and (coverage(question, whole, language, written) >= needed or index in focused)
        )
    return verdicts
