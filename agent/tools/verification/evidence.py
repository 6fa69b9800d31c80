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

from agent.tools.answer_units import table_sentences, unwrapped
from agent.tools.sentences import split_sentences, strip_citations
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
class Window:
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
    prose_sentences: int  # the first ones, in reading order; table rows read with their
    # header follow them and sit under no heading
    quotable: str  # its prose sentences as ``as_quote`` writes them, one space between
    sentence_starts: frozenset[int]  # where each of them starts in ``quotable``
    sentence_ends: frozenset[int]  # and ends
    known_names: frozenset[str]
    start_caps: tuple[str, ...]  # every capitalised sentence opener, with repeats
    lowercase: frozenset[str]


def as_quote(sentence: str) -> str:
    """A sentence as compared for a verbatim quote: without [n] markers, spaces tidied."""
    return " ".join(strip_citations(sentence).split())


def quotes_whole_sentences(passage: Passage, quote: str) -> bool:
    """Whether ``quote`` (``as_quote``) is one or more whole consecutive sentences of
    ``passage``, word for word: a sentence, a list item, a statement over several code
    lines. Not a part of one, which can leave out what changes it ("It is not true that
    …"). Linear: each search goes on from the last occurrence."""
    if not quote:
        return False
    at = passage.quotable.find(quote)
    while at != -1:
        if at in passage.sentence_starts and at + len(quote) in passage.sentence_ends:
            return True
        at = passage.quotable.find(quote, at + 1)
    return False


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
    # hard-wrapped sources (e-mail, plain notes) are split where their sentences end,
    # not at every line break
    prose = split_sentences(unwrapped(text)) or [text]
    quoted = [as_quote(sentence) for sentence in prose]
    starts = list(itertools.accumulate((len(q) + 1 for q in quoted[:-1]), initial=0))
    sentence_texts = [*prose, *table_sentences(text)]
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
        prose_sentences=len(prose),
        quotable=" ".join(quoted),
        sentence_starts=frozenset(starts),
        sentence_ends=frozenset(start + len(q) for start, q in zip(starts, quoted, strict=True)),
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
        self.windows: list[Window] = []
        in_reading_order: list[bool] = []  # a prose sentence, not a table row
        for passage in passages:
            first = len(self.sentences)
            for k, text in enumerate(passage.sentence_texts):
                self.sentences.append(analyse(text, passage.language, known_names))
                self.sentence_source.append(passage.index)
                in_reading_order.append(k < passage.prose_sentences)
            count = len(passage.sentence_texts)
            for k in range(count):
                self.windows.append(_window(passage.sentence_texts[k], passage.index, (first + k,)))
                if k + 1 < count:
                    pair = f"{passage.sentence_texts[k]} {passage.sentence_texts[k + 1]}"
                    self.windows.append(_window(pair, passage.index, (first + k, first + k + 1)))
        self._under: dict[int, list[int]] = defaultdict(list)  # heading -> its lines
        sections = _sections(self.sentences, self.sentence_source, in_reading_order)
        for s, heading in enumerate(sections):
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

    def stated_with(self, sentences: set[int], claimed: Sequence[Item]) -> set[int]:
        """``sentences`` and, for each heading among them, the lines under it: "###
        vLLM:" states its name with every line of its section ("- FP8 on H100 needs no
        calibration set" is said of vLLM), except a line that opens with a name the
        claim (``claimed``: its keys) does not have ("- TGI, en cambio, tiene una
        latencia de 45 ms" under "vLLM:" is said of TGI)."""
        found = set(sentences)
        for s in sentences:
            for line in self._under.get(s, ()):
                items = self.sentences[line].items
                opener = items[0] if items else None
                if (
                    opener is None
                    or opener.kind != "name"
                    or any(items_match(opener, key) for key in claimed)
                ):
                    found.add(line)
        return found

    def item_at(self, sentence: int, position: int) -> Item | None:
        items = self.sentences[sentence].items
        return items[position] if 0 <= position < len(items) else None


# A line that heads what follows it: a Markdown heading, or a label of at most four words
# ending in a colon ("vLLM:", "**Forja:**"). Not a sentence that introduces a list ("We
# compared Llama and Mistral:"): its names are not what each line of the list is about.
# (The sentence splitter has taken a Markdown heading's "#" marks off already.) A label's
# words may hold a name's dots, slashes and dashes ("llama.cpp:", "Qwen2.5-7B:").
_HEADING = re.compile(
    r"#{1,6}\s+\S.{0,120}|[*_]{0,2}[^\s:*]{1,40}(?:\s[^\s:*]{1,40}){0,3}\s?:[*_]{0,2}"
)


# "Llama 2 vs Mistral:", "Llama y Mistral:": a label naming several things heads none
_SEVERAL = re.compile(r"\b(?:vs|versus|and|or|y|e|o|u|contra)\b|[,/&+]", re.IGNORECASE)


_NAME_TOKEN = re.compile(r"[^\W_]+(?:[._-][^\W_]+)*")


def _name_like(token: str) -> bool:
    """A word of a name: capitalised, with a digit, mixed case or inner dots ("Llama",
    "7B", "vLLM", "llama.cpp"); not a common word ("con", "abiertos")."""
    return (
        token[:1].isupper()
        or any(c.isdigit() for c in token)
        or any(c.isupper() for c in token[1:])
        or bool(re.search(r"\w[._]\w", token))
    )


def _heads_a_section(analysis: Analysis) -> bool:
    """A heading or label line that names one thing and says nothing else: "vLLM:",
    "### 7B:", "**Llama 3 8B:**", "batch 8:". Not "Comparación con GPT-4:" or "Alternativas a
    vLLM:" (the lines under them are about other things), "Modelos abiertos:", nor
    "Llama 2 vs Mistral:"."""
    text = analysis.text.strip()
    if not _HEADING.fullmatch(text) or _SEVERAL.search(text):
        return False
    tokens = _NAME_TOKEN.findall(text)
    if not tokens:
        return False
    if all(_name_like(token) for token in tokens):
        return True
    # "batch 1:", "temperatura 0.7:": a setting named by a word and its value
    return any(any(c.isdigit() for c in token) for token in tokens) and not any(
        is_stopword(token.lower()) for token in tokens
    )


def _sections(
    sentences: Sequence[Analysis], sources: Sequence[int], in_reading_order: Sequence[bool]
) -> list[int | None]:
    """For each sentence, the heading sentence it sits under in its passage, or None.
    Any heading or label line ends a section, even one that heads none itself; table
    rows (read apart, after the prose) sit under none."""
    heading: int | None = None
    found: list[int | None] = []
    for s, analysis in enumerate(sentences):
        if s and sources[s] != sources[s - 1]:
            heading = None
        if not in_reading_order[s]:
            found.append(None)
        elif _HEADING.fullmatch(analysis.text.strip()):
            heading = s if _heads_a_section(analysis) else None
            found.append(None)
        else:
            found.append(heading)
    return found


@lru_cache(maxsize=16384)
def _window(text: str, source: int, sentences: tuple[int, ...]) -> Window:
    stems = {"es": frozenset(analyze(text, "es")), "en": frozenset(analyze(text, "en"))}
    return Window(text, source, stems, sentences)
