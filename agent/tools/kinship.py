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


_RELATION_OF = re.compile(
    r"\b(" + "|".join(sorted(PARENT | CHILD, key=len, reverse=True)) + r")\s+(?:of|de|del)\b"
)
"""A kinship word that states whose relative the text's subject is ("son of", "hijo
del"). Only such a word answers the inverse question: "his son Pedro" in a passage
about X names X's son, and says nothing of who X's father is (an adversarial pass got
"Who was the father of X?" answered with it and verified)."""


def stated_relations(text: str) -> set[str]:
    """The kinship words of ``text`` followed by "of"/"de", as prefixes (``_RELATION_OF``):
    what unit_scoring's coverage counts as the inverse of an asked kinship word."""
    folded = fold_accents(text).lower()
    return {fold_accents(m.group(1))[:PREFIX_LENGTH] for m in _RELATION_OF.finditer(folded)}


# -- whose relative a text names ------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+(?:['’]s\b)?|[.,;:!?()\[\]\n]")
_MARKS = frozenset(".,;:!?()[]\n")
_OF = frozenset({"of", "de", "del"})
_TITLE_ARTICLES = frozenset({"el", "del", "al"})  # "el padre Anselmo": a priest
_NOT_NAMES = frozenset({
    "who", "whom", "whose", "what", "which", "quien", "cual",
    "king", "queen", "prince", "princess", "rey", "reina", "dr", "doctor", "saint",
    "san", "santa", "santo", "sir", "lady", "lord", "mr", "mrs", "ms", "don", "dona",
})  # fmt: skip
"""Capitalised words that are no part of a person's name: a question word ("Who's"),
a title ("King Philip II", "Dr. Ana Gil") the text may leave out."""
_NAME_WORDS = 5  # at most this many capitalised words make one name
_SKIPPED = 3  # lowercase words read past before a name ("del pintor sevillano Gonzalo")


@dataclass(frozen=True)
class Relation:
    """One kinship word of a text (``word``, folded) with the name of the person it is
    of (``owner``: "hijo del pintor Gonzalo Aranda", "Gonzalo Aranda's son"), or, with no
    "of" or possessive, the name right after it (``named``: "su hijo Felipe Aranda",
    "had a son, Felipe"); ``before``: the name of an aside it opens ("Elena Mora, hija
    de…"), whose relative the word says. Names are sets of folded words; a name never
    runs past a punctuation mark."""

    word: str
    owner: frozenset[str] | None
    named: frozenset[str]
    before: frozenset[str]


def _folded(word: str) -> str:
    return fold_accents(word.removesuffix("'s").removesuffix("’s")).lower()


def _capital(token: str) -> bool:
    return token[:1].isupper()


def _name(tokens: list[str], at: int, step: int) -> frozenset[str]:
    """The run of capitalised words from ``at`` going ``step`` (1 or -1), titles left
    out; it stops at a punctuation mark or a lowercase word."""
    run = []
    while 0 <= at < len(tokens) and len(run) < _NAME_WORDS and _capital(tokens[at]):
        word = _folded(tokens[at])
        if word not in _NOT_NAMES:
            run.append(word)
        at += step
    return frozenset(run)


def _name_after(tokens: list[str], start: int) -> frozenset[str]:
    """The name from ``start``, past a few lowercase words (and a comma right after a
    kinship word: "had a son, Felipe"), never past another mark."""
    at = start
    if at < len(tokens) and tokens[at] == ",":
        at += 1
    skipped = 0
    while (
        at < len(tokens)
        and skipped < _SKIPPED
        and tokens[at] not in _MARKS
        and not _capital(tokens[at])
    ):
        at += 1
        skipped += 1
    return _name(tokens, at, 1)


def _is_title(tokens: list[str], i: int) -> bool:
    """ "Father Henry Vane", "el padre Anselmo Castro": a kinship word used as a title."""
    followed = i + 1 < len(tokens) and _capital(tokens[i + 1]) and tokens[i + 1] not in _MARKS
    if not followed:
        return False
    return _capital(tokens[i]) or (i > 0 and tokens[i - 1].lower() in _TITLE_ARTICLES)


