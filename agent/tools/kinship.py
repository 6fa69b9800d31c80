"""Kinship words in Spanish and English: one list for every tool that reads them.

Chains ask about people through their relatives ("¿Quién es el padre de Felipe
Aranda?", "Who is the daughter of the painter?"), and the passage that answers often
states the inverse relation ("Hijo del pintor Gonzalo Aranda", "X is the son of Y").
The answerer of a second hop (hop_answer.py) looks for the child word the question
asks with, and the unit scorer (unit_scoring.py) counts a parent word as covered by a
child word and the other way round. Both read these lists, so a word added here (a
plural, a synonym) reaches both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.text_analysis import PREFIX_LENGTH, fold_accents

MOTHER = frozenset({"mother", "madre"})
FATHER = frozenset({"father", "padre"})
PARENT = MOTHER | FATHER | {"parent", "parents", "padres"}

DAUGHTER = frozenset({"daughter", "hija"})
SON = frozenset({"son", "hijo"})
CHILD = DAUGHTER | SON | {"daughters", "sons", "hijas", "hijos", "child", "children"}

CHILD_CUES: dict[str, frozenset[str]] = {
    "daughter": DAUGHTER,
    "hija": DAUGHTER,
    "son": SON,
    "hijo": SON,
    "child": DAUGHTER | SON | {"child"},
    "children": DAUGHTER | SON | {"child", "children"},
    "hijos": DAUGHTER | SON | {"hijos"},
}
"""A child word a question asks with -> the words that name such a child in a text: a
daughter is said to be one as "daughter" or "hija", a child as any of them."""


def as_prefixes(words: frozenset[str]) -> frozenset[str]:
    """The words as ``ingestion.text_analysis.prefixes`` cuts them (folded, five letters)."""
    return frozenset(fold_accents(word)[:PREFIX_LENGTH] for word in words)


# -- whose relative a text names ------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’]s\b)?")
_OF = frozenset({"of", "de", "del"})
_NAME_WORDS = 5  # at most this many capitalised words make one name
_SKIPPED = 3  # lowercase words read past before a name ("del pintor sevillano Gonzalo")


@dataclass(frozen=True)
class Relation:
    """One kinship word of a text (``word``, folded) with the name of the person it is
    of (``owner``: "hijo del pintor Gonzalo Aranda", "Gonzalo Aranda's son"), or, with no
    "of" or possessive, the name right after it (``named``: "su hijo Felipe Aranda",
    "had a son, Felipe"). Names are sets of folded words."""

    word: str
    owner: frozenset[str] | None
    named: frozenset[str]


def _folded(word: str) -> str:
    return fold_accents(word.removesuffix("'s").removesuffix("’s")).lower()


def _name_after(words: list[str], start: int) -> frozenset[str]:
    """The run of capitalised words from ``start``, past a few lowercase ones."""
    at = start
    while at < len(words) and at - start < _SKIPPED and not words[at][:1].isupper():
        at += 1
    run = []
    while at < len(words) and len(run) < _NAME_WORDS and words[at][:1].isupper():
        run.append(_folded(words[at]))
        at += 1
    return frozenset(run)


def _name_before(words: list[str], end: int) -> frozenset[str]:
    """The run of capitalised words ending at ``end`` (the possessive's word)."""
    run = []
    at = end
    while at >= 0 and len(run) < _NAME_WORDS and words[at][:1].isupper():
        run.append(_folded(words[at]))
        at -= 1
    return frozenset(run)


def relations(text: str) -> list[Relation]:
    """Every kinship word of ``text`` with whose relative it is (``Relation``). Linear:
    one pass over the words, a bounded window around each kinship word."""
    words = _WORD.findall(text)
    folded = [_folded(w) for w in words]
    found = []
    for i, word in enumerate(folded):
        if word not in PARENT and word not in CHILD:
            continue
        owner: frozenset[str] | None = None
        after = next((j for j in (i + 1, i + 2) if j < len(words) and folded[j] in _OF), None)
        before = next(
            (j for j in (i - 1, i - 2) if j >= 0 and words[j].endswith(("'s", "’s"))), None
        )
        if after is not None:
            owner = _name_after(words, after + 1)
        elif before is not None:
            owner = _name_before(words, before)
        found.append(Relation(word, owner, _name_after(words, i + 1)))
    return found


_SAME: dict[str, frozenset[str]] = {
    **dict.fromkeys(MOTHER, MOTHER),
    **dict.fromkeys(FATHER, FATHER),
    **dict.fromkeys(("parent", "parents", "padres"), PARENT),
    **dict.fromkeys(("daughter", "daughters", "hija", "hijas"), DAUGHTER | {"daughters", "hijas"}),
    **dict.fromkeys(("son", "sons", "hijo"), SON | {"sons"}),
    **dict.fromkeys(("child", "children", "hijos"), CHILD),
}
"""A kinship word -> the words that say the same relation, in either language."""


def asked_relation(question: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """For "¿Quién fue el padre de Tomás Rivera?" or "Who was Helen Brook's son?": the
    words that say the asked relation, and the subject's name; None for a question that
    asks no named person's relative ("¿Dónde nació la Madre Teresa?")."""
    for relation in relations(question):
        if relation.owner:
            return _SAME.get(relation.word, frozenset({relation.word})), relation.owner
    return None


def _same_person(a: frozenset[str], b: frozenset[str]) -> bool:
    """One name within the other ("Tomás" and "Tomás Rivera"). Relatives share
    surnames, so one shared word is not enough ("Marcos Ruiz", "Tomás Ruiz")."""
    return bool(a) and bool(b) and (a <= b or b <= a)


def _capitalised_words(text: str) -> frozenset[str]:
    return frozenset(_folded(w) for w in _WORD.findall(text) if w[:1].isupper())


def says_the_relation(text: str, question: str) -> bool:
    """Whether ``text`` says who the question's subject's relative is: the asked word,
    of the subject or of no one named ("su padre, Gonzalo"), or the inverse word of
    another person with the subject as the relative ("hijo del pintor Gonzalo Aranda"
    in a passage about Felipe; "su hijo Felipe Aranda" in one about Gonzalo). Not the
    asked word of another person ("padre de Marcos" for Tomás's father), nor the
    inverse of the subject ("Marcos, hijo de Tomás Rivera"; "su hijo Marcos" in a
    passage about Tomás: both name Tomás's son), nor any relation in a text that never
    names the subject. True when the question asks no relative of a named person."""
    asked = asked_relation(question)
    if asked is None:
        return True
    same, subject = asked
    if not subject <= _capitalised_words(text):
        return False  # "She is the daughter of Gil Luna" in a passage about someone else
    inverse = CHILD if same <= PARENT else PARENT
    for relation in relations(text):
        if relation.word in same:
            if relation.owner is None or _same_person(relation.owner, subject):
                return True
        elif relation.word in inverse:
            if relation.owner is not None:
                if relation.owner and not _same_person(relation.owner, subject):
                    return True
            elif _same_person(relation.named, subject):
                return True
    return False
