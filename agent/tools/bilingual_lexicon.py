"""A Spanish–English word list: how the offline answerer reads a passage in the other
language than the question.

The answerer compares a question with a passage by five-letter prefixes of their words
(agent/tools/word_forms.py). Across languages only names, numbers and cognates meet
("versión" / "version"), so an English question over Spanish notes found a third of its
words at best, and the grader dropped the passage that held the answer: on English
XQuAD questions over the Spanish paragraphs, the default abstained on 58% of the tune
half. Retrieval crosses languages through the embedding, but the embedding cannot choose
the unit to quote (an English question's e5 cosine to the Spanish line that answers it
and to its neighbours in the same notes differ by about 0.01).

So a passage in the other language is read with each of its words' translations as
well: "guardamos el 10 % de las respuestas para revisión humana" also says "answer",
"review", "human", "keep". The list (``lexicon/es_en.txt``) holds common content words
of both languages and the vocabulary of people who work with LLMs; it was written from
general knowledge, not from the evaluation sets' questions. Only the answerer's
comparisons use it, and only across languages: within one language a word means itself.

A passage's words are looked up by their Snowball stem *in the passage's language*, not
by their five-letter prefix: prefixes mix words of both languages and of unrelated
families ("tren" / "train", "contexto" / "contestar" / "contraseña" all start "cont"),
and an adversarial pass got unrelated passages answered as verified through them. The
translations are given as five-letter keys, which is how the question's words are
compared.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from agent.tools.word_forms import word_keys
from ingestion.text_analysis import analyze, fold_accents

LEXICON = Path(__file__).with_name("lexicon") / "es_en.txt"
LANGUAGES = ("es", "en")

_ONE_WORD = re.compile(r"[^\W\d_]+")


@cache
def _table() -> dict[tuple[str, str], frozenset[str]]:
    """(language, stem of a listed word) -> five-letter keys of its translations.

    Each line is ``spanish words = english words``, alternatives separated by commas, one
    word each; a ``#`` starts a comment. A line that breaks this (a second ``=``, an
    empty side, a phrase, a side of stopwords only) is refused with its line number.
    """
    links: dict[tuple[str, str], set[str]] = {}
    for number, raw in enumerate(LEXICON.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        sides = line.split("=")
        if len(sides) != 2:
            raise ValueError(f"{LEXICON}:{number}: expected 'spanish = english', got {raw!r}")
        stems: dict[str, set[str]] = {}
        keys: dict[str, set[str]] = {}
        for language, side in zip(LANGUAGES, sides, strict=True):
            words = [word.strip() for word in side.split(",")]
            for word in words:
                if not _ONE_WORD.fullmatch(word):
                    raise ValueError(f"{LEXICON}:{number}: {word!r} is not one word")
            stems[language] = {stem for word in words for stem in analyze(word, language)}
            keys[language] = {key for word in words for key in word_keys(word, language)}
            if not stems[language] or not keys[language]:
                raise ValueError(f"{LEXICON}:{number}: {side.strip()!r} has only stopwords")
        for language, other in (LANGUAGES, LANGUAGES[::-1]):
            for stem in stems[language]:
                links.setdefault((language, stem), set()).update(keys[other])
    return {entry: frozenset(found) for entry, found in links.items()}


class _FirstWords(NamedTuple):
    """The first translation of a listed word: by the word itself, and by its stem."""

    by_word: dict[tuple[str, str], str]  # (language, accent-folded word) -> translation
    by_stem: dict[tuple[str, str], str]  # (language, Snowball stem) -> translation


@cache
def _first_words() -> _FirstWords:
    """Each listed word's first translation: "lote" -> "batch", "longitud" -> "length".
    The first line that lists a word decides."""
    _table()  # checks every line's shape first, with its line number
    first = _FirstWords({}, {})
    for raw in LEXICON.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spanish, english = ([w.strip() for w in side.split(",")] for side in line.split("="))
        for language, words, other in (("es", spanish, english), ("en", english, spanish)):
            for word in words:
                first.by_word.setdefault((language, fold_accents(word.lower())), other[0])
                for stem in analyze(word, language):
                    first.by_stem.setdefault((language, stem), other[0])
    return first


def _translation(word: str, language: str) -> str | None:
    """The first translation of ``word``: the word itself listed ("índice", not
    "indicar" whose stem it shares), or without a plural ending, or else by its stem."""
    first = _first_words()
    folded = fold_accents(word.lower())
    for form in (folded, folded.removesuffix("es"), folded.removesuffix("s")):
        if (language, form) in first.by_word:
            return first.by_word[(language, form)]
    stems = analyze(word, language)
    return next(
        (first.by_stem[(language, s)] for s in stems if (language, s) in first.by_stem), None
    )


def translated_query(words: list[str], language: str) -> str:
    """``words`` (a query's, in ``language``) in the other language, word by word: those
    the list has become their first translation, the others (names, numbers, code,
    words it lacks) stay as they are. "longitud secuencia recomienda" -> "length
    sequence advise"; "" when no word was translated."""
    if language not in LANGUAGES:
        return ""
    said: list[str] = []
    translated = False
    for word in words:
        other = _translation(word, language)
        translated = translated or other is not None
        if other is not None or analyze(word, language):
            said.append(other or word)  # stopwords left out
    return " ".join(dict.fromkeys(said)) if translated else ""


def translations(text: str, language: str) -> set[str]:
    """Five-letter keys, in the other language, of the translations of the words of
    ``text`` read as ``language`` ("es" or "en"; none for another language)."""
    if language not in LANGUAGES:
        return set()
    table = _table()
    found: set[str] = set()
    for stem in analyze(text, language):
        found |= table.get((language, stem), frozenset())
    return found


def stem_translations(language: str, stem: str) -> frozenset[str]:
    """The keys of the translations of one word, given by its ``language`` stem."""
    return _table().get((language, stem), frozenset())
