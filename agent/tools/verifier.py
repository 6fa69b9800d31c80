"""Check an answer sentence by sentence against its source passages, offline.

The graph's ``verify`` node runs this on every answer, with every model including the
embedded ``extractive`` one, so it cannot ask an LLM. Unsupported sentences written by
LLMs are rarely unrelated to the sources: they copy a source sentence and change one
thing (a number, a name, a negation, a direction word, two words swapped). Overlap
scores alone call those "supported", so the verifier combines a soft score with hard
checks that veto a sentence however well it overlaps:

Soft support score (0..1):
  * lexical coverage: the share of the sentence's content terms (stemmed and
    accent-folded, with the Spanish and the English stemmer both tried, so an English
    sentence citing a Spanish passage still matches "QLoRA", "modelo"/"model") found in
    the best window of one or two adjacent source sentences, and in the evidence overall;
  * embedding similarity to the best-matching source sentences (the bundled model is
    English-only, so it weighs less for Spanish sentences).

Hard checks, all on the evidence (the cited passages, or all of them):
  * every number ("4,8" = "4.8", "65B", "8-bit", "1e-5", years, percentages) and every
    proper or technical name must occur in the evidence;
  * each name or number must keep its context: when it never appears near the words
    around it in the sentence, and those words sit next to a *different* name or number
    in the source ("coined by Riley Goodside" vs "coined by Simon Willison"), the
    sentence is flagged; so is a pair of linked keys ("Claude 2.1 in March 2023") that
    no source sentence states together while one states one of them with another date;
  * a word swapped inside the source sentence the claim copies ("la deduplicación
    aproximada se hace" vs "la deduplicación exacta se hace"), when the sentence's word
    sits in a nearby source sentence with other neighbours: how role swaps look;
  * negation and direction: what the sentence negates must not be asserted by its
    matching source sentence and vice versa ("puede sumarse" vs "no puede sumarse",
    "rather than X"), and a direction word must not flip ("más veraces" vs "menos
    veraces", reduces/increases, faster/slower, keeps/removes).

Every rule needs positive evidence of a conflict, not just a difference: paraphrases
reorder, drop and substitute words all the time, and a verifier that cries wolf gets
switched off.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from agent.tools.sentences import citation_numbers, split_sentences, strip_citations
from agent.types import Verification
from ingestion.language import detect_language
from ingestion.text_analysis import analyze, fold_accents

if TYPE_CHECKING:
    from ingestion.embedding import Embedder

__all__ = ["METHOD", "SentenceCheck", "Verifier"]

METHOD = "offline:lexical+embedding+entities"

_OTHER_LANGUAGE = {"es": "en", "en": "es"}

# Weights of the support score. Lexical coverage is the backbone; the embedding rescues
# paraphrases with different words, and is trusted less where the model is weak (Spanish).
_WINDOW_WEIGHT = 0.7  # coverage in the best window vs. in the whole evidence
_EMBEDDING_WEIGHT = {"en": 0.35, "es": 0.2}
_EMBEDDING_FLOOR, _EMBEDDING_CEIL = 0.25, 0.85  # cosine mapped linearly onto 0..1
_CANDIDATE_WINDOWS = 3  # source sentences per answer sentence that get embedded
_VECTOR_CACHE_SIZE = 4096
_MAX_KEY_GAP = 3  # content words between two keys for them to count as linked
_CONTEXT_REACH = 5  # items on one side of a source name that still count as its context
_NUMBER_REACH = 3  # the same for numbers
_CONFLICT_REACH = 3  # how far from a context word a rival name may sit
_NEGATION_SCOPE = 1  # content items after "no"/"not"/"sin" that the negation covers

_TOKEN = re.compile(r"\w(?:[\w'’]|[.\-+/](?=\w))*")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
_NUMBER_WITH_UNIT = re.compile(r"^\d+(?:[.,]\d+)*-?[^\W\d_]{1,4}$")
_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b|por ciento\b)", re.IGNORECASE)
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]+[A-Z]")
_QUOTES = frozenset("«»\"“”'‘’")
_START_LIKE = set(":;([{\"'“‘«¿¡—–-•*")
_UNIT_AFTER = re.compile(r"[\s\-]?([^\W\d_]+)")
_APPOSITIVE = re.compile(r",\s*([^,;:.()]{1,60}?)(?=,)")
_DATE_GLUE = re.compile(r"^\s*(?:de|del|of|,)?\s*$", re.IGNORECASE)

_NUMBER_WORDS = {
    # "one"/"uno"/"una" double as articles and pronouns, and Spanish "once" (11) is an
    # English word; leaving them out costs little.
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "fifty": 50, "hundred": 100,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    "cincuenta": 50, "cien": 100, "ciento": 100,
}  # fmt: skip


def _month_numbers(names: str) -> dict[str, int]:
    return {month: number for number, month in enumerate(names.split(), start=1)}


_MONTHS_EN = _month_numbers(
    "january february march april may june july august september october november december"
)
_MONTHS_ES = _month_numbers(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_MONTHS_ES["setiembre"] = 9

# Negation cues. Negative pronouns ("nothing", "nadie", "nowhere") are left out: they do
# not negate the words that follow them.
_NEGATIONS = frozenset({
    "no", "not", "never", "nor", "cannot", "without", "neither", "non", "nunca", "jamas",
    "sin", "ni", "ningun", "ninguna", "ninguno", "ningunos", "ningunas", "tampoco", "unlike",
})  # fmt: skip
# "not only X" / "no solo X" adds rather than denies.
_ONLY = frozenset({"only", "just", "merely", "solo", "solamente", "unicamente", "simply"})
# Contrast phrases: "X rather than Y" denies Y just as "not Y" does.
_CONTRAST = (("rather", "than"), ("instead", "of"), ("en", "vez", "de"), ("en", "lugar", "de"))

# Direction words, grouped by concept. A sentence that uses one pole where its matching
# source sentence uses only the opposite pole contradicts it. Matched on accent-folded,
# lowercased words, by prefix where Spanish and English inflect ("reduc" covers reduce,
# reduces, reduced, reducing, reducen, reducción).
_POLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "magnitude": (
        ("increas", "aument", "incremen", "grow", "grew", "crec", "rais", "boost", "higher",
         "larger", "bigger", "greater", "mayor", "more", "mas", "rise", "rose", "expand",
         "ampli", "doubl", "dupli"),
        ("decreas", "reduc", "disminu", "shrink", "lower", "smaller", "menor", "less",
         "fewer", "menos", "drop", "cut", "declin", "lessen", "minimi", "recort", "halv",
         "little", "barely", "hardly", "slight", "apenas"),
    ),
    "speed": (
        ("faster", "quicker", "rapid", "acceler", "speedup", "speeds"),
        ("slower", "lent", "slow", "ralentiz", "deceler"),
    ),
    "quality": (
        ("better", "mejor", "superior", "outperform", "improv"),
        ("worse", "peor", "inferior", "underperform", "degrad", "empeor"),
    ),
    "order": (
        ("before", "antes", "earlier", "previo", "prior"),
        ("after", "despues", "later", "posterior"),
    ),
    "extreme": (
        ("maxim", "max", "most", "largest", "highest", "mayoria"),
        ("minim", "min", "least", "smallest", "lowest"),
    ),
    "cost": (
        ("cheap", "barat", "inexpensive", "econom"),
        ("expensive", "costly", "caro", "cara", "caros", "caras", "costos"),
    ),
    "retention": (
        ("keep", "kept", "preserv", "retain", "conserv", "manten", "mantien", "guard"),
        ("remov", "strip", "discard", "drop", "elimin", "descart", "quit", "borr", "delet"),
    ),
}  # fmt: skip
# Whole words only for prefixes that would also match unrelated words.
_EXACT_POLE_WORDS = frozenset({
    "mas", "more", "less", "menos", "cut", "max", "min", "most", "least", "caro", "cara",
    "caros", "caras", "rise", "rose", "drop", "mayor", "menor", "slow", "grew", "kept",
    "quit", "speeds", "little", "lent",
})  # fmt: skip

# Words that announce or frame content without asserting anything ("En resumen:",
# "In other words,", "Según los documentos:"). A sentence made only of these and
# stopwords is skipped rather than judged.
_CONNECTIVES = frozenset({
    "resumen", "summary", "short", "conclusion", "brief", "breve", "words", "palabras",
    "note", "nota", "ejemplo", "example", "examples", "ejemplos", "instance", "however",
    "embargo", "therefore", "thus", "hence", "consecuencia", "additionally",
    "adicionalmente", "finally", "finalmente", "firstly", "secondly", "lastly", "overall",
    "general", "respuesta", "answer", "answers", "documentos", "documents", "document",
    "documento", "fuentes", "fuente", "sources", "source", "contexto", "context", "texto",
    "text", "follows", "following", "siguiente", "siguientes", "key", "clave", "points",
    "puntos", "main", "principales", "aqui", "here", "said", "dicho", "sum", "summarize",
    "summarise", "resumir", "resumiendo", "basically", "basicamente", "essentially",
    "esencialmente", "namely", "concretamente", "specifically", "especificamente",
    "importante", "important", "notar", "detalles", "details", "pregunta", "question",
})  # fmt: skip
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "p.ej", "et", "al", "cf"})

_NUMBER_KINDS = frozenset({"number", "year", "percent"})


@dataclass
class SentenceCheck:
    """The verdict on one answer sentence, with the evidence behind it."""

    sentence: str
    supported: bool
    score: float
    reason: str
    best_source: int | None
    skipped: bool = False


# ---------------------------------------------------------------------- text analysis


@dataclass(frozen=True)
class _Item:
    """One content unit of a sentence, in order: a word, a name, a number or a date.

    ``forms`` are the strings it matches under: for words the Spanish and English stems
    and the folded word; for names their folded and squashed spellings; for numbers every
    reading of the value. Two items match when their forms intersect.
    """

    surface: str
    kind: str  # "word" | "name" | "number" | "year" | "percent" | "date"
    forms: frozenset[str]
    start: int
    end: int
    opens_clause: bool = False  # a capitalised word starting a sentence: maybe a name
    unit: str = ""  # for numbers: the word right after ("GB", "bits", "millones")
    aside: bool = False  # inside parentheses or a short appositive ("MarIA, del BSC, ...")

    @property
    def is_key(self) -> bool:
        return self.kind != "word"


@dataclass
class _Analysis:
    """What the checks need to know about one sentence (of an answer or a source)."""

    text: str
    language: str
    items: list[_Item]
    keys: list[_Item]  # names and numbers before multi-word names/dates are merged
    terms: list[tuple[str, str | None]]  # coverage terms: (own-language stem, other stem)
    negated: list[_Item]  # items that a negation or contrast cue applies to
    pole_marks: list[tuple[str, int, _Item | None]]  # (concept, pole, item it modifies)
    poles: dict[str, frozenset[int]] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return fold_accents(text).lower()


def _squash(text: str) -> str:
    """'GPT-4' / 'GPT 4' / 'gpt4' -> 'gpt4': names written with or without separators."""
    return re.sub(r"[\W_]+", "", _fold(text))


def _number_values(token: str) -> frozenset[str]:
    """Every reading of a written number, as canonical strings.

    "4,8" and "4.8" are the same number; "1,000" is a thousand in English and one in a
    Spanish decimal reading, and "1.000" the reverse, so both readings are kept and a
    match on either counts.
    """
    mantissa, _, exponent = token.lower().partition("e")
    scale = 10.0 ** int(exponent) if exponent else 1.0
    readings: set[float] = set()
    separators = re.findall(r"[.,]", mantissa)
    digits_only = re.sub(r"[.,]", "", mantissa)
    if not separators:
        readings.add(float(mantissa))
    elif len(separators) == 1:
        whole, frac = re.split(r"[.,]", mantissa)
        readings.add(float(f"{whole}.{frac}"))
        if len(frac) == 3:
            readings.add(float(digits_only))
    elif len(set(separators)) == 1:
        readings.add(float(digits_only))  # "1,000,000" / "1.000.000"
    else:
        last = max(mantissa.rfind("."), mantissa.rfind(","))
        whole = re.sub(r"[.,]", "", mantissa[:last])
        readings.add(float(f"{whole}.{mantissa[last + 1 :]}"))
    return frozenset(f"{value * scale:.6g}" for value in readings)


@lru_cache(maxsize=65536)
def _stem(word: str, language: str) -> str | None:
    """The analysed form of one word, or None for a stopword of ``language``."""
    terms = analyze(word, language)
    return terms[0] if terms else None


@lru_cache(maxsize=65536)
def _is_stopword(word: str, language: str | None = None) -> bool:
    """A stopword of ``language``, or of either language when it is None."""
    if language in _OTHER_LANGUAGE:
        return not analyze(word, language)
    return not analyze(word, "es") or not analyze(word, "en")


@lru_cache(maxsize=8192)
def _pole_of(word: str) -> tuple[tuple[str, int], ...]:
    found: list[tuple[str, int]] = []
    for concept, pair in _POLES.items():
        for pole, prefixes in enumerate(pair):
            for prefix in prefixes:
                exact = prefix in _EXACT_POLE_WORDS
                if (word == prefix) if exact else word.startswith(prefix):
                    found.append((concept, pole))
                    break
    return tuple(found)


def _is_name(token: str, start_like: bool, known_names: frozenset[str], language: str) -> bool:
    """Whether ``token`` names something specific (a model, a person, a library).

    Technical shapes (acronyms, CamelCase, digits, internal dots or underscores) are
    names anywhere. A capitalised ordinary-looking word counts only away from the start
    of a sentence or clause, or when the sources themselves use it as a name.
    """
    if len(token) < 2 or _fold(token).strip("'’") in _ABBREVIATIONS:
        return False
    has_digit = any(c in "0123456789" for c in token)  # not "²" in "km²"
    if has_digit:
        return any(c.isalpha() for c in token) and not _NUMBER_WITH_UNIT.match(token)
    technical = bool(_CAMEL.search(token) or re.search(r"\w[._]\w", token))
    if technical or (token.isupper() and len(token) >= 2):
        return True
    if not token[0].isupper():
        return False
    if _is_stopword(token.lower(), language):
        return False
    if start_like:
        return _fold(token) in known_names
    return True


def _name_forms(name: str) -> frozenset[str]:
    """Spellings under which a name may appear in a source: case, accents, plural 's'."""
    folded = _fold(name).replace("’", "'")
    forms = {folded, _squash(name)}
    for suffix in ("'s", "s", "es"):
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            base = folded[: -len(suffix)]
            forms.update({base, _squash(base)})
    return frozenset(f for f in forms if f)


def _start_like(text: str, offset: int) -> bool:
    """Whether position ``offset`` begins a sentence or a clause (after ':', '(', quotes)."""
    before = text[:offset].rstrip()
    return not before or before[-1] in _START_LIKE


def _word_forms(word: str, language: str) -> tuple[frozenset[str], str | None, str | None]:
    lowered = word.lower()
    own = _stem(lowered, language)
    other = _stem(lowered, _OTHER_LANGUAGE[language])
    forms = {f for f in (own, other, _fold(lowered)) if f}
    return frozenset(forms), own, other


class _Analyser:
    """Walks one sentence's tokens once, producing items, cues and coverage terms."""

    def __init__(self, text: str, language: str, known_names: frozenset[str]) -> None:
        self.text = text
        self.language = language
        self.known_names = known_names
        self.items: list[_Item] = []
        self.keys: list[_Item] = []
        self.terms: list[tuple[str, str | None]] = []
        self.negated: list[_Item] = []
        self.pole_marks: list[tuple[str, int, _Item | None]] = []
        self.poles: dict[str, set[int]] = defaultdict(set)
        self._pending_negation = 0  # how many more items the last negation cue covers
        self._negation_mark = 0  # where the text it covers continues from
        self._pending_poles: list[tuple[str, int]] = []
        self._history: list[str] = []

    def run(self) -> _Analysis:
        text = self.text
        numbers = {m.start(): m for m in _NUMBER.finditer(text)}
        covered_until = -1
        for match in _TOKEN.finditer(text):
            token, offset = match.group(0), match.start()
            folded = _fold(token)
            number = numbers.get(offset)
            if number is not None or offset < covered_until:
                if number is not None:
                    covered_until = number.end()
                    self._emit(self._number_item(number), key=True)
                for part in re.findall(r"[^\W\d_]+", token):
                    self._word(part, offset, offset + len(token), opens=False)
            elif folded in _NUMBER_WORDS:
                value = frozenset({f"{float(_NUMBER_WORDS[folded]):.6g}"})
                self._emit(_Item(token, "number", value, offset, match.end()), key=True)
            elif self._month(token) is not None:
                forms = frozenset({f"month:{self._month(token)}", folded})
                self._emit(_Item(token, "date", forms, offset, match.end()), key=True)
            elif _is_name(
                token, _start_like(text, offset), self.known_names, self.language
            ) and not self._is_unit(offset, token):
                item = _Item(token, "name", _name_forms(token), offset, match.end())
                self._emit(item, key=True)
                # Coverage terms as the index analyses it: "BM25" -> "bm25".
                others = analyze(token, self._other)
                for k, own in enumerate(analyze(token, self.language)):
                    self.terms.append((own, others[k] if k < len(others) else None))
            else:
                opens = _start_like(text, offset) and token[:1].isupper()
                for part in re.findall(r"[^\W\d_]+", token):
                    self._word(part, offset, match.end(), opens=opens)
                    opens = False
        asides = _aside_spans(text)
        items = [
            replace(item, aside=True) if any(a <= item.start < b for a, b in asides) else item
            for item in _merge(self.items, text)
        ]
        return _Analysis(
            text=text,
            language=self.language,
            items=items,
            keys=self.keys,
            terms=list(dict.fromkeys(self.terms)),  # a repeated word counts once
            negated=self.negated,
            pole_marks=self.pole_marks,
            poles={concept: frozenset(p) for concept, p in self.poles.items()},
        )

    def _is_unit(self, offset: int, token: str) -> bool:
        """A short token right after a number ("GB" in "13.5 GB") is its unit, not a name."""
        return len(token) <= 4 and bool(re.search(r"\d[\s\-]?$", self.text[:offset]))

    @property
    def _other(self) -> str:
        return _OTHER_LANGUAGE[self.language]

    def _month(self, token: str) -> int | None:
        folded = _fold(token)
        if folded in _MONTHS_ES:
            return _MONTHS_ES[folded]
        if folded in _MONTHS_EN and token[:1].isupper():
            return _MONTHS_EN[folded]
        return None

    def _number_item(self, number: re.Match[str]) -> _Item:
        raw = number.group(0)
        values = _number_values(raw)
        if _PERCENT_AFTER.match(self.text, number.end()):
            kind = "percent"
        elif re.fullmatch(r"(1[5-9]|20)\d\d", raw) and not re.match(
            r"[^\W\d_]", self.text[number.end() : number.end() + 1]
        ):
            kind = "year"
        else:
            kind = "number"
        unit = ""
        after = _UNIT_AFTER.match(self.text, number.end())
        if after and not _is_stopword(after.group(1).lower(), self.language):
            unit = _fold(after.group(1))
            unit = unit[:-2] if unit.endswith("es") and len(unit) > 4 else unit
            unit = unit[:-1] if unit.endswith("s") and len(unit) > 3 else unit
        return _Item(raw, kind, values, number.start(), number.end(), unit=unit)

    def _emit(self, item: _Item, key: bool = False) -> None:
        """Append an item; pending negation or direction cues attach to it."""
        if self._pending_negation:
            if re.search(r"[,;:.!?]", self.text[self._negation_mark : item.start]):
                self._pending_negation = 0  # the cue's clause ended
            else:
                self.negated.append(item)
                self._pending_negation -= 1
                self._negation_mark = item.end
        for concept, pole in self._pending_poles:
            self.pole_marks.append((concept, pole, item))
        self._pending_poles = []
        self.items.append(item)
        if key:
            self.keys.append(item)

    def _start_negation(self, end: int, scope: int) -> None:
        self._pending_negation = scope
        self._negation_mark = end

    def _word(self, part: str, start: int, end: int, opens: bool) -> None:
        folded = _fold(part)
        quoted = self.text[start - 1 : start] in _QUOTES and self.text[end : end + 1] in _QUOTES
        history = self._history
        history.append(folded)
        if self._pending_negation and folded in _ONLY:
            self._pending_negation = 0  # "not only", "no solo"
        poles = _pole_of(folded)
        forms, own, other = _word_forms(part, self.language)
        if own is not None:
            self._emit(_Item(part, "word", forms, start, end, opens_clause=opens))
            self.terms.append((own, other))
        if (folded in _NEGATIONS or folded.endswith("n't")) and not quoted:
            # A cue in quotes is mentioned, not used; "non-" negates one word only.
            self._start_negation(end, 1 if folded == "non" else _NEGATION_SCOPE)
        if any(tuple(history[-len(p) :]) == p for p in _CONTRAST):
            self._start_negation(end, _NEGATION_SCOPE)
        if poles:
            for concept, pole in poles:
                self.poles[concept].add(pole)
            self._pending_poles = list(poles)


