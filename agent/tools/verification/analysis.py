"""Sentence analysis: one pass over a sentence's tokens gives its items (words, names,
numbers, dates, in order), coverage terms, negation and direction cues.

An item carries every form it may be matched under (Spanish and English stems and the
folded word; a name's spellings; every reading of a number), so "QLoRA" meets "qlora",
"4,8" meets "4.8" and "modelo" meets "model". Both the answer's sentences and the
sources' sentences are analysed here, the same way.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from agent.tools.verification.word_lists import (
    ABBREVIATIONS,
    CONTRAST,
    EXACT_POLE_WORDS,
    MONTHS_EN,
    MONTHS_ES,
    NEGATIONS,
    NUMBER_WORDS,
    ONLY,
    POLES,
    SCALE_UNITS,
    SCALE_VALUES,
)
from ingestion.language import detect_language
from ingestion.text_analysis import analyze, fold_accents

OTHER_LANGUAGE = {"es": "en", "en": "es"}


_NEXT_WORD = re.compile(r"\s{1,8}([^\W\d_]{1,40})")
# "no longer", "no more than 5 ms", "no matter": "no" there grades or concedes, it denies
# no verb.
_NO_AS_DEGREE = frozenset({"longer", "more", "less", "fewer", "later", "sooner", "matter"})
_NUMBER_SIGN = re.compile(r"\.\s{0,2}\d|º")  # after "No": "No. 9", "Nº 3"
# Verbs that carry another: a negation before them denies the one they carry too.
_AUXILIARIES = ("lleg", "pued", "pod", "pud", "logr", "consig", "volv", "manag")
_NEGATION_SCOPE = 1  # content items after "no"/"not"/"sin" that the negation covers


TOKEN = re.compile(r"\w(?:[\w'’]|[.\-+/](?=\w))*")


# A version's "v" is no part of its number: "v2.3.0" states "version 2.3.0".
NUMBER = re.compile(r"(?:(?<![\w.,])|(?<=(?<![\w.,])[vV]))\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")


_NUMBER_WITH_UNIT = re.compile(r"^\d+(?:[.,]\d+)*-?[^\W\d_]{1,4}$")


_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b|por ciento\b)", re.IGNORECASE)


# Searched only: "[A-Z]{2,}[a-z]+[A-Z]" (QLoRA) holds "[a-z][A-Z]" anyway, and its
# ``[A-Z]{2,}`` made a long run of capitals quadratic (issue 20).
_CAMEL = re.compile(r"[a-z][A-Z]")


_QUOTES = frozenset("«»\"“”'‘’")


_START_LIKE = set(":;([{\"'“‘«¿¡—–-•*")


_UNIT_AFTER = re.compile(r"[\s\-]?([^\W\d_]+)")


_APPOSITIVE = re.compile(r",\s*([^,;:.()]{1,60}?)(?=,)")


_DATE_GLUE = re.compile(r"^\s*(?:de|del|of|,)?\s*$", re.IGNORECASE)


NUMBER_KINDS = frozenset({"number", "year", "percent"})


_SCALE_WORD = re.compile(r"[\s\-]?([^\W\d_]+)")
# Quantisation names that state a bit width: "Q4", "Q4_K_M", "int8", "FP16", "NF4".
QUANT_NAME = re.compile(r"\b(?:q|int|fp|nf|bf)(\d{1,2})(?![\d.])(?:_\w+)?\b", re.IGNORECASE)


def scale_after(text: str, end: int) -> tuple[float, int]:
    """The factor of the scale words right after a number ending at ``end``, and where
    they end: "175 mil millones" → (10^9, …); (1.0, end) when none follows."""
    factor, position = 1.0, end
    for _ in range(3):
        match = _SCALE_WORD.match(text, position)
        if match is None or fold(match.group(1)) not in SCALE_VALUES:
            break
        factor *= SCALE_VALUES[fold(match.group(1))]
        position = match.end()
    return factor, position


def scaled(values: frozenset[str], factor: float) -> frozenset[str]:
    """``values`` (canonical number strings) multiplied by ``factor``."""
    return frozenset(f"{float(v) * factor:.6g}" for v in values)


@dataclass(frozen=True)
class Item:
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
    # For a number with scale words ("1,4 billones", "13B"): the values it stands for at
    # that scale. A claim's scaled number must be found scaled alike in the sources.
    scaled: frozenset[str] = frozenset()

    @property
    def is_key(self) -> bool:
        return self.kind != "word"


@dataclass
class Analysis:
    """What the checks need to know about one sentence (of an answer or a source)."""

    text: str
    language: str
    items: list[Item]
    keys: list[Item]  # names and numbers before multi-word names/dates are merged
    terms: list[tuple[str, str | None]]  # coverage terms: (own-language stem, other stem)
    negated: list[Item]  # items that a negation or contrast cue applies to
    pole_marks: list[tuple[str, int, Item | None]]  # (concept, pole, item it modifies)
    poles: dict[str, frozenset[int]] = field(default_factory=dict)
    # a verb negated by the "no" after it ("uses no dropout"), by where it starts: the
    # item it is denied of, since "uses no dropout" does not deny "uses layer norm"
    denied_of: dict[int, Item] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    return fold_accents(text).lower()


def squash(text: str) -> str:
    """'GPT-4' / 'GPT 4' / 'gpt4' -> 'gpt4': names written with or without separators."""
    return re.sub(r"[\W_]+", "", fold(text))


def number_values(token: str) -> frozenset[str]:
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
def stem_of(word: str, language: str) -> str | None:
    """The analysed form of one word, or None for a stopword of ``language``."""
    terms = analyze(word, language)
    return terms[0] if terms else None


@lru_cache(maxsize=65536)
def is_stopword(word: str, language: str | None = None) -> bool:
    """A stopword of ``language``, or of either language when it is None."""
    if language in OTHER_LANGUAGE:
        return not analyze(word, language)
    return not analyze(word, "es") or not analyze(word, "en")


@lru_cache(maxsize=8192)
def _pole_of(word: str) -> tuple[tuple[str, int], ...]:
    found: list[tuple[str, int]] = []
    for concept, pair in POLES.items():
        for pole, prefixes in enumerate(pair):
            for prefix in prefixes:
                exact = prefix in EXACT_POLE_WORDS
                if (word == prefix) if exact else word.startswith(prefix):
                    found.append((concept, pole))
                    break
    return tuple(found)


def is_name(token: str, start_like: bool, known_names: frozenset[str], language: str) -> bool:
    """Whether ``token`` names something specific (a model, a person, a library).

    Technical shapes (acronyms, CamelCase, digits, internal dots or underscores) are
    names anywhere. A capitalised ordinary-looking word counts only away from the start
    of a sentence or clause, or when the sources themselves use it as a name.
    """
    if len(token) < 2 or fold(token).strip("'’") in ABBREVIATIONS:
        return False
    has_digit = any(c in "0123456789" for c in token)  # not "²" in "km²"
    if has_digit:
        return any(c.isalpha() for c in token) and not _NUMBER_WITH_UNIT.match(token)
    technical = bool(_CAMEL.search(token) or re.search(r"\w[._]\w", token))
    if technical or (token.isupper() and len(token) >= 2):
        return True
    if not token[0].isupper():
        return False
    if is_stopword(token.lower(), language):
        return False
    if start_like:
        return fold(token) in known_names
    return True


def _name_forms(name: str) -> frozenset[str]:
    """Spellings under which a name may appear in a source: case, accents, plural 's'."""
    folded = fold(name).replace("’", "'")
    forms = {folded, squash(name)}
    quant = QUANT_NAME.fullmatch(name)
    if quant:  # "Q4" is said "4-bit", "4 bits", "int4"
        bits = quant.group(1)
        forms.update({f"{bits}bit", f"{bits}bits", f"q{bits}", f"int{bits}"})
    for suffix in ("'s", "s", "es"):
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            base = folded[: -len(suffix)]
            forms.update({base, squash(base)})
    return frozenset(f for f in forms if f)


def at_clause_start(text: str, offset: int) -> bool:
    """Whether position ``offset`` begins a sentence or a clause (after ':', '(', quotes)."""
    # read backwards over the spaces only, not a copy of everything before (which made
    # a sentence's analysis quadratic in its length)
    while offset > 0 and text[offset - 1].isspace():
        offset -= 1
    return offset == 0 or text[offset - 1] in _START_LIKE


def _word_forms(word: str, language: str) -> tuple[frozenset[str], str | None, str | None]:
    lowered = word.lower()
    own = stem_of(lowered, language)
    other = stem_of(lowered, OTHER_LANGUAGE[language])
    forms = {f for f in (own, other, fold(lowered)) if f}
    return frozenset(forms), own, other


class _Analyser:
    """Walks one sentence's tokens once, producing items, cues and coverage terms."""

    def __init__(self, text: str, language: str, known_names: frozenset[str]) -> None:
        self.text = text
        self.language = language
        self.known_names = known_names
        self.items: list[Item] = []
        self.keys: list[Item] = []
        self.terms: list[tuple[str, str | None]] = []
        self.negated: list[Item] = []
        self.pole_marks: list[tuple[str, int, Item | None]] = []
        self.poles: dict[str, set[int]] = defaultdict(set)
        self._pending_negation = 0  # how many more items the last negation cue covers
        self._negation_mark = 0  # where the text it covers continues from
        self._pending_poles: list[tuple[str, int]] = []
        self._history: list[str] = []
        self.denied_of: dict[int, Item] = {}
        self._denied_verb: Item | None = None  # "adds no …": waiting for what follows

    def run(self) -> Analysis:
        text = self.text
        numbers = {m.start(): m for m in NUMBER.finditer(text)}
        covered_until = -1
        for match in TOKEN.finditer(text):
            token, offset = match.group(0), match.start()
            folded = fold(token)
            number = numbers.get(offset)
            if number is None and token[:1] in "vV":
                number = numbers.get(offset + 1)  # "v2.3.0"
            if number is not None or offset < covered_until:
                if number is not None:
                    item = self._number_item(number)
                    # scale words ("mil millones") belong to the number, not keys of their own
                    covered_until = max(number.end(), scale_after(text, number.end())[1])
                    self._emit(item, key=True)
                for part in re.findall(r"[^\W\d_]+", token):
                    self._word(part, offset, offset + len(token), opens=False)
            elif folded in NUMBER_WORDS:
                value = frozenset({f"{float(NUMBER_WORDS[folded]):.6g}"})
                self._emit(Item(token, "number", value, offset, match.end()), key=True)
            elif self._month(token) is not None:
                forms = frozenset({f"month:{self._month(token)}", folded})
                self._emit(Item(token, "date", forms, offset, match.end()), key=True)
            elif is_name(
                token, at_clause_start(text, offset), self.known_names, self.language
            ) and not self._is_unit(offset, token):
                item = Item(token, "name", _name_forms(token), offset, match.end())
                self._emit(item, key=True)
                # Coverage terms as the index analyses it: "BM25" -> "bm25".
                others = analyze(token, self._other)
                for k, own in enumerate(analyze(token, self.language)):
                    self.terms.append((own, others[k] if k < len(others) else None))
            else:
                opens = at_clause_start(text, offset) and token[:1].isupper()
                for part in re.findall(r"[^\W\d_]+", token):
                    self._word(part, offset, match.end(), opens=opens)
                    opens = False
        inside = _within(_aside_spans(text))
        items = [
            replace(item, aside=True) if inside(item.start) else item
            for item in _merge(self.items, text)
        ]
        return Analysis(
            text=text,
            language=self.language,
            items=items,
            keys=self.keys,
            terms=list(dict.fromkeys(self.terms)),  # a repeated word counts once
            negated=self.negated,
            denied_of=self.denied_of,
            pole_marks=self.pole_marks,
            poles={concept: frozenset(p) for concept, p in self.poles.items()},
        )

    def _is_unit(self, offset: int, token: str) -> bool:
        """A short token right after a number ("GB" in "13.5 GB") is its unit, not a name."""
        return len(token) <= 4 and bool(
            re.search(r"\d[\s\-]?$", self.text[max(0, offset - 3) : offset])
        )

    @property
    def _other(self) -> str:
        return OTHER_LANGUAGE[self.language]

    def _month(self, token: str) -> int | None:
        folded = fold(token)
        if folded in MONTHS_ES:
            return MONTHS_ES[folded]
        if folded in MONTHS_EN and token[:1].isupper():
            return MONTHS_EN[folded]
        return None

    def _number_item(self, number: re.Match[str]) -> Item:
        raw = number.group(0)
        values = number_values(raw)
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
        if after and not is_stopword(after.group(1).lower(), self.language):
            unit = fold(after.group(1))
            unit = unit[:-2] if unit.endswith("es") and len(unit) > 4 else unit
            unit = unit[:-1] if unit.endswith("s") and len(unit) > 3 else unit
        factor, _ = scale_after(self.text, number.end())
        at_scale = scaled(values, factor) if factor != 1.0 and kind == "number" else frozenset()
        return Item(
            raw, kind, values | at_scale, number.start(), number.end(), unit=unit, scaled=at_scale
        )

    def _emit(self, item: Item, key: bool = False) -> None:
        """Append an item; pending negation or direction cues attach to it."""
        if self._denied_verb is not None:
            self.denied_of[self._denied_verb.start] = item
            self._denied_verb = None
        if self._pending_negation:
            if re.search(r"[,;:.!?]", self.text[self._negation_mark : item.start]):
                self._pending_negation = 0  # the cue's clause ended
            else:
                self.negated.append(item)
                self._pending_negation -= 1
                self._negation_mark = item.end
                if item.kind == "word" and fold(item.surface).startswith(_AUXILIARIES):
                    # "sin que lleguen a dorarse", "no pudo terminar": the verb after
                    # the auxiliary is what is denied
                    self._pending_negation += 1
        for concept, pole in self._pending_poles:
            self.pole_marks.append((concept, pole, item))
        self._pending_poles = []
        self.items.append(item)
        if key:
            self.keys.append(item)

    def _start_negation(self, end: int, scope: int) -> None:
        self._pending_negation = scope
        self._negation_mark = end

    def _negate_the_verb_before(self, start: int, end: int) -> None:
        """English "no" right after a verb ("adds no latency", "requires no calibration")
        denies the verb, as "does not add latency" does: the verb goes on the negated
        list too (the polarity check then meets "does not add" in a source, and the
        noun stays negated, so "AWQ needs no calibration set" still contradicts "AWQ
        needs a calibration set" whatever else a source negates). Only in English
        (Spanish "no" stands before its verb: "el modelo no usa"), not after a name
        ("LoRA no…") and not in "no longer" / "no more than", which deny nothing."""
        if self.language != "en" or not self.items:
            return
        before = self.items[-1]
        if before.kind != "word" or before.surface[:1].isupper():
            return
        if self.text[before.end : start].strip():
            return
        following = _NEXT_WORD.match(self.text, end)
        if following and fold(following.group(1)) in _NO_AS_DEGREE:
            return
        self.negated.append(before)
        self._denied_verb = before

    def _word(self, part: str, start: int, end: int, opens: bool) -> None:
        folded = fold(part)
        quoted = self.text[start - 1 : start] in _QUOTES and self.text[end : end + 1] in _QUOTES
        history = self._history
        history.append(folded)
        if self._pending_negation and folded in ONLY:
            self._pending_negation = 0  # "not only", "no solo"
        poles = _pole_of(folded)
        forms, own, other = _word_forms(part, self.language)
        if own is not None:
            self._emit(Item(part, "word", forms, start, end, opens_clause=opens))
            self.terms.append((own, other))
        if folded == "no" and _NUMBER_SIGN.match(self.text, end):
            return  # "No. 9", "nº 3": a number's sign, not a negation
        if folded == "no" and not quoted:
            # "adds no latency" denies "adds" as "does not add latency" does, and the
            # noun after it as before
            self._negate_the_verb_before(start, end)
        if (folded in NEGATIONS or folded.endswith("n't")) and not quoted:
            # A cue in quotes is mentioned, not used; "non-" negates one word only.
            self._start_negation(end, 1 if folded == "non" else _NEGATION_SCOPE)
        if any(tuple(history[-len(p) :]) == p for p in CONTRAST):
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
    tokens = [(m.end(), m.group(0)) for m in TOKEN.finditer(text)]
    ends = [end for end, _ in tokens]
    for match in _APPOSITIVE.finditer(text):
        # the last token before the comma, found in one tokenisation of the whole text
        last = bisect.bisect_right(ends, match.start()) - 1
        if last >= 0 and tokens[last][1][:1].isupper() and len(match.group(1).split()) <= 6:
            spans.append((match.start(), match.end()))
    return spans


