"""Decide whether a text is Spanish, English or something else.

Veraz answers in the language of the question and keeps per-language indexes, so this runs on
every document and every query. py3langid ships its model inside the wheel (no download) and
classifies in well under a millisecond. Its model covers ~100 languages, which makes it hedge on
short queries: "¿Qué es QLoRA?" scores only ~0.4 for Spanish, spread over Occitan, Extremaduran
and friends. For those cases a function-word count decides between the two languages we care
about, which is both fast and right for the short questions people actually type.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["Language", "detect_language"]

Language = Literal["es", "en", "other"]

_MAX_CHARS = 5000
"""Classify only the beginning: enough for a stable answer, and keeps big documents cheap."""

_CONFIDENT = 0.5
"""py3langid probability above which an es/en verdict is accepted outright."""

_OTHER_CONFIDENT_SHORT = 0.8
_OTHER_CONFIDENT_LONG = 0.5
_LONG_TEXT_CHARS = 200
"""Another language must be this probable before we call a text "other": short texts need
more certainty because a few words of Spanish look like Galician or Asturian."""

_WEAK_SUPPORT = 0.15
"""Without function words, es/en still wins if langid gives it at least this much probability
and at least half of the top language's (e.g. "explain attention": fr 0.23 vs en 0.20)."""


def _word_set(words: str) -> frozenset[str]:
    """Word lists are kept as wrapped prose so they read (and diff) as vocabulary."""
    return frozenset(words.split())


# Function words (plus a few greetings) that are common in one language and not words in the
# other. Deliberately left out: "a", "no", "me", "he", "sin", "real", which are words in both.
_SPANISH_WORDS = _word_set(
    """
    de la que el en los del se las por un para con una su al lo como más mas pero sus le ya o
    este esta esto estos estas ese esa eso esos esas porque entre cuando muy sobre también
    hasta hay donde dónde quien quién quienes desde todo todos toda todas nos durante uno unos
    unas les ni contra otro otros otra otras ante ellos ellas él ella yo tú usted ustedes qué
    cuál cuáles cómo cuándo cuánto cuántos cuánta cuántas algunos algunas algo nada mucho
    muchos poco cual es son fue fueron ser está están estar tiene tienen tener puede pueden
    hace hacen sea han ha era eran según sí hola gracias mi mis tu tus nuestro nuestra
    y pues aunque tras cada mediante
    """
)
_ENGLISH_WORDS = _word_set(
    """
    the of and to in is that it for was on are as with his her they at be this have from or
    by what which who whom whose how when where why does do did an were been has had their
    there can will would should could about into than them these those its not but if my
    your our we you i she us him am being any some all each other such only also then
    just more most very between after before through over under hello thanks please
    """
)
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPANISH_MARKS_RE = re.compile(r"[¿¡ñÑ]")

_identifier_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def _get_identifier() -> LanguageIdentifier:
    """Load py3langid's bundled model once (~0.6 s), on first use rather than at import."""
    global _identifier
    if _identifier is None:
        with _identifier_lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def _function_word_vote(text: str) -> Language | None:
    """Pick es/en by counting function words; None when there is no evidence either way.

    ``¿``, ``¡`` and ``ñ`` count as Spanish evidence: they settle queries like "¿LoRA?".
    In longer texts the winning language must also make up a minimum share of the words, so
    a German paragraph quoting "the" twice is not English.
    """
    words = [w.lower() for w in _WORD_RE.findall(text)]
    spanish = sum(w in _SPANISH_WORDS for w in words) + len(_SPANISH_MARKS_RE.findall(text))
    english = sum(w in _ENGLISH_WORDS for w in words)
    if spanish == english:
        return None
    best, hits = ("es", spanish) if spanish > english else ("en", english)
    if len(words) > 20 and hits < 0.05 * len(words):
        return None
    return best


def detect_language(text: str) -> Language:
    """Return ``"es"``, ``"en"`` or ``"other"`` for ``text`` (a query or a whole document).

    Decision order: a confident py3langid verdict; a confident verdict for another language
    (→ "other"); function words; a weaker es/en langid score; otherwise "other". Text with
    no letters at all (numbers, code symbols, empty) is "other".
    """
    sample = text[:_MAX_CHARS].strip()
    if not _WORD_RE.search(sample):
        return "other"

    ranking = _get_identifier().rank(sample)
    top_lang, top_prob = ranking[0]
    if top_lang in ("es", "en") and top_prob >= _CONFIDENT:
        return top_lang  # type: ignore[return-value]

    other_threshold = (
        _OTHER_CONFIDENT_LONG if len(sample) >= _LONG_TEXT_CHARS else _OTHER_CONFIDENT_SHORT
    )
    if top_lang not in ("es", "en") and top_prob >= other_threshold:
        return "other"

    vote = _function_word_vote(sample)
    if vote is not None:
        return vote

    probs = dict(ranking)
    best: Language = "es" if probs.get("es", 0.0) >= probs.get("en", 0.0) else "en"
    best_prob = probs.get(best, 0.0)
    if best_prob >= _WEAK_SUPPORT and best_prob >= 0.5 * top_prob:
        return best
    return "other"