def _aside_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of asides: parentheses, and short appositives after a name.

    "Alpaca (Universidad de Stanford, marzo de 2023): 52.000 instrucciones" and
    "MarIA, del Barcelona Supercomputing Center, se entrenó": what is said about the name
    continues after the aside, so context checks look past it.
    """
    spans: list[tuple[int, int]] = []
    depth, opened = 0, 0
    for offset, char in enumerate(text):
        if char == "(":
            if depth == 0:
                opened = offset
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, offset + 1))
    for match in _APPOSITIVE.finditer(text):
        before = _TOKEN.findall(text[: match.start()])
        if before and before[-1][:1].isupper() and len(match.group(1).split()) <= 6:
            spans.append((match.start(), match.end()))
    return spans


def _merge(items: list[_Item], text: str) -> list[_Item]:
    """Join adjacent name tokens ("Simon Willison"), a name and its alias in parentheses
    ("NormalFloat (NF4)"), and a month with its year ("diciembre de 2018")."""
    merged: list[_Item] = []
    for item in items:
        if merged:
            last = merged[-1]
            between = text[last.end : item.start]
            alias = between.strip() == "(" and text[item.end : item.end + 1] == ")"
            if last.kind == "name" and item.kind == "name" and (alias or not between.strip()):
                surface = f"{last.surface} {item.surface}"
                forms = last.forms | item.forms | {_squash(surface)}
                merged[-1] = _Item(surface, "name", forms, last.start, item.end)
                continue
            undated = last.kind == "date" and all(y is None for _, y in _date_parts(last))
            if undated and item.kind == "year" and _DATE_GLUE.match(between):
                month = next(f for f in last.forms if f.startswith("month:"))
                forms = frozenset({f"{month}|{value}" for value in item.forms})
                surface = text[last.start : item.end]
                merged[-1] = _Item(surface, "date", forms, last.start, item.end)
                continue
        merged.append(item)
    return merged


@lru_cache(maxsize=16384)
def _analyse(text: str, language: str, known_names: frozenset[str]) -> _Analysis:
    """Analyses are pure functions of their inputs; sources come back on every call."""
    return _Analyser(text, language, known_names).run()


def _language_of(text: str, fallback: str = "en") -> str:
    language = detect_language(text)
    if language in _OTHER_LANGUAGE:
        return language
    return fallback if fallback in _OTHER_LANGUAGE else "en"


def _matches(a: _Item, b: _Item) -> bool:
    """Same word, name, number or date; a month alone agrees with that month in any year."""
    if a.kind == "date" and b.kind == "date":
        return any(
            ma == mb and (ya is None or yb is None or ya == yb)
            for ma, ya in _date_parts(a)
            for mb, yb in _date_parts(b)
        )
    return not a.forms.isdisjoint(b.forms)


def _date_parts(item: _Item) -> list[tuple[str, str | None]]:
    """("7", "1789") for "julio de 1789", ("7", None) for "julio"."""
    parts: list[tuple[str, str | None]] = []
    for form in item.forms:
        if form.startswith("month:"):
            month, _, year = form[len("month:") :].partition("|")
            parts.append((month, year or None))
    return parts


_SCALE_UNITS = frozenset({
    "b", "bn", "billion", "billon", "m", "million", "millon", "mil", "k", "thousand", "t",
    "trillion", "millone", "billione",
})  # fmt: skip


def _units_agree(a: str, b: str) -> bool:
    """ "7B", "7 billion" and "7.000 millones" agree; "7 GB" and "7-billion" do not."""
    return not a or not b or a == b or (a in _SCALE_UNITS and b in _SCALE_UNITS)


def _fine_kind(item: _Item) -> str:
    return "name" if item.kind == "word" else item.kind


# ----------------------------------------------------------------------- the evidence


@dataclass
class _Window:
    """One source sentence, or two adjacent ones: the unit a claim is matched against."""

    text: str
    source: int
    stems: dict[str, frozenset[str]]
    sentences: tuple[int, ...]  # indices into _Evidence.sentences


@dataclass
class _Passage:
    """A source passage, analysed once per call."""

    text: str
    index: int
    language: str
    stems: dict[str, frozenset[str]]
    tokens: frozenset[str]
    squashed: frozenset[str]
    numbers: frozenset[str]
    sentence_texts: list[str]
    known_names: frozenset[str]
    start_caps: tuple[str, ...]  # every capitalised sentence opener, with repeats
    lowercase: frozenset[str]


@lru_cache(maxsize=4096)
def _passage(text: str, index: int) -> _Passage:
    folded = _fold(text)
    tokens = {t.strip("'’") for t in _TOKEN.findall(folded)}
    plain = re.findall(r"\w+", folded)
    tokens.update(plain)
    squashed = {_squash(t) for t in tokens}
    squashed.update(a + b for a, b in itertools.pairwise(plain))
    numbers = {v for m in _NUMBER.finditer(text) for v in _number_values(m.group(0))}
    numbers.update(f"{float(v):.6g}" for w, v in _NUMBER_WORDS.items() if w in plain)
    sentence_texts = split_sentences(text) or [text]
    # Capitalised sentence openers are collected to decide, per call and over all
    # sources, which of them are names (see Verifier._check).
    names: set[str] = set()
    start_caps: list[str] = []
    for sentence in sentence_texts:
        for match in _TOKEN.finditer(sentence):
            token = match.group(0)
            start_like = _start_like(sentence, match.start())
            if _is_name(token, start_like, frozenset(), "any"):
                names.add(_fold(token))
            elif start_like and token[:1].isupper() and not _is_stopword(token.lower()):
                start_caps.append(_fold(token))
    return _Passage(
        text=text,
        index=index,
        language=_language_of(text),
        stems={"es": frozenset(analyze(text, "es")), "en": frozenset(analyze(text, "en"))},
        tokens=frozenset(tokens),
        squashed=frozenset(squashed),
        numbers=frozenset(numbers),
        sentence_texts=sentence_texts,
        known_names=frozenset(names),
        start_caps=tuple(start_caps),
        lowercase=frozenset(_fold(t) for t in _TOKEN.findall(text) if t.islower()),
    )


def _index_forms(item: _Item) -> frozenset[str]:
    """The keys an item is indexed under: its forms, and for a dated month the month."""
    if item.kind != "date":
        return item.forms
    return item.forms | {f"month:{month}" for month, _ in _date_parts(item)}


class _Evidence:
    """The passages a sentence is checked against, with an index of where items occur."""

    def __init__(self, passages: Sequence[_Passage], known_names: frozenset[str]) -> None:
        self.passages = list(passages)
        self.sentences: list[_Analysis] = []
        self.sentence_source: list[int] = []
        self.windows: list[_Window] = []
        for passage in passages:
            first = len(self.sentences)
            for text in passage.sentence_texts:
                self.sentences.append(_analyse(text, passage.language, known_names))
                self.sentence_source.append(passage.index)
            count = len(passage.sentence_texts)
            for k in range(count):
                self.windows.append(_window(passage.sentence_texts[k], passage.index, (first + k,)))
                if k + 1 < count:
                    pair = f"{passage.sentence_texts[k]} {passage.sentence_texts[k + 1]}"
                    self.windows.append(_window(pair, passage.index, (first + k, first + k + 1)))
        self.index: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for s, analysis in enumerate(self.sentences):
            for position, item in enumerate(analysis.items):
                for form in _index_forms(item):
                    self.index[form].append((s, position))
        self.stems = {
            lang: frozenset().union(*(p.stems[lang] for p in passages)) for lang in ("es", "en")
        }
        self.tokens = frozenset().union(*(p.tokens for p in passages))
        self.squashed = frozenset().union(*(p.squashed for p in passages))
        self.numbers = frozenset().union(*(p.numbers for p in passages))

    def occurrences(self, item: _Item) -> list[tuple[int, int]]:
        """Where ``item`` occurs: (sentence, position); numbers must agree on their unit."""
        found: set[tuple[int, int]] = set()
        for form in _index_forms(item):
            found.update(self.index.get(form, ()))
        if item.kind == "date":
            found = {(s, j) for s, j in found if _matches(item, self.sentences[s].items[j])}
        if item.kind in _NUMBER_KINDS and item.unit:
            found = {
                (s, j) for s, j in found if _units_agree(item.unit, self.sentences[s].items[j].unit)
            }
        return sorted(found)

    def item_at(self, sentence: int, position: int) -> _Item | None:
        items = self.sentences[sentence].items
        return items[position] if 0 <= position < len(items) else None


@lru_cache(maxsize=16384)
def _window(text: str, source: int, sentences: tuple[int, ...]) -> _Window:
    stems = {"es": frozenset(analyze(text, "es")), "en": frozenset(analyze(text, "en"))}
    return _Window(text, source, stems, sentences)


@dataclass
class _Evaluation:
    score: float
    failure: str
    source: int | None
    inconclusive: bool = False


# ------------------------------------------------------------------------ the verifier


class Verifier:
    """Sentence-level grounding checks; deterministic, a few milliseconds per sentence.

    ``threshold`` is the support score (0..1) a sentence needs once its hard checks
    pass. ``embedder`` defaults to the bundled English MiniLM, loaded on first use.
    """

    def __init__(self, embedder: Embedder | None = None, threshold: float = 0.5) -> None:
        self._embedder = embedder
        self.threshold = threshold
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    # ----------------------------------------------------------------- public API

    def check_sentence(self, sentence: str, sources: list[str]) -> SentenceCheck:
        """Judge one sentence (not split further) against all ``sources``."""
        return self._check([sentence], sources, None, context=sentence)[0]

    def verify(
        self, answer: str, sources: list[str], cited: dict[int, int] | None = None
    ) -> tuple[Verification, list[SentenceCheck]]:
        """Check every sentence of ``answer``; ``cited`` maps marker n -> index in sources.

        A sentence is tried first against the sources it cites, then against all of them:
        a correct claim with a wrong marker still counts as grounded (the reason says so).
        Skipped sentences (connectives, questions) are returned but not counted.
        """
        checks = self._check(split_sentences(answer), sources, cited, context=answer)
        judged = [c for c in checks if not c.skipped]
        score = float(np.mean([c.score for c in judged])) if judged else 1.0
        verification = Verification(
            grounded=all(c.supported for c in judged),
            score=round(score, 4),
            unsupported=[c.sentence for c in judged if not c.supported],
            method=METHOD,
        )
        return verification, checks

    def load(self) -> None:
        """Load the embedding model now rather than on the first check (for timings)."""
        _ = self.embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from ingestion.embedding import Embedder

            self._embedder = Embedder()
        return self._embedder

    # ------------------------------------------------------------- preparation

    def _check(
        self,
        sentences: Sequence[str],
        sources: Sequence[str],
        cited: dict[int, int] | None,
        context: str = "",
    ) -> list[SentenceCheck]:
        passages = [_passage(text, i) for i, text in enumerate(sources)]
        # Short sentences can be ambiguous; the answer's, then the sources' language decide.
        source_languages = Counter(p.language for p in passages)
        fallback = source_languages.most_common(1)[0][0] if passages else "en"
        answer_language = _language_of(context, fallback) if context else fallback
        # A capitalised word that only ever opens sentences in the sources and is never
        # written in lowercase: a name when the answer uses it ("Annoy, developed by
        # Spotify" -> "Annoy was developed by Meta"), but inside the sources a name only
        # if it opens several sentences, since one opener is as likely a verb ("Descubrió
        # el radio") and source names become rivals in the context checks.
        openers = Counter(word for p in passages for word in p.start_caps)
        lowercase = frozenset().union(*(p.lowercase for p in passages))
        mid_sentence = frozenset().union(*(p.known_names for p in passages))
        known_names = mid_sentence | frozenset(
            word for word, count in openers.items() if count > 1 and word not in lowercase
        )
        answer_names = known_names | (frozenset(openers) - lowercase)
        everything = _Evidence(passages, known_names)

        analyses: list[_Analysis | None] = []
        for raw in sentences:
            text = strip_citations(raw)
            analysis = None
            if not _skip_reason(text):
                language = _language_of(text, answer_language)
                analysis = _analyse(text, language, answer_names)
                if not analysis.terms and not analysis.keys:
                    analysis = None
            analyses.append(analysis)

        subsets: dict[tuple[int, ...], _Evidence] = {}
        context = (passages, known_names, everything, cited, subsets)
        checks: list[SentenceCheck | None] = []
        for raw, analysis in zip(sentences, analyses, strict=True):
            if analysis is None:
                reason = _skip_reason(strip_citations(raw)) or "skipped: no content words"
                checks.append(SentenceCheck(raw, True, 1.0, reason, None, skipped=True))
            else:
                checks.append(self._judge(raw, analysis, *context, embedded=False))

        # The embedding decides only where the lexical evidence is inconclusive. Those
        # sentences and, for each, the few source sentences that match it best lexically
        # are embedded in one batch (a two-sentence window takes the better of its two
        # sentences' similarities rather than a vector of its own).
        undecided = [i for i, check in enumerate(checks) if check is None]
        if undecided:
            singles = [w for w in everything.windows if len(w.sentences) == 1]
            wanted: list[str] = []
            for i in undecided:
                analysis = analyses[i]
                assert analysis is not None
                ranked = sorted(singles, key=lambda w: -_coverage(analysis, w.stems))
                wanted.append(analysis.text)
                wanted.extend(w.text for w in ranked[:_CANDIDATE_WINDOWS])
            self._embed(wanted)
            for i in undecided:
                analysis = analyses[i]
                assert analysis is not None
                checks[i] = self._judge(sentences[i], analysis, *context, embedded=True)
        return [check for check in checks if check is not None]

    def _embed(self, texts: Sequence[str]) -> None:
        """Embed what is not cached yet, in one batch; sources repeat across calls."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.embedder.encode(missing), strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > _VECTOR_CACHE_SIZE:
            self._vectors.popitem(last=False)

    def _similarity(self, a: str, b: str) -> float:
        va, vb = self._vectors.get(a), self._vectors.get(b)
        if va is None or vb is None:
            return 0.0
        return float(np.dot(va, vb))

    # ------------------------------------------------------------------ judging

    def _judge(
        self,
        raw: str,
        sentence: _Analysis,
        passages: Sequence[_Passage],
        known_names: frozenset[str],
        everything: _Evidence,
        cited: dict[int, int] | None,
        subsets: dict[tuple[int, ...], _Evidence],
        *,
        embedded: bool,
    ) -> SentenceCheck | None:
        """Try the cited sources, then all sources; keep the first evidence that holds.

        Without ``embedded`` the verdict is lexical only, and None means it could go
        either way: the caller embeds and asks again.
        """
        cited_indices: list[int] = []
        if cited:
            for n in citation_numbers(raw):
                index = cited.get(n)
                if index is not None and 0 <= index < len(passages) and index not in cited_indices:
                    cited_indices.append(index)
        attempts: list[tuple[_Evidence, str]] = []
        if cited_indices:
            key = tuple(sorted(cited_indices))
            if key not in subsets:
                subsets[key] = _Evidence([passages[i] for i in key], known_names)
            attempts.append((subsets[key], ""))
        if sorted(cited_indices) != list(range(len(passages))):
            attempts.append((everything, " (not by the cited sources)" if cited_indices else ""))

        first: _Evaluation | None = None
        for evidence, note in attempts:
            result = self._evaluate(sentence, evidence, embedded)
            if result.inconclusive:
                return None
            if not result.failure and result.score >= self.threshold:
                return SentenceCheck(
                    raw, True, round(result.score, 4), "supported" + note, result.source
                )
            first = first or result
        if first is None:
            return SentenceCheck(raw, False, 0.0, "no sources", None)
        reason = first.failure or "low overlap"
        score = min(first.score, self.threshold * 0.99) if first.failure else first.score
        return SentenceCheck(raw, False, round(score, 4), reason, first.source)

    def _evaluate(self, sentence: _Analysis, evidence: _Evidence, embedded: bool) -> _Evaluation:
        """Support score and hard-check verdict of ``sentence`` against ``evidence``.

        Without ``embedded``, windows are ranked by coverage alone and the score is the
        lexical one; the result is marked inconclusive when an embedding similarity
        anywhere in 0..1 could still move the score across the threshold.
        """
        if not evidence.windows:
            return _Evaluation(0.0, "no sources", None)
        weight = _EMBEDDING_WEIGHT.get(sentence.language, 0.2) if embedded else 0.0
        best_value, best_single_value = -1.0, -1.0
        coverage = embedded_score = 0.0
        window = single = evidence.windows[0]
        for candidate in evidence.windows:
            cov = _coverage(sentence, candidate.stems)
            emb = 0.0
            if embedded:
                cosine = max(
                    self._similarity(sentence.text, evidence.sentences[k].text)
                    for k in candidate.sentences
                )
                emb = (cosine - _EMBEDDING_FLOOR) / (_EMBEDDING_CEIL - _EMBEDDING_FLOOR)
                emb = min(max(emb, 0.0), 1.0)
            value = (1 - weight) * cov + weight * emb
            if value > best_value:
                best_value, coverage, embedded_score, window = value, cov, emb, candidate
            if len(candidate.sentences) == 1 and value > best_single_value:
                best_single_value, single = value, candidate
        whole = _coverage(sentence, evidence.stems)
        lexical = _WINDOW_WEIGHT * coverage + (1 - _WINDOW_WEIGHT) * whole
        failure = _hard_failure(sentence, evidence, evidence.sentences[single.sentences[0]])
        if embedded:
            score = (1 - weight) * lexical + weight * embedded_score
            return _Evaluation(score, failure, window.source)
        full = _EMBEDDING_WEIGHT.get(sentence.language, 0.2)
        lowest, highest = (1 - full) * lexical, (1 - full) * lexical + full
        inconclusive = not failure and lowest < self.threshold <= highest
        return _Evaluation(lexical, failure, window.source, inconclusive)


