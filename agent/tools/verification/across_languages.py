"""Negation and direction checked across languages, where the word-by-word checks of
rules.py do not reach: an English claim shares no words with its Spanish source.

"The authors recommend routine vitamin D supplementation" over "no se recomienda la
suplementación sistemática", "two points ahead of Millbrook" over "dos puntos por detrás
del Millbrook": every name and number agrees, and the embedding finds the sentences
close. A word is met in the other language by its five-letter key ("recom" in
"recommend" and "recomienda") or by a translation from the bilingual lexicon.
"""

from __future__ import annotations

import re

from agent.tools.bilingual_lexicon import stem_translations
from agent.tools.verification.analysis import Analysis, Item, fold, stem_of
from agent.tools.verification.word_lists import NEGATIONS
from agent.tools.word_forms import word_keys

# Direction concepts whose poles are the same in any sentence they appear in; the
# others ("more", "less") need the thing they modify, which a translation hides.
_PLAIN_DIRECTIONS = ("order", "position")
_WORD = re.compile(r"[^\W\d_]+")


def _keys(item: Item, language: str) -> set[str]:
    """How ``item`` meets a word of the other language: its own key and its
    translations' keys."""
    keys = set(word_keys(item.surface, language))
    stem = stem_of(item.surface.lower(), language)
    return keys | set(stem_translations(language, stem)) if stem else keys


def _word_keys_of(analysis: Analysis) -> set[str]:
    return {
        key
        for item in analysis.items
        if item.kind == "word"
        for key in _keys(item, analysis.language)
    }


# Verbs that deny what follows them, as "no" does: "failed to reduce" is "no redujo".
_DENYING_VERB = re.compile(
    r"\b(?:fail(?:s|ed|ing)?\s{1,3}to|refus\w{0,4}|declin\w{0,4}\s{1,3}to|advis\w{0,4}\s{1,3}against"
    r"|rechaz\w{0,6}|desaconsej\w{0,6}|se\s{1,3}neg\w{0,4}|lack\w{0,3}|carec\w{0,5}|dej\w{0,4}\s{1,3}de)\b",
    re.IGNORECASE,
)


def _denies_something(analysis: Analysis) -> bool:
    """A negation cue anywhere in it, or a verb that denies ("failed to", "rechazó")."""
    return (
        bool(analysis.negated)
        or any(fold(w).lower() in NEGATIONS for w in _WORD.findall(analysis.text))
        or bool(_DENYING_VERB.search(analysis.text))
    )


def cross_language_polarity(sentence: Analysis, best: Analysis) -> str:
    """Why ``sentence`` and its best source sentence in the other language disagree in
    negation or in a plain direction, in words; "" when they do not.

    Negation only where one side denies nothing at all: with negations on both sides,
    which words each denies cannot be told apart across languages. A direction only
    about the same thing: "after adding the salt" against "antes de añadir la sal", not
    against "antes de reposar" ("Add the salt after resting" says the same)."""
    if sentence.language == best.language:
        return ""
    if best.negated and not _denies_something(sentence):
        ours = _word_keys_of(sentence)
        for item in best.negated:
            if item.kind == "word" and _keys(item, best.language) & ours:
                return f"the source negates '{item.surface}'"
    if sentence.negated and not _denies_something(best):
        theirs = _word_keys_of(best)
        for item in sentence.negated:
            if item.kind == "word" and _keys(item, sentence.language) & theirs:
                return f"negates '{item.surface}', which the source asserts"
    for concept, pole, target in sentence.pole_marks:
        if concept not in _PLAIN_DIRECTIONS or target is None:
            continue
        ours = _keys(target, sentence.language)
        poles = {
            their_pole
            for c, their_pole, theirs in best.pole_marks
            if c == concept and theirs is not None and _keys(theirs, best.language) & ours
        }
        if poles and pole not in poles:
            return f"contradicts the source ({concept}: '{target.surface}')"
    return ""
