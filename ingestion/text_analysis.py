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
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"\w+", re.UNICODE)
_STEMMER_NAMES = {"es": "spanish", "en": "english"}


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = _STEMMER_NAMES.get(language)
    return Stemmer.Stemmer(name) if name else None


@lru_cache(maxsize=4)
def _stopwords(language: str) -> frozenset[str]:
    """Stopwords for es/en from spaCy's lists (spaCy is already a dependency of unstructured)."""
    if language == "es":
        from spacy.lang.es.stop_words import STOP_WORDS
    elif language == "en":
        from spacy.lang.en.stop_words import STOP_WORDS
    else:
        return frozenset()
    return frozenset(STOP_WORDS)


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


def fts_document(text: str, language: str) -> str:
    """The text stored in the FTS5 column: analysed terms separated by spaces."""
    return " ".join(analyze(text, language))


def fts_query(text: str, language: str) -> str:
    """An FTS5 MATCH expression: any analysed term of the query (OR), each quoted.

    Quoting keeps user input from being read as FTS5 syntax (AND, NEAR, column filters).
    Returns "" when the query has no searchable term.
    """
    terms = dict.fromkeys(analyze(text, language))
    return " OR ".join(f'"{term}"' for term in terms)