# ------------------------------------------------------------------------ the checks


def _skip_reason(text: str) -> str:
    """Why a sentence is not judged: it asks, or it only frames what follows."""
    stripped = text.strip()
    if not re.search(r"\w", stripped):
        return "skipped: no content words"
    if stripped.endswith("?"):
        return "skipped: question"
    words = re.findall(r"\w+", _fold(stripped))
    content = [w for w in words if w not in _CONNECTIVES and not _is_stopword(w)]
    if not content:
        return "skipped: connective"
    return ""


def _coverage(sentence: _Analysis, stems: dict[str, frozenset[str]]) -> float:
    """Share of the sentence's content terms found in ``stems`` (either language)."""
    if not sentence.terms:
        return 1.0
    own, other = stems[sentence.language], stems[_OTHER_LANGUAGE[sentence.language]]
    hits = sum(1 for s, o in sentence.terms if s in own or (o is not None and o in other))
    return hits / len(sentence.terms)


def _hard_failure(sentence: _Analysis, evidence: _Evidence, best: _Analysis) -> str:
    """The first consistency check the sentence fails, in words; "" when none fails."""
    return (
        _missing_key(sentence, evidence)
        or _polarity_failure(sentence, evidence, best)
        or _context_conflict(sentence, evidence)
        or _linked_keys_conflict(sentence, evidence)
        or _frame_substitution(sentence, evidence, best)
    )


