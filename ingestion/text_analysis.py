"""The analyzer shared by BM25 indexing and BM25 queries: tokens, stopwords, stems, folding.

Both sides must analyse text the same way or lexical matching silently degrades, so this
is the one place it happens. Spanish needs stemming ("modelos" ~ "modelo") and accent
folding ("tokenizacion" typed without accents must match "tokenización"); stemming runs
on the accented word because the Snowball Spanish stemmer expects accents, and folding
comes after it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer

LEXICAL_VERSION = "2"
"""Which analysis made a collection's stored lexical keys.

Stored keys and a query's keys must come from the same analysis, so each collection
records the version its keys were made with (``lexical_version`` in its ``meta``; a
collection without one is version 1) and a store that opens a collection of an older
version analyses every chunk again, once (sqlite: FTS5 rows; postgres: keys, postings
and BM25 statistics); a newer one is refused (ingestion/index/lexical_version.py).
Without it, a change here would reach only the documents ingested after it, and one
collection would mix two analyses. Bump it with any change that gives
a stored text other keys: ``analyze``, ``prefixes``, the stopword lists,
``lexical_body`` (and the postgres ``analyse`` SQL); tests/test_text_analysis.py pins
the keys of a sample to this version and fails until it is bumped.

1: section heading and text. 2: the document's title joins them (``lexical_body``).
"""

_TOKEN = re.compile(r"\w+", re.UNICODE)
_STEMMER_NAMES = {"es": "spanish", "en": "english"}


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = _STEMMER_NAMES.get(language)
    return Stemmer.Stemmer(name) if name else None


_STOPWORDS_DIR = Path(__file__).parent / "stopwords"


@lru_cache(maxsize=4)
def _stopwords(language: str) -> frozenset[str]:
    """Function words of es/en (ingestion/stopwords/<lang>.txt); none for other languages.

    Short lists on purpose: spaCy's Spanish list also drops content words ("estados",
    "primera", "bajo") and cost hit@1 on the XQuAD benchmark.
    """
    path = _STOPWORDS_DIR / f"{language}.txt"
    if language not in _STEMMER_NAMES or not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def is_function_word(word: str, language: str) -> bool:
    """``word`` (any case) is on ``language``'s stopword list."""
    return word.lower() in _stopwords(language)


def fold_accents(text: str) -> str:
    """Strip combining marks: "tokenización" -> "tokenizacion", "ñ" -> "n"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def analyze(text: str, language: str) -> list[str]:
    """Lowercased, stopword-free, stemmed and accent-folded terms of ``text``.

    ``language`` is "es", "en" or anything else (no stemming, no stopwords). Numbers and
    short tokens are kept: "Q4", "8" and "GPU" carry meaning in this domain.
    """
    stops = _stopwords(language)
    stemmer = _stemmer(language)
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stops and w != "_"]
    if stemmer is not None:
        words = stemmer.stemWords(words)
    return [fold_accents(w) for w in words]


PREFIX_LENGTH = 5


def prefixes(text: str, language: str) -> list[str]:
    """Accent-folded, stopword-free words cut to their first five letters.

    A second, coarser match that catches what Snowball misses: "interceptó" and
    "intercepciones" stem apart but share "inter"; Spanish morphology does this often.
    On the XQuAD Spanish dev half, adding it to stemmed BM25 raised hybrid hit@1 by about
    one point (veraz bench retrieval).
    """
    stops = _stopwords(language)
    return [
        fold_accents(w)[:PREFIX_LENGTH]
        for w in _TOKEN.findall(text.lower())
        if w not in stops and w != "_"
    ]


@dataclass(frozen=True)
class FtsDocument:
    """The two FTS5 columns stored for a chunk."""

    terms: str
    prefixes: str


def lexical_body(title: str, section: str, text: str) -> str:
    """What of a chunk its lexical keys are made of: its document's title, its section
    heading and its text (both stores analyse this same string).

    The title because a deck's later slide, a report's later page or a thread's later
    message does not repeat what the document is about ("Kickoff: asistente de soporte
    interno"), yet a question names it ("¿Qué modelo usará el asistente de soporte?").
    It is left out where the chunk says it already (a Markdown file's "# Title" chunk),
    not to count its words twice there. (Embedding the title with each chunk was tried
    and lost answers on the notes set: only the lexical side gets it.)"""
    body = f"{section}\n{text}"
    return body if title in body else f"{title}\n{body}"


def fts_document(text: str, language: str) -> FtsDocument:
    """What the FTS5 table stores for ``text``: stemmed terms and five-letter prefixes."""
    return FtsDocument(
        terms=" ".join(analyze(text, language)), prefixes=" ".join(prefixes(text, language))
    )


def query_words(text: str, language: str) -> set[str]:
    """Every word :func:`fts_query` may search for (stems and prefixes)."""
    return {*analyze(text, language), *prefixes(text, language)}


def fts_query(text: str, language: str, skip: frozenset[str] = frozenset()) -> str:
    """An FTS5 MATCH expression: any stemmed term or prefix of the query (OR), each quoted.

    Quoting keeps user input from being read as FTS5 syntax (AND, NEAR, column filters).
    Words in ``skip`` are left out (the retriever drops words too frequent to matter).
    Returns "" when the query has no searchable term.
    """
    parts = []
    for column, words in (
        ("terms", analyze(text, language)),
        ("prefixes", prefixes(text, language)),
    ):
        quoted = " OR ".join(f'"{w}"' for w in dict.fromkeys(words) if w not in skip)
        if quoted:
            parts.append(f"{column} : ({quoted})")
    return " OR ".join(parts)
