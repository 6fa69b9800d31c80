"""The short answer of one hop: the entity or value a passage gives, not its whole sentence.

A chain needs the *name* the first hop found ("Los Faros"), to put it into the next
step's question ("Who is the current drummer of #1?"); quoting the sentence it came from
("«Luna de papel» is a 1998 single by the Chilean band Los Faros") would send the second
retrieval after the song again. Without a model, the name is read from the hop's answer:
the names in it (capitalised runs, quoted titles) that the hop's question does not
already hold, the one nearest after what the question asks about ("band", "publisher",
"married", or the words that say the same: "son of", "published by") preferred; a
question asking for a number or date takes the first one.

Linear: one token regex, spans decided in Python.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agent.tools import kinship
from agent.tools.bridge_rules import NAME_LINKS, word_tokens
from agent.tools.question_kind import question_kind
from ingestion.text_analysis import fold_accents

if TYPE_CHECKING:
    from agent.tools.bridge_rules import _Token

_CITATION = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d[\d.,]*")
# Words written with a capital that are not names when alone (a sentence's first word,
# a month).
_NOT_NAMES = frozenset(
    fold_accents(w)
    for w in [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "it",
        "he",
        "she",
        "they",
        "his",
        "her",
        "its",
        "their",
        "this",
        "that",
        "these",
        "after",
        "before",
        "during",
        "since",
        "from",
        "with",
        "by",
        "as",
        "for",
        "to",
        "of",
        "and",
        "but",
        "while",
        "when",
        "later",
        "today",
        "also",
        "there",
        "el",
        "la",
        "los",
        "las",
        "lo",
        "un",
        "una",
        "en",
        "su",
        "sus",
        "este",
        "esta",
        "estos",
        "estas",
        "ese",
        "esa",
        "tras",
        "durante",
        "desde",
        "con",
        "por",
        "para",
        "del",
        "al",
        "y",
        "pero",
        "mientras",
        "cuando",
        "después",
        "antes",
        "hoy",
        "también",
        "allí",
        "ella",
        "él",
        "ellos",
        "which",
        "who",
        "what",
        "where",
        "según",
        "however",
        "although",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
)
_LEADING_ARTICLE = frozenset({"the", "a", "an"})
_WHO = re.compile(r"\W{0,64}(?:who|whom|qui[ée]n|qui[ée]nes|con qui[ée]n)\b", re.IGNORECASE)
# Words that say the same relation, in either language, as 5-letter prefixes (or whole
# short words): a question about a "padre" finds "the daughter of" in an English passage.
_SAME_RELATION = (
    ("fathe", "mothe", "padre", "madre", "daugh", "son", "child", "hijo", "hija", "paren"),
    ("spous", "wife", "husba", "marri", "conyu", "espos", "marid", "casad", "caso"),
    ("publi", "edita", "edito", "issue"),
    ("found", "funda", "fundo", "creat", "creo"),
    ("autho", "wrote", "writt", "write", "autor", "escri"),
    ("direc", "dirig"),
    ("drumm", "drums", "bater"),
    ("label", "sello", "disco", "relea"),
    ("band", "banda", "grupo", "group"),
    ("song", "canci", "singl"),
    ("film", "pelic", "movie"),
    ("actor", "actri", "playe", "inter", "prota", "starr", "stars"),
    ("compa", "empre", "manuf", "fabri", "made"),
    ("coach", "entre"),
    ("club", "team", "equip"),
    ("headq", "sede", "based"),
    ("won", "gano", "ganad", "winne"),
    ("singe", "canta", "vocal"),
    ("museu", "museo", "desig", "disen"),
)
_STEM = 5


def _prefix(word: str) -> str:
    return fold_accents(word).lower()[:_STEM]


def _names(text: str) -> list[tuple[int, int, str]]:
    """Names in ``text`` as (first token, end token, text): capitalised runs joined by
    "de", "of", "y"…, and quoted titles."""
    tokens = word_tokens(text)
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text[:1] in '«“"':
            found.append((i, i + 1, token.text.strip('«»“”"')))
            i += 1
            continue
        if not (token.text[:1].isupper() and token.text[:1].isalpha()):
            i += 1
            continue
        end = i + 1
        while end < len(tokens):
            nxt = tokens[end]
            if nxt.text[:1].isupper() and nxt.text[:1].isalpha():
                end += 1
            elif (
                nxt.folded in NAME_LINKS
                and end + 1 < len(tokens)
                and tokens[end + 1].text[:1].isupper()
                and tokens[end + 1].text[:1].isalpha()
            ):
                end += 2
            else:
                break
        words = [t.text for t in tokens[i:end]]
        if len(words) > 1 and fold_accents(words[0]).lower() in _LEADING_ARTICLE:
            words, i = words[1:], i + 1
        if not (len(words) == 1 and fold_accents(words[0]).lower() in _NOT_NAMES):
            found.append((i, end, " ".join(words).replace("' s", "'s")))
        i = end
    return found


def _cues(question: str, known: set[str]) -> set[str]:
    """Prefixes of what the question asks about (its content words and the words that
    say the same relation), without the names it already holds."""
    cues: set[str] = set()
    for token in word_tokens(question):
        word = token.folded
        if len(word) < 4 or not word.isalpha() or word in known or token.text[:1].isupper():
            continue
        cues.add(word[:_STEM])
        for same in _SAME_RELATION:
            if word[:_STEM] in same or word in same:
                cues.update(same)
    return cues


def _mostly_held(name: str, question: str) -> bool:
    """More than half of the name's words are in the question ("Lucía Ortega Ruiz" for
    a question about Lucía Ortega); "Tomás Ruiz" for one about Ana Ruiz is new."""
    words = [fold_accents(w).lower() for w in name.split()]
    held = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", question)]
    return len(held) * 2 > len(words)


# "born in Valencia", "vive en Gijón": a name after a preposition of place that follows a
# verb of where someone is, was born or died, is a place ("believed in Ana Ruiz",
# "se inspiró en Ana Ruiz", "learned it from Ana Ruiz" are people).
_PLACE_PREPOSITIONS = frozenset({"in", "en", "at", "near", "cerca", "desde"})
_WHERE_VERBS = (
    "born", "naci", "live", "viv", "resid", "locat", "situa", "ubica", "based", "grew",
    "crec", "moved", "mud", "trasla", "died", "muri", "falleci", "settled", "instal",
    "raised", "cria", "studied", "estudi", "founded", "fundad", "fundo", "held", "celebr",
    "built", "constru", "opened", "abiert",
)  # fmt: skip
_WHERE_REACH = 3  # words between such a verb and the preposition ("born in 1950 in Lima")


def _is_a_place(name: tuple[int, int, str], tokens: list[_Token]) -> bool:
    """The name follows a preposition of place that follows a verb of where (above);
    a possessive ("in Ana Ruiz's lab") names whose the place is, a person."""
    start, _, shown = name
    if start == 0 or tokens[start - 1].folded not in _PLACE_PREPOSITIONS or "'s" in shown:
        return False
    before = tokens[max(start - 2 - _WHERE_REACH, 0) : start - 1]
    return any(t.folded.startswith(_WHERE_VERBS) for t in before)


def _looks_like_a_demonym(name: str) -> bool:
    """ "Chilean", "Spanish", "Japanese": one capitalised word naming where from."""
    return " " not in name and name.lower().endswith(("ish", "ian", "ese", "can", "ean", "ch"))


def hop_entity(
    answer: str,
    question: str,
    language: str = "en",
    known: str = "",
    titles: tuple[str, ...] = (),
    names_only: bool = False,
) -> str:
    """The entity or value ``answer`` gives for ``question``; "" when it names none.

    ``answer`` is a hop's answer text ([n] markers are ignored); ``known``: text naming
    what the chain already knows (the whole question, earlier hops), whose names are not
    an answer either ("Sara Vega is a cellist…" does not say who Luis Vega's father is);
    ``titles``: the titles of the passages the answer cites, for "which museum…?" whose
    answer is what the passage is about ("Museo del Mar (Gijón)": "The building … was
    designed by Pablo Ortega"); ``names_only``: a name even when the question asks for a
    number (the bridge entity of a second hop)."""
    text = _CITATION.sub(" ", answer)
    kind = question_kind(question)
    if kind.expects in ("number", "date") and not names_only:
        number = _NUMBER.search(text)
        if number:
            return number.group(0).rstrip(".,")
    held = {t.folded for t in word_tokens(question) if t.text[:1].isupper() or t.text[:1] in '«“"'}
    asked = {t.folded for t in word_tokens(question)}
    held_text = fold_accents(f"{question} {known}").lower()
    names = [n for n in _names(text) if not _mostly_held(n[2], held_text)]
    tokens = word_tokens(text)
    if _WHO.match(question):  # a person is not "Chilean", nor where someone was born
        names = [n for n in names if not _looks_like_a_demonym(n[2]) and not _is_a_place(n, tokens)]
    subjects = [] if _WHO.match(question) else [_bare_title(t) for t in titles]
    subjects = [t for t in subjects if t and not _mostly_held(t, held_text)]
    if not names and not subjects:
        return ""
    cues = _cues(question, held)
    cue_at = [
        i
        for i, t in enumerate(tokens)
        if t.text.islower() and (t.folded[:_STEM] in cues or t.folded in cues)
    ]
    # "Who is the daughter of X?": the answer is the one said to be X's daughter, named
    # before "daughter" (often as the subject of the sentence before: "Ana Ruiz … She is
    # the daughter of X"); for "the father of X", the one named after "the daughter of"
    child = [kinship.CHILD_CUES[w] for w in asked if w in kinship.CHILD_CUES]
    inverse = bool(child)
    if inverse:
        cue_at = [i for i, t in enumerate(tokens) if t.folded in child[0]]

    def cost(name: tuple[int, int, str]) -> float:
        start, end, shown = name
        if cue_at:
            after = [start - c for c in cue_at if c < start]
            before = [c - end + 1 for c in cue_at if c >= end]
            if inverse:
                # the subject of a sentence (its first words) is who the text is about
                opens = start == 0 or tokens[start - 1].text in ".!?"
                before = [b / 4 for b in before] if opens else before
                distance = min([*before, *(a + 40 for a in after)] or [50])
            else:
                distance = min([*after, *(b + 3 for b in before)] or [50])
        else:
            distance = start / 10
        return distance + (6 if _looks_like_a_demonym(shown) else 0)

    ranked = sorted(names, key=cost)
    best = [(cost(n), n[2]) for n in ranked[:1]] + [(_TITLE_COST, t) for t in subjects]
    chosen = min(best, key=lambda pair: pair[0])[1]
    if ranked and chosen == ranked[0][2] and kinship.MOTHER & asked:
        chosen = _second_parent(ranked[0], names) or chosen
    return chosen


_TITLE_COST = 2.5  # a cited passage's subject, against a name that far from the cue


def _bare_title(title: str) -> str:
    """ "Museo del Mar (Gijón)" -> "Museo del Mar"."""
    return title.split("(")[0].strip(" #*_")


def _second_parent(first: tuple[int, int, str], names: list[tuple[int, int, str]]) -> str | None:
    """ "the daughter of A and B" names the father first (the convention of biographies):
    asked for the mother, the name right after "and"/"y" the parent named first."""
    following = [n for n in names if first[1] < n[0] <= first[1] + 4]
    return following[0][2] if following else None