def _within(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """Whether an offset falls in one of ``spans``, in log time (spans may overlap)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = [start for start, _ in merged]

    def inside(offset: int) -> bool:
        k = bisect.bisect_right(starts, offset) - 1
        return k >= 0 and offset < merged[k][1]

    return inside


_MAX_NAME_PARTS = 8  # "Universidad Nacional de Educación a Distancia" has 6; a run of
# capitalised words past this is not one name, and joining it whole was quadratic
_NAME_CHARS = 400


def _merge(items: list[Item], text: str) -> list[Item]:
    """Join adjacent name tokens ("Simon Willison"), a name and its alias in parentheses
    ("NormalFloat (NF4)"), and a month with its year ("diciembre de 2018")."""
    merged: list[Item] = []
    for item in items:
        if merged:
            last = merged[-1]
            between = text[last.end : item.start]
            alias = between.strip() == "(" and text[item.end : item.end + 1] == ")"
            joinable = last.surface.count(" ", 0, _NAME_CHARS) < _MAX_NAME_PARTS
            if (
                last.kind == "name"
                and item.kind == "name"
                and (alias or not between.strip())
                and joinable
            ):
                surface = f"{last.surface} {item.surface}"
                forms = last.forms | item.forms | {squash(surface)}
                merged[-1] = Item(surface, "name", forms, last.start, item.end)
                continue
            undated = last.kind == "date" and all(y is None for _, y in date_parts(last))
            if undated and item.kind == "year" and _DATE_GLUE.match(between):
                month = next(f for f in last.forms if f.startswith("month:"))
                forms = frozenset({f"{month}|{value}" for value in item.forms})
                surface = text[last.start : item.end]
                merged[-1] = Item(surface, "date", forms, last.start, item.end)
                continue
        merged.append(item)
    return merged


@lru_cache(maxsize=16384)
def analyse(text: str, language: str, known_names: frozenset[str]) -> Analysis:
    """Analyses are pure functions of their inputs; sources come back on every call."""
    return _Analyser(text, language, known_names).run()


def language_of(text: str, fallback: str = "en") -> str:
    language = detect_language(text)
    if language in OTHER_LANGUAGE:
        return language
    return fallback if fallback in OTHER_LANGUAGE else "en"


def items_match(a: Item, b: Item) -> bool:
    """Same word, name, number or date; a month alone agrees with that month in any year."""
    if a.kind == "date" and b.kind == "date":
        return any(
            ma == mb and (ya is None or yb is None or ya == yb)
            for ma, ya in date_parts(a)
            for mb, yb in date_parts(b)
        )
    return not a.forms.isdisjoint(b.forms)


def date_parts(item: Item) -> list[tuple[str, str | None]]:
    """("7", "1789") for "julio de 1789", ("7", None) for "julio"."""
    parts: list[tuple[str, str | None]] = []
    for form in item.forms:
        if form.startswith("month:"):
            month, _, year = form[len("month:") :].partition("|")
            parts.append((month, year or None))
    return parts


def units_agree(a: str, b: str) -> bool:
    """ "7B", "7 billion" and "7.000 millones" agree; "7 GB" and "7-billion" do not."""
    return not a or not b or a == b or (a in SCALE_UNITS and b in SCALE_UNITS)


def fine_kind(item: Item) -> str:
    return "name" if item.kind == "word" else item.kind