def _missing_key(sentence: _Analysis, evidence: _Evidence) -> str:
    """A number or name of the sentence that the evidence lacks (named in full)."""
    for key in sentence.keys:
        if key.kind in _NUMBER_KINDS:
            if key.forms.isdisjoint(evidence.numbers):
                return f"number {key.surface} not in sources"
        elif not _name_found(key, evidence):
            whole = next((i for i in sentence.items if i.start <= key.start < i.end), key)
            return f"name '{whole.surface}' not in sources"
    return ""


def _name_found(key: _Item, evidence: _Evidence) -> bool:
    if not key.forms.isdisjoint(evidence.tokens) or not key.forms.isdisjoint(evidence.squashed):
        return True
    if key.kind == "date":
        return bool(evidence.occurrences(key))
    surface = key.surface
    if surface[:1].isupper() and surface[1:].islower():
        # A plain capitalised word: inflection may differ ("Transformers").
        stems = evidence.stems["en"] | evidence.stems["es"]
        return any(_stem(surface.lower(), lang) in stems for lang in ("en", "es"))
    return False


def _found_in(item: _Item, items: Iterable[_Item]) -> bool:
    return any(_matches(item, other) for other in items)


def _polarity_failure(sentence: _Analysis, evidence: _Evidence, best: _Analysis) -> str:
    """Negation or direction that differs from the source.

    Negation is compared with the best-matching source sentence: what the sentence
    negates must not be asserted there, and what it negates must not be asserted here.
    A direction word is compared with every source statement about the same thing
    ("más veraces" against "menos veraces"); when no source statement is about the same
    thing, with the best-matching sentence, if it uses only the opposite direction
    about something nearby ("barely changes throughput" against "raises throughput").
    """
    for item in sentence.negated:
        if _found_in(item, best.items) and not _found_in(item, best.negated):
            return f"negates '{item.surface}', which the source asserts"
    for item in best.negated:
        if _found_in(item, sentence.items) and not _found_in(item, sentence.negated):
            return f"the source negates '{item.surface}'"
    for concept, pole, target in sentence.pole_marks:
        if target is None:
            continue
        aligned = {
            p
            for other in evidence.sentences
            for c, p, t in other.pole_marks
            if c == concept and t is not None and _matches(t, target)
        }
        if aligned and pole not in aligned:
            return f"contradicts the source ({concept}: '{target.surface}')"
        if aligned or pole in best.poles.get(concept, ()):
            continue
        ours = _surroundings(sentence, target)
        for c, p, t in best.pole_marks:
            if c != concept or p == pole or t is None:
                continue
            if any(_found_in(x, ours) for x in _surroundings(best, t)):
                return f"contradicts the source ({concept}: '{t.surface}')"
    return ""


