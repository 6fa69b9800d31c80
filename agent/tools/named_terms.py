"""What a question names that a passage must hold: its names, sizes and numbered labels.

The grader (agent/tools/relevance.py) rules a passage out when it lacks what the
question names, however many of the question's other words it shares: a passage about
LoRA does not answer a question about "Claude 3", figures about a 7B model do not answer
one about a 70B model, and notes on Lab 2 do not say which GPU lab 5 used. Each rule
reads the passage once per term, so a long question or passage costs linear time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from agent.tools.question_kind import contact_owner
from agent.tools.question_rules import is_number, key_terms, mentions, rules_view
from agent.tools.verification.word_lists import MONTHS_EN, MONTHS_ES
from ingestion.text_analysis import analyze, fold_accents, is_function_word

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SIZED_NUMBER = re.compile(r"\b(\d+(?:[.,]\d+)?)\s?(?:[kmbt]|gb|mb|tb|k)\b", re.IGNORECASE)


def missing_key_terms(question: str, text: str) -> list[str]:
    """What ``question`` names that ``text`` lacks, when that rules ``text`` out.

    - Names (accent- and case-blind, plural or possessive folded): only when *none* of
      the question's names occurs. A passage often leaves out what its document is about
      ("Super Bowl 50" is the article, not every paragraph), but a passage naming none of
      "Claude", "GPT-4" does not answer a question about them.
    - Sizes written with their number ("70B", "8 GB", "128k"): the number must occur (in
      any form: "65B" is "65.000 millones" in a Spanish source). Figures about a 7B model
      do not answer a question about a 70B one.
    - Numbers used as names ("for lab 5", "Apollo 11"): see :meth:`_LabelUses.names_another`,
      unless the number stands alone somewhere in ``text`` ("The default port is 8000").
    - Months ("¿Cuánto gastamos en enero?"): when ``text`` names months, and none of the
      asked ones (in either language): minutes that say "en febrero gastamos 212 €" do
      not say what January cost. A text that names no month in words is read by its
      dates in numbers ("2024-05-16", "31/05", "2024-01", "01/2024": a chat export of May
      does not say what January cost either); a month in words wins over them (a
      minute's date does not make "en marzo gastamos 800 €" a February figure); a text
      with no month in any form is given the benefit of the doubt.
    """
    haystack = fold_accents(text).lower()
    names = [t for t in key_terms(question) if not is_number(t)]
    missing = [t for t in names if not mentions(haystack, t)]
    if len(missing) < len(names):
        missing = []
    wholes = {_whole_part(n) for n in _NUMBER.findall(haystack)}
    for size in _SIZED_NUMBER.finditer(question):
        if _whole_part(size.group(1)) not in wholes:
            missing.append(size.group(0))
    asked_months = _months(question)
    if asked_months:
        named_months = _months(text) or _months_in_numbers(text)
        if named_months and not asked_months.keys() & named_months.keys():
            missing.extend(sorted(asked_months.values()))
    uses: dict[str, _LabelUses] = {}  # each label word read in the passage once
    alone: dict[str, bool] = {}  # each number too
    for word, number, determined in _labels(question):
        # "for lab 5", "en la semana 3": not "Super Bowl 50", "temporada 2015", "contenga 0"
        strict = determined and word.islower() and len(number) < 4
        if number not in alone:
            alone[number] = _stands_alone(haystack, number)
        if alone[number]:
            continue  # "The default port is 8000" for "port 8000"; not "with 5 GB"
        key = word.lower()
        if key not in uses:
            uses[key] = _label_uses(haystack, word)
        if uses[key].names_another(int(number), strict):
            missing.append(f"{word} {number}")
    return missing


_OWNER_WORD = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1024)
def _owner_words(question: str) -> tuple[str, ...]:
    """The content words of whose address ``question`` asks for, read once per question
    (the answerer checks every unit against them)."""
    return tuple(
        word
        for word in _OWNER_WORD.findall(contact_owner(question))
        if not is_function_word(word, "es") and not is_function_word(word, "en")
    )


def names_the_owner(question: str, text: str) -> bool:
    """Whether ``text`` names whose phone, e-mail or web address ``question`` asks for
    (question_kind.contact_owner): every content word of it ("Marcos Ferrer": both, not a
    Lucía Ferrer; "the support team": "support" and "team"), in any case and with or
    without accents. True when the question says no one.

    "¿Cuál es el teléfono de Marcos?" is not answered by the phone in Lucía's signature,
    however near Marcos's name the passage has it: the line quoted must say whose it is."""
    haystack = fold_accents(text).lower()
    return all(mentions(haystack, word) for word in _owner_words(question))


# A use of a label in a passage and the number, numbers or range after it: "Lab 5:",
# "lab #5", "Labs 4-6", "semanas 3 a 5", "Python 3.11", "Lab 05".
_NUMBER_AFTER = (
    r"(?:'s|s|es)?(?![^\W\d_])\W{0,3}(?:(?:#|n[oº]\.?)\s{0,2})?"
    r"(?:(\d{1,6})(?:[.,](\d{1,4}))?(?:\s{0,3}(?:-|–|a|to|y|and|al)\s{0,3}(\d{1,6}))?)?"
)


def _stands_alone(haystack: str, number: str) -> bool:
    """``number`` in ``haystack`` somewhere not as a quantity (a unit or a plural noun
    after it): a value the passage gives, as the label's number may be ("is 8000")."""
    for use in re.finditer(
        rf"(?<![\w.,]){re.escape(number)}(?!\w|[.,]\d)(?:\s{{1,8}}([^\W\d_]+))?", haystack
    ):
        if not use.group(1) or not _is_quantity(number, use.group(1)):
            return True
    return False


@dataclass(frozen=True)
class _LabelUses:
    """How a passage uses a label: at all, and with which numbers (as ranges)."""

    found: bool
    ranges: tuple[tuple[int, int], ...]

    def names_another(self, number: int, strict: bool) -> bool:
        """Whether the passage speaks of another label than number ``number``: it names
        the label with other numbers and never with this one ("Lab 2: … in this lab" for
        "lab 5"), or, ``strict``, not at all. The number counts written "05", as a
        decimal's whole part ("Python 3.11" for "Python 3") or inside a range ("Labs 4-6").

        A capitalised label is part of a name ("Super Bowl 50"), which a passage often
        gives once and then leaves out ("el partido", the article's title), so a passage
        without it is given the benefit of the doubt, as is one without a year ("En la
        temporada 2015, ¿cuántas…?" over a paragraph on that season); a common noun with a
        small number after a determiner ("for lab 5", "en la semana 3") is what the passage
        must speak of. A passage naming the label only without a number ("esa temporada")
        may be about the one asked for."""
        if any(low <= number <= high for low, high in self.ranges):
            return False
        return bool(self.ranges) or (strict and not self.found)


def _label_uses(haystack: str, label: str) -> _LabelUses:
    folded = re.escape(fold_accents(label).lower())
    found, ranges = False, []
    for use in re.finditer(rf"(?<![^\W\d_]){folded}{_NUMBER_AFTER}", haystack):
        found = True
        first, _fraction, last = use.groups()
        if first is not None:
            low = int(first)
            ranges.append((low, max(low, int(last)) if last else low))
    return _LabelUses(found, tuple(sorted(set(ranges))))


# A content word, then a number that ends the phrase: "lab 5?", "lab #5", "semana 3 del
# curso", "Apollo 11,".
_LABELLED = re.compile(
    r"(?<![\w.-])([^\W\d_]{2,40})\s{1,8}(?:(?:#|n[oº]\.?)\s{0,2})?(\d{1,6})(?![.,-]?\w)"
    r"(?:\s{1,8}([^\W\d_]+))?"
)
_DECADE_WORDS = frozenset({"anos", "years", "decada", "decade"})
_UNITS = frozenset({
    "gb", "mb", "kb", "tb", "ms", "s", "h", "min", "k", "m", "b", "kg", "km", "cm", "mm",
    "bit", "byte", "token", "gpu", "cpu", "core", "epoch", "paso", "step", "capa", "layer",
})  # fmt: skip


# Words that put a noun phrase before a label: "for lab 5", "en la semana 3", "del lab 2".
_DETERMINERS = frozenset({
    "the", "a", "for", "in", "of", "on", "at", "from", "to", "during", "this", "that",
    "each", "last", "next", "el", "la", "los", "las", "del", "de", "en", "para", "por",
    "un", "una", "al", "con", "este", "esta", "cada",
})  # fmt: skip


def labelled_numbers(question: str) -> list[tuple[str, str]]:
    """See :func:`_labels`: each label and its number."""
    return [(word, number) for word, number, _ in _labels(question)]


def _labels(question: str) -> list[tuple[str, str, bool]]:
    """Numbers the question uses as part of a name: "lab 5", "week 3", "Apollo 11",
    "año 2010". A passage without the number is about another lab, week or year, however
    many of the question's words it shares ("What GPU was used for lab 5?" was answered
    with a vLLM command holding "--gpu-memory-utilization" from notes with no lab 5).

    Not a quantity: a number followed by a unit or a plural noun ("4 bits", "7 capas",
    "1 GPU"); a verb after the number ("lab 7 use", "la semana 3 vimos") leaves it a
    label. Read in the part of the question the rules read, each label once, with whether
    a determiner or preposition comes before it ("for lab 5"; not "contenga 0")."""
    text = rules_view(question)
    found: list[tuple[str, str, bool]] = []
    seen: set[tuple[str, str]] = set()
    for match in _LABELLED.finditer(text):
        word, number, after = match.groups()
        if not analyze(word, "es") or not analyze(word, "en"):
            continue  # "in 2010", "de 5": a preposition, not a label
        if fold_accents(word).lower() in _DECADE_WORDS and len(number) == 2:
            continue  # "los años 80" is written "la década de 1980" as often
        if after and _is_quantity(number, after):
            continue
        before = text[max(0, match.start() - 16) : match.start()].split()[-1:]
        determined = bool(before) and fold_accents(before[0]).lower() in _DETERMINERS
        if (word, number) not in seen:
            seen.add((word, number))
            found.append((word, number, determined))
    return found


def _is_quantity(number: str, after: str) -> bool:
    """Whether ``after`` makes ``number`` a quantity: a unit, or a plural noun."""
    word = fold_accents(after).lower()
    if word in _UNITS or word.rstrip("s") in _UNITS:
        return True
    plural = word.endswith("s") and not word.endswith(("ss", "mos", "is", "us"))
    return plural and number != "1" and bool(analyze(after, "es")) and bool(analyze(after, "en"))


_MONTH_ES = re.compile(r"\b(" + "|".join(MONTHS_ES) + r")\b", re.IGNORECASE)
# English months capitalised, as written ("may" is a verb too). "May I…" / "May we…" asks
# leave; "May: 300 €" in a list or a table cell is the month.
_MONTH_EN = re.compile(r"\b(" + "|".join(m.title() for m in MONTHS_EN) + r")\b")
_MODAL_MAY = re.compile(r"\s{1,3}(?:i|we|you|he|she|it|they|this|that|be)\b", re.IGNORECASE)


def _months(text: str) -> dict[int, str]:
    """The months ``text`` names, by number (Spanish and English meet), with a name."""
    found: dict[int, str] = {}
    for match in _MONTH_ES.finditer(text):
        word = match.group(1).lower()
        found.setdefault(MONTHS_ES[word], word)
    for match in _MONTH_EN.finditer(text):
        word = match.group(1).lower()
        if word == "may" and _MODAL_MAY.match(text, match.end()):
            continue
        found.setdefault(MONTHS_EN[word], word)
    return found


# "2024-05-16", "31/05", "12/01/2024": a date in numbers names its month too. Bounded
# digit runs, one pass.
# A year is 19xx or 20xx, and not part of an identifier ("ticket #2024-05", "OPS-2024-05",
# "PR 1024-05") nor a fraction ("0,5/2000", "1/1000").
_ISO_DAY = re.compile(r"(?<![\w#/.,-])(?:19|20)\d{2}-(\d{1,2})-(\d{1,2})(?!\d)")
_YEAR_MONTH = re.compile(
    r"(?<![\w#/.,-])(?:(?:19|20)\d{2}-(\d{2})|(\d{1,2})/(?:19|20)\d{2})(?![\d/-])"
)
_SLASHED_DAY = re.compile(r"(?<![\w#/.,-])(\d{1,2})/(\d{1,2})(?:/\d{2,4})?(?![\d/])")


def _months_in_numbers(text: str) -> dict[int, str]:
    """The months of ``text``'s dates written in numbers. "05/06" is read both ways (day
    first in Spanish, month first in US English): a passage is ruled out only when
    neither reading gives the asked month."""
    found: dict[int, str] = {}
    for match in _ISO_DAY.finditer(text):
        month, day = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.setdefault(month, match[0])
    for match in _YEAR_MONTH.finditer(text):
        month = int(match[1] or match[2])
        if 1 <= month <= 12:
            found.setdefault(month, match[0])
    for match in _SLASHED_DAY.finditer(text):
        if "/" not in match[0][3:] and (len(match[1]), len(match[2])) != (2, 2):
            continue  # "4/8 bits", "Parte 1/2": a date is "31/05" or has its year
        first, second = int(match[1]), int(match[2])
        for month, day in ((second, first), (first, second)):
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.setdefault(month, match[0])
    return found


def _whole_part(number: str) -> str:
    """The integer a written number stands for at the scale it is written in: "65.000"
    (thousands grouped) and "65" are both "65" ("65.000 millones" is 65B), while a
    decimal keeps its fraction ("70.5" is not 70: an MMLU score of 70.5 says nothing
    about a 70B model)."""
    groups = re.split(r"[.,]", number)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return groups[0]
    return number.replace(",", ".")
