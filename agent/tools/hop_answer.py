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

from agent.tools.bridge_rules import NAME_LINKS, word_tokens
from agent.tools.question_kind import question_kind
from ingestion.text_analysis import fold_accents

_CITATION = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d[\d.,]*")
# Words written with a capital that are not names when alone (a sentence's first word).
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
    ]
)
_LEADING_ARTICLE = frozenset({"the", "a", "an"})
_WHO = re.compile(r"\W*(?:who|whom|qui[ée]n|qui[ée]nes|con qui[ée]n)\b", re.IGNORECASE)
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


def _looks_like_a_demonym(name: str) -> bool:
    """ "Chilean", "Spanish", "Japanese": one capitalised word naming where from."""
    return " " not in name and name.lower().endswith(("ish", "ian", "ese", "can", "ean", "ch"))


def hop_entity(answer: str, question: str, language: str = "en", known: str = "") -> str:
    """The entity or value ``answer`` gives for ``question``; "" when it names none.

    ``answer`` is a hop's answer text ([n] markers are ignored); ``known``: text naming
    what the chain already knows (the whole question, earlier hops), whose names are not
    an answer either ("Sara Vega is a cellist…" does not say who Luis Vega's father is)."""
    text = _CITATION.sub(" ", answer)
    kind = question_kind(question)
    if kind.expects in ("number", "date"):
        number = _NUMBER.search(text)
        if number:
            return number.group(0).rstrip(".,")
    held = {t.folded for t in word_tokens(question) if t.text[:1].isupper() or t.text[:1] in '«“"'}
    held_text = fold_accents(f"{question} {known}").lower()
    names = [n for n in _names(text) if not _mostly_held(n[2], held_text)]
    if _WHO.match(question):  # a person is not "Chilean"
        names = [n for n in names if not _looks_like_a_demonym(n[2])]
    if not names:
        return ""
    tokens = word_tokens(text)
    cues = _cues(question, held)
    cue_at = [
        i
        for i, t in enumerate(tokens)
        if t.text.islower() and (t.folded[:_STEM] in cues or t.folded in cues)
    ]

    def cost(name: tuple[int, int, str]) -> float:
        start, end, shown = name
        if cue_at:
            after = [start - c for c in cue_at if c < start]
            before = [c - end + 1 for c in cue_at if c >= end]
            distance = min([*after, *(b + 3 for b in before)] or [50])
        else:
            distance = start / 10
        return distance + (6 if _looks_like_a_demonym(shown) else 0)

    return min(names, key=cost)[2]