def _surroundings(analysis: _Analysis, item: _Item, radius: int = 2) -> list[_Item]:
    """The items within ``radius`` of ``item`` (itself included) in ``analysis``."""
    items = analysis.items
    for position, candidate in enumerate(items):
        if candidate.start <= item.start < candidate.end or candidate.start == item.start:
            return items[max(position - radius, 0) : position + radius + 1]
    return [item]


def _neighbours(items: Sequence[_Item], position: int, radius: int) -> tuple[list, list]:
    left = [items[position - d] for d in range(1, radius + 1) if position - d >= 0]
    right = [items[position + d] for d in range(1, radius + 1) if position + d < len(items)]
    return left, right


def _is_rival(candidate: _Item | None, item: _Item, sentence: _Analysis) -> bool:
    """Whether ``candidate`` is another key of the same sort where ``item`` should be."""
    if candidate is None or not candidate.is_key or _matches(candidate, item):
        return False
    if _fine_kind(candidate) != _fine_kind(item):
        return False
    if item.kind in _NUMBER_KINDS:
        scaled = candidate.unit in _SCALE_UNITS and item.unit in _SCALE_UNITS
        return candidate.unit == item.unit or scaled
    return not any(_matches(candidate, key) for key in sentence.items if key.is_key)


def _context_conflict(sentence: _Analysis, evidence: _Evidence) -> str:
    """A name or number whose neighbours in the sentence neighbour another one in the source.

    "coined by Riley Goodside" where the source reads "coined by Simon Willison": the
    name occurs in the source, but never on the same side of "coined" without another
    name in between, and "coined" sits next to a different name. Numbers are held to
    their immediate neighbours on both sides ("alpha = 32, es decir" against "alpha = 16,
    es decir"). Without such positive evidence a moved key is left alone, since
    paraphrases move words around.
    """
    items = sentence.items
    for i, item in enumerate(items):
        occurrences = evidence.occurrences(item)
        candidate_name = item.kind == "word" and item.opens_clause and not occurrences
        if not item.is_key and not candidate_name:
            continue
        probe = item if not candidate_name else replace(item, kind="name")
        number = item.kind in _NUMBER_KINDS
        radius = 1 if number else 2
        left, right = _neighbours(items, i, radius)
        if not left and not right:
            continue
        if any(_keeps_context(evidence, s, j, left, right, probe) for s, j in occurrences):
            continue
        if number:
            rival = _number_in_frame(evidence, probe, left, right, sentence)
            if rival is not None:
                return f"{item.surface} where the source has {rival.surface}"
            continue
        for side, neighbours in ((1, left), (-1, right)):
            for neighbour in neighbours:
                for s, j in evidence.occurrences(neighbour):
                    rival = _first_key(evidence.sentences[s], j, side)
                    if rival is not None and _is_rival(rival, probe, sentence):
                        return (
                            f"'{item.surface}' where the source has '{rival.surface}' "
                            f"(next to '{neighbour.surface}')"
                        )
    return ""


