"""What a piece of answer text holds: numbers, dates, names, several items.

Read the same way where a question's needs are matched: by the extractive answerer when
it picks the unit to quote (agent/tools/unit_scoring.py) and by the "does it answer?"
check (agent/tools/verification/answers_question.py), so the answerer never picks what
the check would turn away.
"""

from __future__ import annotations

import re

from agent.tools.verification.word_lists import MONTHS_EN, MONTHS_ES, NUMBER_WORDS
from ingestion.text_analysis import analyze, fold_accents

_CITATION_MARKS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
_MARKUP = re.compile(r"[*_`#>|]+")
# Numbers standing alone, not the digits of a name ("NF4", "GPT-4", "Q4_K_M").
_DIGITS = re.compile(r"(?<![^\W\d])(?<![^\W\d]-)(?<!_)\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b|\b\d{2,4}s\b|'\d\d\b")
_DATE_WORDS = frozenset({
    "siglo", "siglos", "century", "centuries", "decada", "decade", "año", "ano", "años",
    "anos", "year", "years", "dia", "day", "lunes", "martes", "miercoles", "jueves",
    "viernes", "sabado", "domingo", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "hoy", "ayer", "today", "yesterday", "durante", "during", "antes",
    "despues", "before", "after", "epoca", "era", "guerra", "war", "reinado", "reign",
    "primavera", "verano", "otoño", "invierno", "spring", "summer", "autumn", "fall",
    "winter", "medieval", "edad", "age", "ago", "hace", "when", "cuando", "while",
    "mientras", "since", "desde", "until", "hasta",
})  # fmt: skip
_SEVERAL_JOINERS = re.compile(r",|;|\s(?:y|e|o|u|and|or|as well as)\s", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_](?:[\w'’]|[.-](?=\w))*")
_ROMAN = re.compile(r"\b[IVXLC]{2,}\b")
_ORDINALS = frozenset({
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "primero", "primera",
    "segundo", "segunda", "tercero", "tercera", "cuarto", "cuarta", "quinto", "quinta",
    "sexto", "sexta", "septimo", "septima", "octavo", "octava", "noveno", "novena",
    "decimo", "decima", "half", "mitad", "thirds", "tercio", "tercios", "dozen",
    "docena", "several", "varios", "varias", "many", "muchos", "millones", "millions",
    "miles", "thousands", "cientos", "hundreds", "mil", "millon", "million", "billion",
})  # fmt: skip


def plain_words(text: str) -> str:
    """The answer's words: citation markers and Markdown marks removed."""
    return " ".join(_MARKUP.sub(" ", _CITATION_MARKS.sub(" ", text)).split())


def _words(text: str) -> set[str]:
    """Lowercased, accent-folded words, hyphenated ones also in parts ("six-time")."""
    words = {fold_accents(w).lower() for w in _WORD.findall(text)}
    return words | {part for w in words if "-" in w for part in w.split("-") if part}


def numbers(text: str) -> set[str]:
    """Every number ``text`` states: digits, number words, roman numerals, ordinals."""
    found = {d.replace(",", ".") for d in _DIGITS.findall(text)}
    found.update(_ROMAN.findall(text))
    words = _words(text)
    found.update(str(NUMBER_WORDS[w]) for w in words if w in NUMBER_WORDS)
    found.update(w for w in words if w in _ORDINALS)
    # "un"/"una"/"one" are articles and pronouns far more often than numbers
    found.update({"1"} if words & {"single", "unico", "unica", "sola", "solo"} else ())
    return found


def has_date(text: str) -> bool:
    if _YEAR.search(text) or re.search(r"\b\d{1,2}[:/.]\d{2}\b", text):  # years, 4:51, 12/03
        return True
    return bool(_words(text) & (set(MONTHS_ES) | set(MONTHS_EN) | _DATE_WORDS))


_MONEY = re.compile(
    r"[$€£¥]|\b(?:usd|eur|euros?|d[óo]lares|dollars?|cents?|c[ée]ntimos|gratis|free|"
    r"gratuit[oa])\b",
    re.IGNORECASE,
)


def has_price(text: str) -> bool:
    """A price: a currency sign or word, or "free"/"gratis"."""
    return bool(_MONEY.search(text))


# Tried with match() after each name; the gap is bounded so a run of spaces costs nothing.
_NAME_GOES_ON = re.compile(r"\s{1,8}(?:et\s{1,8}al\b|[A-ZÁÉÍÓÚÑ][^\W\d_]{0,64}[a-záéíóúñ]\b)")


def names(text: str, language: str, *, people: bool = False) -> set[str]:
    """Names: technical words (QLoRA, GPT-4) anywhere, capitalised words that do not open
    a sentence or a clause ("por el normando Oursel"), and are not stopwords. With
    ``people``, only names as people and organisations are written (a "who?" is not
    answered by "QLoRA"): capitalised words and acronyms, not mixed-case or digits."""
    found: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0).strip(".'’")
        before = text[: match.start()].rstrip(" \"'“«¿¡(*`")
        opens = not before or before[-1] in ".!?:;·—–-\n"
        capitalised = word[:1].isupper() and len(word) > 1
        technical = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)
        if people and technical and (not word.isupper() or any(c.isdigit() for c in word)):
            continue  # "QLoRA", "NF4", "GPT-4" name things, not who made them
        # An opening word is a name when a name goes on after it ("Hu et al.
        # introduced…", "Alexander Fleming discovered…"), not when it is any first word.
        named_on = opens and bool(_NAME_GOES_ON.match(text, match.end()))
        if technical or (capitalised and (not opens or named_on) and analyze(word, language)):
            found.add(fold_accents(word).lower())
    return found


def item_count(text: str) -> int:
    """How many things the answer lists: lines, or parts joined by commas and "y"/"and"."""
    lines = [line for line in text.splitlines() if re.search(r"\w", plain_words(line))]
    if len(lines) > 1:
        return len(lines)
    return len(_SEVERAL_JOINERS.split(plain_words(text)))


# "llamafile: ships a model…", "- Marlin: kernel…", "HQQ: Este método…": a label that
# opens a line names what the line is about, whatever its case.
# Spaces and marks are read within the line and bounded (no ``\s*`` that crosses lines):
# runs of blank lines would otherwise make the scan quadratic (tests/test_linear_text.py).
_LABEL = re.compile(
    r"^[ \t>*-]{0,32}(?:\[\d+\][ \t]*)?([^\s:][^:\n]{0,40}?)[ \t]{0,8}:[ \t]+\S", re.MULTILINE
)


def names_something(text: str, question: str, language: str) -> bool:
    """Whether ``text`` names a thing the question does not: a name (see :func:`names`)
    or a line's label ("promptfoo: test prompts…"). What a "which tool…?" needs."""
    asked = _words(question)
    if names(text, language) - names(question, language) - asked:
        return True
    for match in _LABEL.finditer(text):
        label = _words(match.group(1))
        if label and not label <= asked and len(match.group(1).split()) <= 4:
            return True
    return False
