"""How well each answer unit of the retrieved passages answers a question, offline.

Shared by the grader (agent/tools/relevance.py: is there a unit here that answers?) and
the extractive answerer (agent/tools/extractive.py: which units to quote), so a passage
is kept exactly when the answerer could answer from it.

A unit *answers* when three things hold:

- **coverage**: the question's content words (five-letter prefixes, so "cuantizar"
  meets "cuantización") are found in the unit together with what it sits under (its
  headings, its list's lead line, its parent items, the sentence before it);
- **news**: the unit itself says something the question does not — a heading or a
  link that only repeats the question's words answers nothing;
- **fit**: it holds what the question asks for (agent/tools/question_kind.py): a number
  for "¿cuántos…?", a date for "when…", a name for "who…", a name of the sort asked
  for in "which tool…?". A unit without it can still be context, never the answer.

Beside these, each unit has a **focus** score (0..1): how much of what the wh-word asks
for, and of what, the unit says itself — every part asked ("¿Quién propuso X *y en qué
año*?" asks for a name and a date) and the question's topic (its names and key words)
in the unit's own words or its subject. A true sentence from the right document that
only mentions X has low focus; the answerer ranks by it, and the "does it answer?"
check applies the same reading to any model's answer (:func:`focus`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.tools import kinship
from agent.tools.answer_features import (
    has_price,
    holds_measure,
    names,
    names_something,
    negates,
    new_numbers,
    says_when,
)
from agent.tools.answer_units import AnswerUnit, opens_without_its_subject, passage_units
from agent.tools.authorship import asks_for_an_author, credits_an_author
from agent.tools.bilingual_lexicon import translations
from agent.tools.named_terms import names_the_owner
from agent.tools.question_kind import (
    METRIC_NAMES,
    QuestionKind,
    asked_metrics,
    contact_noun,
    question_kind,
)
from agent.tools.question_rules import is_number, key_terms, mentions
from agent.tools.sentences import split_sentences
from agent.tools.word_forms import question_keys, word_keys
from ingestion.language import detect_language
from ingestion.text_analysis import fold_accents

# Calibrated with evals/calibrate_grader.py on the XQuAD dev halves (tuning half) and the
# tuning part of the course-notes dev set: see README.md, "Answers".
MIN_UNIT_COVERAGE = 0.3


@dataclass(frozen=True)
class Passage:
    """A retrieved passage as the scorers need it: its text and the section it is in."""

    text: str
    section: str = ""
    title: str = ""
    language: str = ""  # the document's, when known ("es", "en", "other")


@dataclass
class ScoredUnit:
    """A unit of passage ``passage`` with its lexical evidence (see the module docstring)."""

    unit: AnswerUnit
    passage: int
    coverage: float  # of the question, by the unit and its context
    own: float  # of the question, by the unit's own text
    news: int  # content words of the unit that the question does not have
    fits: bool  # holds what the question asks for (always true for open questions)
    focus: float = 1.0  # what the wh-word asks for, and of what, said by the unit itself
    # position of the sentence it may point back to: the unit before it in its passage,
    # past asides, when that is a sentence under the same headings; -1 otherwise
    before: int = -1

    @property
    def answers(self) -> bool:
        return (
            self.coverage >= MIN_UNIT_COVERAGE
            and self.news > 0
            and self.fits
            and not self.unit.reference
        )


_PARENT = kinship.as_prefixes(kinship.PARENT)
_CHILD = kinship.as_prefixes(kinship.CHILD)
_INVERSE = {**{w: _CHILD for w in _PARENT}, **{w: _PARENT for w in _CHILD}}
"""A kinship word and its inverse (kinship.py), as five-letter prefixes: "Hijo del
pintor Gonzalo Aranda" says who Felipe Aranda's father is in a passage about Felipe, and
"The son of the engineer Andrés Ortega, he…" who Pablo Ortega's is. A chain's second hop
asks exactly this, and lost such sentences to ones that said "father" of someone else."""


def keys_said_by_address(question: str, text: str, language: str) -> frozenset[str]:
    """The keys of the words ``question`` asks for a phone, e-mail or web address by,
    when ``text`` holds one: "Cc: Marcos Gil <marcos.gil@…>" says "email address" for
    "What is Marcos's email address?". Empty for any other question or text."""
    noun = contact_noun(question)
    if not noun or not holds_measure(text, question_kind(question).measure):
        return frozenset()
    return frozenset(word_keys(noun, language))


def _coverage(
    wanted: set[str],
    text: str,
    language: str,
    written: str = "",
    granted: frozenset[str] = frozenset(),
) -> float:
    """Share of ``wanted`` (the question's word keys) that ``text`` says; ``written``:
    the other language the text is in, whose words' translations count as said
    (agent/tools/bilingual_lexicon.py); "" within one language. ``granted``: keys the
    text says by holding what they name (an e-mail address says "email address")."""
    if not wanted:
        return 0.0
    said = set(word_keys(text, language)) | granted
    if written:
        said |= translations(text, written)
    found = wanted & said
    inverse = [w for w in wanted - found if w in _INVERSE and _INVERSE[w] & said]
    if inverse:
        stated = kinship.stated_relations(text)
        found |= {w for w in inverse if _INVERSE[w] & stated}
    return len(found) / len(wanted)


def fits(text: str, kind: QuestionKind, question: str, language: str) -> bool:
    """Whether ``text`` holds what ``kind`` mainly asks for, as the "does it answer?" check
    reads it (a number, date or name the question itself does not already give; for
    "which tool…?", a name of something)."""
    if not holds(kind.expects, text, kind, question, language):
        return False
    if not holds_measure(text, kind.measure):
        return False
    if kind.money and not has_price(text):  # "¿Cuál es el presupuesto…?" (open, money)
        return False
    return not kind.entity or names_something(text, question, language, kind.entity)


def holds(expects: str, text: str, kind: QuestionKind, question: str, language: str) -> bool:
    """Whether ``text`` holds one thing a question asks for (see :func:`fits`)."""
    if expects == "number":
        new = new_numbers(text, question, kind.measure)
        return bool(new) and (not kind.money or has_price(text))
    if expects == "date":
        return says_when(text, kind.occasion)
    if expects == "name":
        if asks_for_an_author(question) and not credits_an_author(text, language, question):
            return False  # "Who wrote the glossary?" is not answered by its entries
        return bool(names(text, language, people=True) - names(question, language))
    return True


_IDENTIFIER_TOKEN = re.compile(r"[\w.-]+")


def identifiers(question: str) -> set[str]:
    """What a question names as code: "lora_alpha", "max_tokens", "--port", "app.py".
    As specific as a name: a passage holding one verbatim is about what is asked."""
    found = set()
    for token in _IDENTIFIER_TOKEN.findall(question):
        token = token.strip(".")
        if token.startswith("-") or "_" in token.strip("_") or "." in token[1:-1]:
            found.add(token.lower())
    return {token for token in found if len(token) > 2 and not token[0].isdigit()}


MAX_ANTECEDENTS = 3
"""The most sentences a sentence that points back is read and quoted with: "Además, es
con 41 años la más veterana…" after "Fue la primera en ganar dos vueltas…" (itself
without a subject) after "Lucía Ferrer se convirtió en…". Bounded, so a paragraph of
subjectless sentences costs no more than this for each."""

HEADING_TOPIC = 0.75
"""For a question asking for one fact (a number, a date, a name, which X), a key term found
only in the headings a unit sits under counts this much of one found in the unit itself:
the unit is about the heading's topic, unless it names another thing
("GPTQ usa INT4…" under a title naming QLoRA and GPTQ), which its own words would show."""
PASSAGE_TOPIC = 0.5
"""... and one found only in what the unit's passage is about (its title, section and
opening sentences: ``_what_it_is_about``) this much: a sentence that names its topic by a
pronoun or "the team" ("Kawann Short lideró al equipo con 11 capturas" in a paragraph
about the Panthers; "Since 2019 its head coach has been Raúl Medina" under Deportivo
Alameda's) is about it, if less surely than one naming it. Without this, a chain's second
hop and XQuAD lost such sentences to neighbours that named the topic but not the answer
(chains 0.90 → 0.71 when the topic term came in). 0.5 and 0.75 contain the same on the
tune sets; 0.5 keeps answers shorter (78 words, 81)."""


def focus(
    text: str,
    question: str,
    language: str,
    kind: QuestionKind | None = None,
    headings: str = "",
    about: str = "",
    written: str = "",
    holds_in: str = "",
) -> float:
    """How much of what ``question`` asks, and about what, ``text`` says itself (0..1).

    Half for the parts asked (each of :attr:`QuestionKind.parts` held, the named sort
    for "which X?"), half for the topic: the question's key terms (names, numbers) found
    in ``text``, or in the ``headings`` it sits under for ``HEADING_TOPIC`` of that
    (under "## QLoRA…", "Con esta técnica se ajusta un modelo de 65B en 48 GB" is about
    QLoRA too, nearly as much as the sentence before it that names QLoRA) or in what its
    passage is ``about`` for ``PASSAGE_TOPIC``, or, when it names none, the share of its
    content words found in ``text``. The parts asked are looked for in ``holds_in`` when
    given: a sentence read with the ones it points back to.
    """
    kind = kind or question_kind(question)
    parts = [holds(p, holds_in or text, kind, question, language) for p in kind.parts]
    if kind.entity:
        parts.append(names_something(text, question, language, kind.entity))
    if kind.measure:
        parts.append(holds_measure(text, kind.measure))
    asked = sum(parts) / len(parts)
    folded = fold_accents(text).lower()
    # only where what is asked is a fact the unit must hold: for an open question the
    # topic is what tells units apart, and every unit under the heading would share it
    # (an injected line under "Atlantis travel notes" was quoted for "What is the capital
    # of Atlantis?")
    one_fact = bool(kind.entity or kind.measure) or any(
        p in ("number", "date", "name") for p in kind.parts
    )
    above = fold_accents(headings).lower() if one_fact else ""
    around = fold_accents(about).lower() if one_fact else ""
    keys = [k for k in key_terms(question) if not is_number(k)] + sorted(identifiers(question))
    if keys:
        said = [
            1.0
            if mentions(folded, k)
            else max(HEADING_TOPIC * mentions(above, k), PASSAGE_TOPIC * mentions(around, k))
            for k in keys
        ]
        topic = sum(said) / len(keys)
    else:
        wanted = set(question_keys(question, language))
        topic = min(1.0, 2 * _coverage(wanted, text, language, written))
    return round(0.5 * asked + 0.5 * topic, 4)


def other_language_of(passage: Passage, language: str) -> str:
    """The language ``passage`` is written in when it is the other of Spanish and
    English than a question in ``language``; "" otherwise (the same language, another
    one, mixed text). The document's language recorded at ingestion when the passage
    carries it (a chunk of Spanish notes that is mostly a code block reads as English),
    else the passage's own."""
    if language not in ("es", "en"):
        return ""
    written = passage.language or detect_language(f"{passage.title}\n{passage.text}")
    return written if written in ("es", "en") and written != language else ""


_OPENING_CHARS = 600  # where a passage's first sentence (after its heading) is looked for


def _what_it_is_about(passage: Passage) -> str:
    """A passage's title, section and opening (its first two sentences, a heading line
    being one): what its pronouns refer to. Not the whole passage: a club named once as
    the other side of a final is not what "its head coach" is about (an adversarial pass
    got another club's coach verified)."""
    opening = split_sentences(passage.text[:_OPENING_CHARS])[:2]  # a heading line counts
    return "\n".join([passage.title, passage.section, *opening])


def score_units(question: str, language: str, passages: Sequence[Passage]) -> list[ScoredUnit]:
    """Every unit of ``passages`` with its lexical evidence, in passage and reading order."""
    kind = question_kind(question)
    wanted = set(question_keys(question, language))
    metric = {name for asked in asked_metrics(question) for name in METRIC_NAMES[asked]}
    contact = bool(contact_noun(question))
    scored = []
    asked_tokens = _technical(question)
    yes_no = kind.expects == "yes_no"
    question_negates = negates(question)
    for index, passage in enumerate(passages):
        about = _what_it_is_about(passage)
        written = other_language_of(passage, language)
        # "¿Quién fue el padre de X?": a passage that never says who X's father is (one
        # about X naming X's son) has no unit that answers, whatever names it holds
        relation_said = kind.expects != "name" or kinship.says_the_relation(
            f"{passage.title}\n{passage.section}\n{passage.text}", question
        )
        before: AnswerUnit | None = None
        lead: tuple[str, ...] = ()  # the sentences ``before`` is read with, itself last
        for unit in passage_units(passage.text, passage.section, passage.title):
            said = _said(unit, scored, index)
            # to a "who?", a sentence without its subject ("He is also the oldest…",
            # "Además, es con 39 años…") names its person in the sentences before it
            # (back to one with a subject of its own), which are quoted with it
            # (extractive.py): what it holds is read with them; its topic, from its
            # own words
            # the sentence before it, under the same headings (not across a heading)
            antecedent = (
                before
                if before is not None
                and before.kind == "sentence"
                and before.headings == unit.headings
                else None
            )
            antecedents = (
                lead[-MAX_ANTECEDENTS:]
                if unit.kind == "sentence"
                and antecedent is not None
                and opens_without_its_subject(unit.text)
                else ()
            )
            holds_in = (
                "\n".join((*antecedents, said)) if kind.expects == "name" and antecedents else said
            )
            said_words = set(word_keys(said, language))
            technical = _technical(said)
            # to a yes/no question, a unit saying all of it with the other polarity is news
            denies = yes_no and negates(said) != question_negates and wanted <= said_words
            granted = keys_said_by_address(question, unit.text, language)
            whose = not contact or names_the_owner(question, f"{unit.context}\n{said}")
            scored.append(
                ScoredUnit(
                    unit=unit,
                    passage=index,
                    coverage=_coverage(
                        wanted, f"{unit.context}\n{unit.text}", language, written, granted
                    ),
                    own=_coverage(wanted, unit.text, language, written, granted),
                    news=len(said_words - wanted) + len(technical - asked_tokens) + denies,
                    fits=relation_said
                    and whose
                    and (not unit.dated_heading or "date" in kind.parts)
                    and (not unit.page or _about_the_page(wanted, unit, language))
                    and fits(holds_in, kind, question, language)
                    and _names_metric(metric, f"{unit.context}\n{unit.text}"),
                    focus=focus(
                        said, question, language, kind, unit.headings, about, written, holds_in
                    ),
                    before=-1 if antecedent is None else antecedent.position,
                )
            )
            if unit.kind != "aside":
                lead = (*antecedents, unit.text) if unit.kind == "sentence" else ()
                before = unit
    return scored


# What a question calls the page itself ("Who wrote this guide?").
_PAGE_WORDS = frozenset(
    word_keys(
        "page pages página document documento guide guía post article artículo "
        "notes notas apuntes doc docs último última actual",
        "es",
    )
    + word_keys("page document guide post article notes last latest current", "en")
)
_ABOUT_THE_PAGE = 0.6


def _about_the_page(wanted: set[str], unit: AnswerUnit, language: str) -> bool:
    """Whether a question answered by a front matter key ("author: Kenji Watanabe") asks
    about the page itself: what it names besides the key is the page's title, or words for
    a page. "Who wrote the deploy script?" is not answered by the author of a page on
    deploying the docs bot, nor "When did the migration end?" by the page's date."""
    rest = wanted - set(word_keys(unit.text, language))
    if not rest:
        return True
    page = set(word_keys(unit.page, language)) | _PAGE_WORDS
    return len(rest & page) / len(rest) >= _ABOUT_THE_PAGE


_JOINED_NAME = re.compile(r"[_\s]+")


def _names_metric(metric: set[str], text: str) -> bool:
    """Whether ``text`` (a unit with its context) names one of the metrics a question asks
    for, by any of its names (question_kind.METRIC_NAMES: "acc", "p95", "exactitud"), as
    a whole word ("macro_f1" names F1); true when none is asked."""
    if not metric:
        return True
    words = set(re.findall(r"[\w/@.-]+", _JOINED_NAME.sub(" ", fold_accents(text).lower())))
    words |= {w.strip(".-") for w in words} | {w.split("@")[0] for w in words}
    return bool(words & metric)


# Paths, flags, identifiers and values: "~/.ollama/models" is news to "¿Dónde guarda
# Ollama los modelos?" although each of its words is in the question.
_TOKEN_RUN = re.compile(r"[\w~./:=@+-]+")


def _technical(text: str) -> set[str]:
    """Tokens with path, flag or identifier punctuation, or starting with a digit."""
    found = set()
    for token in _TOKEN_RUN.findall(text):
        token = token.strip(".:-")
        has_mark = any(mark in token for mark in "/._=:~@")
        if token and (token[0].isdigit() or has_mark) and any(c.isalnum() for c in token):
            found.add(fold_accents(token).lower())
    return found


def _said(unit: AnswerUnit, scored: list[ScoredUnit], passage: int) -> str:
    """What quoting ``unit`` tells the reader: its text, and for a nested list item also
    its parent item, which the answer shows above it ("bitsandbytes (NF4…)" over "lo usa
    QLoRA para entrenar")."""
    if unit.kind != "item" or unit.depth == 0:
        return unit.text
    parents = [
        s.unit.text
        for s in scored
        if s.passage == passage and s.unit.kind == "item" and s.unit.depth == unit.depth - 1
    ]
    return f"{parents[-1]}\n{unit.text}" if parents else unit.text


def excerpts(
    question: str, language: str, passages: Sequence[Passage], chars: int = 500
) -> list[str]:
    """Each passage cut to its units that bear most on ``question``, in reading order.

    What an LLM grader reads: five whole passages cost a 0.5B model most of a question's
    time, and it judges a passage by the lines that could answer anyway. A passage
    shorter than ``chars`` is kept whole.
    """
    scored = score_units(question, language, passages)
    result = []
    for index, passage in enumerate(passages):
        if len(passage.text) <= chars:
            result.append(passage.text)
            continue
        units = [s for s in scored if s.passage == index]
        best = sorted(units, key=lambda s: (-(s.coverage + s.own), s.unit.position))
        chosen, used = [], 0
        for s in best:
            if used + len(s.unit.text) > chars and chosen:
                break
            chosen.append(s)
            used += len(s.unit.text) + 1
        chosen.sort(key=lambda s: s.unit.position)
        result.append(" … ".join(s.unit.text for s in chosen) or passage.text[:chars])
    return result