def _clause_break(between: str) -> bool:
    """Clause punctuation in ``between``, ignoring what sits inside parentheses."""
    return bool(re.search(r"[,;:]", re.sub(r"\([^()]*\)", "", between)))


def _first_key(analysis: _Analysis, j: int, side: int) -> _Item | None:
    """The first name, number or date from item j in direction ``side``, within the
    clause and the conflict reach, past asides; None if a clause ends first."""
    items = analysis.items
    position, steps, previous = j, 0, items[j]
    in_aside = items[j].aside
    while steps < _CONFLICT_REACH:
        position += side
        if not 0 <= position < len(items):
            return None
        found = items[position]
        if found.aside and not in_aside:
            continue
        steps += 1
        first, second = sorted((previous, found), key=lambda x: x.start)
        if _clause_break(analysis.text[first.end : second.start]) and not (in_aside or found.aside):
            return None
        if found.is_key:
            return found
        previous = found
    return None


def _keeps_context(
    evidence: _Evidence,
    s: int,
    j: int,
    left: Sequence[_Item],
    right: Sequence[_Item],
    item: _Item,
    either_side: bool = True,
) -> bool:
    """Whether the occurrence at (s, j) keeps some of the sentence's context nearby.

    A neighbour counts on the same side; with ``either_side`` a plain word also counts
    on the other side (active and passive voice swap sides: "Fleming discovered
    penicillin" / "penicillin was discovered by Fleming"; "en 1789 con la toma de la
    Bastilla" / "la toma de la Bastilla en 1789"). Asides are looked past. For a
    name, what lies beyond both another name or number *and* clause punctuation
    describes something else ("coined by Simon Willison in September 2022, after Riley
    Goodside showed"); either one alone is common in faithful wording ("in 1928 at St
    Mary's Hospital in London", "text-davinci-002, zero-shot accuracy rose").
    """
    words = [y for y in (*left, *right) if not y.is_key] if either_side else []
    if item.kind in _NUMBER_KINDS:
        return _scan_context(evidence, s, j, left, right, item, False, False, _NUMBER_REACH, words)
    if _scan_context(evidence, s, j, left, right, item, True, False, _CONTEXT_REACH, words):
        return True
    # Within the clause, a neighbouring name or number also counts on the other side
    # ("Fleming ... in 1928" / "in 1928, Fleming").
    either = [*left, *right] if either_side else []
    return _scan_context(evidence, s, j, left, right, item, False, True, _CONTEXT_REACH, either)


