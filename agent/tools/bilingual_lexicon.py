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
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from agent.tools.word_forms import word_keys

LEXICON = Path(__file__).with_name("lexicon") / "es_en.txt"


@cache
def _table() -> dict[str, frozenset[str]]:
    """Key (five-letter prefix) of a word in one language -> keys of its translations.

    Each line is ``spanish words = english words``, alternatives separated by commas; a
    ``#`` starts a comment. Every key of one side is linked to every key of the other.
    """
    links: dict[str, set[str]] = {}
    for number, raw in enumerate(LEXICON.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spanish, sep, english = line.partition("=")
        if not sep:
            raise ValueError(f"{LEXICON}:{number}: expected 'spanish = english', got {raw!r}")
        es_keys = {k for word in spanish.split(",") for k in word_keys(word, "es")}
        en_keys = {k for word in english.split(",") for k in word_keys(word, "en")}
        for key in es_keys:
            links.setdefault(key, set()).update(en_keys - {key})
        for key in en_keys:
            links.setdefault(key, set()).update(es_keys - {key})
    return {key: frozenset(found) for key, found in links.items() if found}


def with_translations(keys: Iterable[str]) -> set[str]:
    """``keys`` and the keys of their translations in the other language."""
    table = _table()
    found = set(keys)
    for key in list(found):
        found |= table.get(key, frozenset())
    return found


def translated_keys(key: str) -> frozenset[str]:
    """The keys of ``key``'s translations in the other language (none if not listed)."""
    return _table().get(key, frozenset())
