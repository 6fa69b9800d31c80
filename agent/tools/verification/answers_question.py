"""Does the answer answer the question? The part of verification that grounding misses.

A sentence-by-sentence check against the sources passes an empty answer, an answer that
is only "[1][2]", the question repeated back ("¿Qué es QLoRA? [1]"), a description of
the sources ("The passage is about Luther's career"), and a true sentence that says
nothing of what was asked ("¿Cuántos parámetros…?" answered without a number): nothing
in them is unsupported. Each is caught here, for every model, and sent to the
fallback model and then to an abstention (agent/graphs/nodes/verify.py).

The requirements follow :mod:`agent.tools.question_kind`, and only where the question's
wording makes them clear: a number for "¿cuántos…?"/"how many…", a date for
"¿cuándo…?"/"when…", a name for "¿quién…?"/"who…", two or more items for a plural
"¿qué técnicas…?". Checked on the gold sentences of the XQuAD dev halves, the gold
sentence passes for the share of questions given in README.md ("Answers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.tools.answer_features import (
    has_date,
    has_price,
    item_count,
    names,
    numbers,
    plain_words,
)
from agent.tools.question_kind import question_kind
from agent.tools.sentences import split_sentences, strip_citations
from ingestion.text_analysis import prefixes

# "The passage is about Luther's career…", "El texto habla de…": a small model describing
# its sources instead of answering (a true sentence, so grounding lets it through).
_ABOUT_THE_SOURCES = re.compile(
    r"^\W{0,64}(?:the|this|that)\s+(?:passage|text|document|context|source|excerpt)s?\s+"
    r"(?:is\s+about|are\s+about|is\s+[\"“«]|talks?\s+about|discuss|deals?\s+with|describes?|"
    r"mentions?|refers?\s+to|is\s+discussing|focuses\s+on)"
    r"|^\W{0,64}(?:el|este|ese|la|esta|esa)\s+(?:pasaje|texto|documento|contexto|fuente|fragmento)s?\s+"
    r"(?:trata|habla|es\s+sobre|describe|menciona|se\s+refiere|se\s+centra|es\s+[\"“«])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerCheck:
    """``answers``: whether the text answers the question; ``reason`` says why not."""

    answers: bool
    reason: str = ""


_CITATION_MARKS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def _repeats_itself(answer: str) -> bool:
    """The same sentence of four words or more said twice: a model caught in a loop."""
    seen: set[str] = set()
    for sentence in split_sentences(answer):
        key = " ".join(plain_words(strip_citations(sentence)).lower().split())
        if len(key.split()) >= 4:
            if key in seen:
                return True
            seen.add(key)
    return False


def answers_question(question: str, answer: str, language: str) -> AnswerCheck:
    """Whether ``answer`` (with its [n] markers) answers ``question``; the reason if not."""
    if not answer.strip():
        return AnswerCheck(False, "empty")
    plain = plain_words(strip_citations(answer))
    if not re.search(r"\w", plain):
        return AnswerCheck(False, "only citation markers")
    if not _CITATION_MARKS.search(answer):
        # an answer that names no passage cannot be checked by its reader, and a model
        # that cites nothing has usually not read the passages
        return AnswerCheck(False, "cites no passage")
    if _repeats_itself(answer):
        return AnswerCheck(False, "repeats itself")
    asked = set(prefixes(question, language))
    said = set(prefixes(plain, language))
    if not said - asked:
        return AnswerCheck(False, "restates the question")
    if _ABOUT_THE_SOURCES.match(plain):
        return AnswerCheck(False, "describes the sources instead of answering")
    kind = question_kind(question)
    if kind.expects == "number" and not numbers(plain) - numbers(question):
        return AnswerCheck(False, "no number, and the question asks for one")
    if kind.money and not has_price(plain):
        return AnswerCheck(False, "no price, and the question asks what it costs")
    if kind.expects == "date" and not has_date(plain):
        return AnswerCheck(False, "no date, and the question asks when")
    if kind.expects == "name" and not (
        names(plain, language, people=True) - names(question, language)
    ):
        return AnswerCheck(False, "no name, and the question asks who")
    if kind.several and item_count(answer) < 2:
        return AnswerCheck(False, "one item, and the question asks for several")
    return AnswerCheck(True)
