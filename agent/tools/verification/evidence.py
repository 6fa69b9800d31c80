"""The evidence a sentence is checked against: source passages analysed once, split
into sentences and windows of one or two adjacent sentences, with an index of where
each word, name, number and date occurs.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from agent.tools.answer_units import table_sentences
from agent.tools.sentences import split_sentences
from agent.tools.verification.analysis import (
    NUMBER,
    NUMBER_KINDS,
    QUANT_NAME,
    TOKEN,
    Analysis,
    Item,
    analyse,
    at_clause_start,
    date_parts,
    fold,
    is_name,
    is_stopword,
    items_match,
    language_of,
    number_values,
    scale_after,
    scaled,
    squash,
    units_agree,
)
from agent.tools.verification.word_lists import NUMBER_WORDS
from ingestion.text_analysis import analyze


@dataclass
class _Window:
    """One source sentence, or two adjacent ones: the unit a claim is matched against."""

    text: str
    source: int
    stems: dict[str, frozenset[str]]
    sentences: tuple[int, ...]  # indices into Evidence.sentences


@dataclass
class Passage:
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
def passage_of(text: str, index: int) -> Passage:
    folded = fold(text)
    tokens = {t.strip("'’") for t in TOKEN.findall(folded)}
    plain = re.findall(r"\w+", folded)
    tokens.update(plain)
    squashed = {squash(t) for t in tokens}
    squashed.update(a + b for a, b in itertools.pairwise(plain))
    numbers = set()
    for m in NUMBER.finditer(text):
        values = number_values(m.group(0))
        # "1,4 billones" is also evidence for 1.4 trillion, "13B" for 13.000 millones
        numbers.update(values | scaled(values, scale_after(text, m.end())[0]))
    # "Q4_K_M", "int8": evidence for "4-bit", "8 bits"
    numbers.update(f"{float(m.group(1)):.6g}" for m in QUANT_NAME.finditer(text))
    numbers.update(f"{float(v):.6g}" for w, v in NUMBER_WORDS.items() if w in plain)
    # A table row is also evidence as the answerer quotes it, read with its header
    # ("Formato: Q4_K_M · Tamaño: 4,1 GB"): the row alone has no header words.
    sentence_texts = [*(split_sentences(text) or [text]), *table_sentences(text)]
    # Capitalised sentence openers are collected to decide, per call and over all
    # sources, which of them are names (see Verifier._check).
    names: set[str] = set()
    start_caps: list[str] = []
    for sentence in sentence_texts:
        for match in TOKEN.finditer(sentence):
            token = match.group(0)
            start_like = at_clause_start(sentence, match.start())
            if is_name(token, start_like, frozenset(), "any"):
                names.add(fold(token))
            elif start_like and token[:1].isupper() and not is_stopword(token.lower()):
                start_caps.append(fold(token))
    return Passage(
        text=text,
        index=index,
        language=language_of(text),
        stems={"es": frozenset(analyze(text, "es")), "en": frozenset(analyze(text, "en"))},
        tokens=frozenset(tokens),
        squashed=frozenset(squashed),
        numbers=frozenset(numbers),
        sentence_texts=sentence_texts,
        known_names=frozenset(names),
        start_caps=tuple(start_caps),
        lowercase=frozenset(fold(t) for t in TOKEN.findall(text) if t.islower()),
    )


def _index_forms(item: Item) -> frozenset[str]:
    """The keys an item is indexed under: its forms, and for a dated month the month."""
    if item.kind != "date":
        return item.forms
    return item.forms | {f"month:{month}" for month, _ in date_parts(item)}


class Evidence:
    """The passages a sentence is checked against, with an index of where items occur."""

    def __init__(self, passages: Sequence[Passage], known_names: frozenset[str]) -> None:
        self.passages = list(passages)
        self.sentences: list[Analysis] = []
        self.sentence_source: list[int] = []
        self.windows: list[_Window] = []
        for passage in passages:
            first = len(self.sentences)
            for text in passage.sentence_texts:
                self.sentences.append(analyse(text, passage.language, known_names))
                self.sentence_source.append(passage.index)
            count = len(passage.sentence_texts)
            for k in range(count):
                self.windows.append(_window(passage.sentence_texts[k], passage.index, (first + k,)))
                if k + 1 < count:
                    pair = f"{passage.sentence_texts[k]} {passage.sentence_texts[k + 1]}"
                    self.windows.append(_window(pair, passage.index, (first + k, first + k + 1)))
        self._under: dict[int, list[int]] = defaultdict(list)  # heading -> its lines
        for s, heading in enumerate(_sections(self.sentences, self.sentence_source)):
            if heading is not None:
                self._under[heading].append(s)
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
        self.languages = frozenset(p.language for p in passages)

    def occurrences(self, item: Item) -> list[tuple[int, int]]:
        """Where ``item`` occurs: (sentence, position); numbers must agree on their unit."""
        found: set[tuple[int, int]] = set()
        for form in _index_forms(item):
            found.update(self.index.get(form, ()))
        if item.kind == "date":
            found = {(s, j) for s, j in found if items_match(item, self.sentences[s].items[j])}
        if item.kind in NUMBER_KINDS and item.unit:
            found = {
                (s, j) for s, j in found if units_agree(item.unit, self.sentences[s].items[j].unit)
            }
        return sorted(found)

    def stated_with(self, sentences: set[int]) -> set[int]:
        """``sentences`` and, for each heading among them, the sentences under it: "###
        vLLM:" states its name with every line of its section ("- FP8 on H100 needs no
        calibration set" is said of vLLM)."""
        found = set(sentences)
        for s in sentences:
            found.update(self._under.get(s, ()))
        return found

    def item_at(self, sentence: int, position: int) -> Item | None:
        items = self.sentences[sentence].items
        return items[position] if 0 <= position < len(items) else None


# A line that heads what follows it: a Markdown heading, or a short label ending in a
# colon ("vLLM:", "**Forja:**").
_HEADING = re.compile(r"#{1,6}\s+\S.{0,120}|[*_]{0,2}[^\s:][^:\n]{0,60}:[*_]{0,2}")


def _sections(sentences: Sequence[Analysis], sources: Sequence[int]) -> list[int | None]:
    """For each sentence, the heading sentence it sits under in its passage, or None."""
    heading: int | None = None
    found: list[int | None] = []
    for s, analysis in enumerate(sentences):
        if s and sources[s] != sources[s - 1]:
            heading = None
        if _HEADING.fullmatch(analysis.text.strip()):
            heading = s
            found.append(None)
        else:
            found.append(heading)
    return found


@lru_cache(maxsize=16384)
def _window(text: str, source: int, sentences: tuple[int, ...]) -> _Window:
    stems = {"es": frozenset(analyze(text, "es")), "en": frozenset(analyze(text, "en"))}
    return _Window(text, source, stems, sentences)
