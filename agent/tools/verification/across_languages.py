"""Negation and direction checked across languages, where the word-by-word checks of
rules.py do not reach: an English claim shares no words with its Spanish source.

"The authors recommend routine vitamin D supplementation" over "no se recomienda la
suplementación sistemática", "two points ahead of Millbrook" over "dos puntos por detrás
del Millbrook": every name and number agrees, and the embedding finds the sentences
close. A word is met in the other language by its five-letter key ("recom" in
"recommend" and "recomienda") or by a translation from the bilingual lexicon.
"""

from __future__ import annotations

from agent.tools.bilingual_lexicon import stem_translations
from agent.tools.verification.analysis import Analysis, Item, fold, stem_of
from agent.tools.verification.word_lists import NEGATIONS
from agent.tools.word_forms import word_keys

# Direction concepts whose poles are the same in any sentence they appear in; the
# others ("more", "less") need the thing they modify, which a translation hides.
_PLAIN_DIRECTIONS = ("order", "position")


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


def _has_negation(analysis: Analysis) -> bool:
    return any(fold(item.surface).lower() in NEGATIONS for item in analysis.items) or bool(
        analysis.negated
    )


def cross_language_polarity(sentence: Analysis, best: Analysis) -> str:
    """Why ``sentence`` and its best source sentence in the other language disagree in
    negation or in a plain direction, in words; "" when they do not.

    Only where one side has no negation at all: with negations on both sides, which
    words each denies cannot be told apart across languages."""
    if sentence.language == best.language:
        return ""
    said_negation = _has_negation(sentence) or any(
        fold(w).lower() in NEGATIONS for w in sentence.text.split()
    )
    if not said_negation and best.negated:
        ours = _word_keys_of(sentence)
        for item in best.negated:
            if item.kind == "word" and _keys(item, best.language) & ours:
                return f"the source negates '{item.surface}'"
    source_negation = best.negated or any(fold(w).lower() in NEGATIONS for w in best.text.split())
    if sentence.negated and not source_negation:
        theirs = _word_keys_of(best)
        for item in sentence.negated:
            if item.kind == "word" and _keys(item, sentence.language) & theirs:
                return f"negates '{item.surface}', which the source asserts"
    for concept in _PLAIN_DIRECTIONS:
        ours_poles = sentence.poles.get(concept, frozenset())
        their_poles = best.poles.get(concept, frozenset())
        if ours_poles and their_poles and not ours_poles & their_poles:
            return f"contradicts the source ({concept})"
    return ""
