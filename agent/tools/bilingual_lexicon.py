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

from agent.tools.word_forms import word_keys
from ingestion.text_analysis import analyze

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