def _scan_context(
    evidence: _Evidence,
    s: int,
    j: int,
    left: Sequence[_Item],
    right: Sequence[_Item],
    item: _Item,
    stop_at_key: bool,
    stop_at_clause: bool,
    reach: int,
    words: Sequence[_Item] = (),
) -> bool:
    analysis = evidence.sentences[s]
    items = analysis.items
    in_aside = items[j].aside
    for side, neighbours in ((-1, left), (1, right)):
        position, steps, previous = j, 0, items[j]
        while steps < reach:
            position += side
            if not 0 <= position < len(items):
                break
            found = items[position]
            if found.aside and not in_aside:
                # An aside neither ends nor uses up the search, but may hold the context.
                if _found_in(found, neighbours) or _found_in(found, words):
                    return True
                continue
            steps += 1
            if stop_at_clause:
                first, second = sorted((previous, found), key=lambda x: x.start)
                if _clause_break(analysis.text[first.end : second.start]):
                    break
            previous = found
            if _found_in(found, neighbours) or _found_in(found, words):
                return True
            if stop_at_key and found.is_key and not _matches(found, item):
                break
    return False


def _number_in_frame(
    evidence: _Evidence,
    item: _Item,
    left: Sequence[_Item],
    right: Sequence[_Item],
    sentence: _Analysis,
) -> _Item | None:
    """A different number of the same unit between the same two neighbours in a source."""
    anchor = left[0] if left else right[0]
    offset = 1 if left else -1
    for s, j in evidence.occurrences(anchor):
        candidate = evidence.item_at(s, j + offset)
        if candidate is None or not _is_rival(candidate, item, sentence):
            continue
        position = j + offset
        if left and right:
            after = evidence.item_at(s, position + 1)
            if after is None or not _matches(after, right[0]):
                continue
        return candidate
    return None