def relations(text: str) -> list[Relation]:
    """Every kinship word of ``text`` with whose relative it is (``Relation``). Linear:
    one pass over the tokens, a bounded window around each kinship word."""
    tokens = _TOKEN.findall(text)
    folded = [_folded(w) for w in tokens]
    found = []
    for i, word in enumerate(folded):
        if (word not in PARENT and word not in CHILD) or _is_title(tokens, i):
            continue
        owner: frozenset[str] | None = None
        # "hijo de", "hijo mayor del", "hijo y sucesor de": "of" within a few words, no
        # mark between
        after = None
        for j in range(i + 1, min(i + 2 + _SKIPPED, len(tokens))):
            if tokens[j] in _MARKS:
                break
            if folded[j] in _OF:
                after = j
                break
        possessive = next(
            (j for j in (i - 1, i - 2) if j >= 0 and tokens[j].endswith(("'s", "’s"))), None
        )
        named_after_of = _name_after(tokens, after + 1) if after is not None else frozenset()
        if named_after_of:
            owner = named_after_of
        elif possessive is not None:
            owner = _name(tokens, possessive, -1)
        # an aside names whose relative it is: "Elena Mora, hija del notario…"
        before = _name(tokens, i - 2, -1) if i >= 2 and tokens[i - 1] == "," else frozenset()
        found.append(Relation(word, owner, _name_after(tokens, i + 1), before))
    return found


_SAME: dict[str, frozenset[str]] = {
    **dict.fromkeys(MOTHER, MOTHER | {"parents", "padres"}),
    **dict.fromkeys(FATHER, FATHER | {"parents", "padres"}),
    **dict.fromkeys(("parent", "parents", "padres"), PARENT),
    **dict.fromkeys(
        ("daughter", "daughters", "hija", "hijas"),
        DAUGHTER | {"daughters", "hijas", "children", "hijos"},
    ),
    **dict.fromkeys(("son", "sons", "hijo"), SON | {"sons", "children", "hijos"}),
    **dict.fromkeys(("child", "children", "hijos"), CHILD),
}
"""A kinship word -> the words that say the asked relation, in either language: "los
padres de X fueron A y B" says who X's father is, as "tuvo dos hijos, Marcos y Ana"
says who X's son is (which of the two, the text's other words tell)."""


def asked_relation(question: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """For "¿Quién fue el padre de Tomás Rivera?" or "Who was Helen Brook's son?": the
    words that say the asked relation, and the subject's name; None for a question that
    asks no named person's relative ("¿Dónde nació la Madre Teresa?", "the parent
    company of X": the kinship word must be followed by "of"/"de" or follow a
    possessive)."""
    tokens = _TOKEN.findall(question)
    folded = [_folded(w) for w in tokens]
    for i, word in enumerate(folded):
        if (word not in PARENT and word not in CHILD) or _is_title(tokens, i):
            continue
        subject = frozenset()
        if i + 1 < len(tokens) and folded[i + 1] in _OF:
            subject = _name_after(tokens, i + 2)
        elif i > 0 and tokens[i - 1].endswith(("'s", "’s")):
            subject = _name(tokens, i - 1, -1)
        if subject:
            return _SAME.get(word, frozenset({word})), subject
    return None


def _same_person(a: frozenset[str], b: frozenset[str]) -> bool:
    """One name within the other ("Tomás" and "Tomás Rivera"). Relatives share
    surnames, so one shared word is not enough ("Marcos Ruiz", "Tomás Ruiz")."""
    return bool(a) and bool(b) and (a <= b or b <= a)


def _capitalised_words(text: str) -> frozenset[str]:
    return frozenset(_folded(w) for w in _TOKEN.findall(text) if _capital(w))


def says_the_relation(text: str, question: str) -> bool:
    """Whether ``text`` says who the question's subject's relative is:

    - the asked word of the subject, or of no one named, or naming someone else ("su
      padre, Gonzalo"; not "su padre, Tomás Rivera" for Tomás's father: that is said
      of Tomás's child);
    - the inverse word with the subject as the relative: of someone else ("hijo del
      pintor Gonzalo Aranda" in Felipe's passage; not "Elena Mora, hija del notario"
      in it, which is Elena's father), or naming the subject ("su hijo Felipe Aranda"
      in Gonzalo's passage; not "su hijo Marcos" in Tomás's, which names Tomás's son).

    Never a relation in a text that does not name the subject. True when the question
    asks no relative of a named person."""
    asked = asked_relation(question)
    if asked is None:
        return True
    same, subject = asked
    if not subject <= _capitalised_words(text):
        return False  # "She is the daughter of Gil Luna" in a passage about someone else
    inverse = CHILD if same <= PARENT else PARENT
    for relation in relations(text):
        if relation.word in same:
            if relation.owner is not None:
                if _same_person(relation.owner, subject):
                    return True
            elif not _same_person(relation.named, subject):
                return True
        elif relation.word in inverse:
            if relation.owner is not None:
                child = relation.before
                if (
                    relation.owner
                    and not _same_person(relation.owner, subject)
                    and (not child or _same_person(child, subject))
                ):
                    return True
            elif _same_person(relation.named, subject):
                return True
    return False