def _linked_keys_conflict(sentence: _Analysis, evidence: _Evidence) -> str:
    """Two keys the sentence links, which the sources never state together.

    "Claude 2.1 in March 2023": both occur, but no source sentence holds both, and the
    sentence about Claude 2.1 has another date. Dates, years and percentages need no
    more evidence than that; names and plain numbers also need a word of the sentence's
    link between them ("developed") in the rival's source sentence.
    """
    keyed = [(i, item) for i, item in enumerate(sentence.items) if item.is_key]
    for (i, a), (k, b) in itertools.pairwise(keyed):
        if k - i - 1 > _MAX_KEY_GAP:
            continue
        in_a = {s for s, _ in evidence.occurrences(a)}
        in_b = {s for s, _ in evidence.occurrences(b)}
        if in_a & in_b or not in_a or not in_b:
            continue
        links = sentence.items[i + 1 : k]
        for anchor_sentences, other in ((in_a, b), (in_b, a)):
            for s in anchor_sentences:
                items = evidence.sentences[s].items
                rivals = [p for p, z in enumerate(items) if _is_rival(z, other, sentence)]
                if not rivals:
                    continue
                strong = _fine_kind(other) in ("date", "year", "percent")
                linked = any(
                    _found_in(link, items[max(p - 2, 0) : p + 3]) for p in rivals for link in links
                )
                if strong or linked:
                    return (
                        f"'{a.surface}' and '{b.surface}' are not stated together in the "
                        f"sources (there: '{items[rivals[0]].surface}')"
                    )
    return ""


def _frame_substitution(sentence: _Analysis, evidence: _Evidence, best: _Analysis) -> str:
    """A word swapped inside the source sentence the claim copies, the word being nearby.

    "La deduplicación aproximada se hace con un hash" against "La deduplicación exacta
    se hace con un hash ...; la aproximada, con MinHash": same neighbours, a different
    word in between, and "aproximada" is said of something else (other neighbours) in the
    same or the next source sentence. Only the best-matching source sentence is searched
    for the frame: a frame found in an unrelated sentence is a coincidence of wording.
    """
    items = sentence.items
    frame = best.items
    best_index = evidence.sentences.index(best)
    nearby = {
        k
        for k in (best_index - 1, best_index, best_index + 1)
        if 0 <= k < len(evidence.sentences)
        and evidence.sentence_source[k] == evidence.sentence_source[best_index]
    }
    for i in range(1, len(items) - 1):
        word, left, right = items[i], items[i - 1], items[i + 1]
        if word.is_key or _matches(word, left) or _matches(word, right):
            continue
        placed = [(s, j) for s, j in evidence.occurrences(word) if s in nearby]
        if not placed:
            continue
        context = _neighbours(items, i, 2)
        if any(_scan_context(evidence, s, j, *context, word, False, True, 2) for s, j in placed):
            continue  # the word also appears in its own context: not a swap
        swaps: list[_Item] = []
        exact = False
        for j in range(1, len(frame) - 1):
            if not (_matches(frame[j - 1], left) and _matches(frame[j + 1], right)):
                continue
            if _matches(frame[j], word):
                exact = True
                break
            if not frame[j].is_key and not _abbreviates(frame[j], word):
                swaps.append(frame[j])
        if swaps and not exact:
            return f"'{word.surface}' where the source has '{swaps[0].surface}'"
    return ""


def _abbreviates(a: _Item, b: _Item) -> bool:
    """ "r" for "rango": one word is a short prefix of the other."""
    x, y = sorted((_fold(a.surface), _fold(b.surface)), key=len)
    return len(x) <= 3 and y.startswith(x)
