"""The soft support score of a sentence: lexical coverage plus embedding similarity.

Lexical coverage is the backbone (the share of the sentence's content terms found in
the best window of source sentences, and in the evidence overall); the embedding
rescues paraphrases with other words. Which sentences are not judged at all (questions,
connectives) is decided here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from agent.tools.bilingual_lexicon import stem_translations
from agent.tools.verification.analysis import OTHER_LANGUAGE, Analysis, fold, is_stopword
from agent.tools.verification.evidence import Evidence, Window
from agent.tools.verification.rules import found_in, hard_failure
from agent.tools.verification.word_lists import CONNECTIVES
from ingestion.text_analysis import PREFIX_LENGTH

# Weights of the support score. Lexical coverage is the backbone; the embedding rescues
# paraphrases with different words. How much it is trusted depends on the model: an
# English-only one is weak on Spanish and blind across languages; a multilingual one
# carries a claim written in the other language than its source, where lexical
# coverage finds only the names and numbers.
WINDOW_WEIGHT = 0.7  # coverage in the best window vs. in the whole evidence
EMBEDDING_WEIGHT = 0.35
WEAK_EMBEDDING_WEIGHT = 0.2  # an English-only model on Spanish or across languages
CROSS_LANGUAGE_WEIGHT = 0.75  # a multilingual model, claim and source in two languages
CANDIDATE_WINDOWS = 3  # source sentences per answer sentence that get embedded

# similarity(a, b, across_languages) -> how similar two embedded texts are, mapped onto
# 0..1 with the model's similarity range (0.0 if one was not embedded)
Similarity = Callable[[str, str, bool], float]


def embedding_weight(sentence: Analysis, evidence: Evidence, multilingual: bool) -> float:
    """How much the embedding counts for ``sentence`` against ``evidence``."""
    across = sentence.language not in evidence.languages
    if multilingual:
        return CROSS_LANGUAGE_WEIGHT if across else EMBEDDING_WEIGHT
    return WEAK_EMBEDDING_WEIGHT if across or sentence.language == "es" else EMBEDDING_WEIGHT


@dataclass
class Evaluation:
    """A sentence against one body of evidence: support score and hard-check verdict."""

    score: float
    failure: str
    source: int | None
    inconclusive: bool = False


def skip_reason(text: str) -> str:
    """Why a sentence is not judged: it asks, or it only frames what follows."""
    stripped = text.strip()
    if not re.search(r"\w", stripped):
        return "skipped: no content words"
    if stripped.endswith("?"):
        return "skipped: question"
    words = re.findall(r"\w+", fold(stripped))
    content = [w for w in words if w not in CONNECTIVES and not is_stopword(w)]
    if not content:
        return "skipped: connective"
    return ""


def term_coverage(sentence: Analysis, stems: dict[str, frozenset[str]]) -> float:
    """Share of the sentence's content terms found in ``stems`` (either language): as
    the same word, or, in the other language, as one of its translations
    (agent/tools/bilingual_lexicon.py: looked up by the term's stem, compared by
    five-letter prefixes)."""
    if not sentence.terms:
        return 1.0
    own, other = stems[sentence.language], stems[OTHER_LANGUAGE[sentence.language]]
    other_keys: frozenset[str] | None = None
    hits = 0
    for s, o in sentence.terms:
        if s in own or (o is not None and o in other):
            hits += 1
            continue
        if other_keys is None:
            other_keys = _prefix_keys(other)
        if stem_translations(sentence.language, s) & other_keys:
            hits += 1
    return hits / len(sentence.terms)


@lru_cache(maxsize=4096)
def _prefix_keys(stems: frozenset[str]) -> frozenset[str]:
    return frozenset(stem[:PREFIX_LENGTH] for stem in stems)


# Source sentences this close to the best-matching one are as likely its source: table
# rows "Alumno destilado · 92,6 %" and "Alumno sin destilar · 89,0 %" differ by one word,
# and the claim is consistent when it is consistent with one of them.
NEAR_BEST = 0.05
_MAX_NEAR_BEST = 3


def _consistency_failure(
    sentence: Analysis, evidence: Evidence, singles: list[tuple[float, Window]]
) -> str:
    """The hard-check failure against the best-matching source sentence, "" when the
    sentence passes against it or against one of the few sentences nearly as close that
    states every number and name of the claim."""
    ranked = sorted(singles, key=lambda pair: -pair[0])
    best = evidence.sentences[ranked[0][1].sentences[0]]
    failure = hard_failure(sentence, evidence, best)
    if not failure or not sentence.keys:
        return failure
    for value, candidate in ranked[1:_MAX_NEAR_BEST]:
        other = evidence.sentences[candidate.sentences[0]]
        # only a sentence stating every number and name of the claim is as likely its
        # source ("Índice comprimido · 3 GB" is not the source of "…comprimido pesa 12 GB")
        if (
            value >= ranked[0][0] - NEAR_BEST
            and all(found_in(key, other.items) for key in sentence.keys)
            and not hard_failure(sentence, evidence, other)
        ):
            return ""
    return failure


def evaluate(
    sentence: Analysis,
    evidence: Evidence,
    similarity: Similarity,
    *,
    embedded: bool,
    threshold: float,
    multilingual: bool = False,
) -> Evaluation:
    """Support score and hard-check verdict of ``sentence`` against ``evidence``.

    Without ``embedded``, windows are ranked by coverage alone and the score is the
    lexical one; the result is marked inconclusive when an embedding similarity
    anywhere in 0..1 could still move the score across ``threshold``.
    """
    if not evidence.windows:
        return Evaluation(0.0, "no sources", None)
    full = embedding_weight(sentence, evidence, multilingual)
    weight = full if embedded else 0.0
    across = sentence.language not in evidence.languages
    best_value = -1.0
    coverage = embedded_score = 0.0
    window = evidence.windows[0]
    singles: list[tuple[float, Window]] = []
    for candidate in evidence.windows:
        cov = term_coverage(sentence, candidate.stems)
        emb = 0.0
        if embedded:
            emb = max(
                similarity(sentence.text, evidence.sentences[k].text, across)
                for k in candidate.sentences
            )
        value = (1 - weight) * cov + weight * emb
        if value > best_value:
            best_value, coverage, embedded_score, window = value, cov, emb, candidate
        if len(candidate.sentences) == 1:
            singles.append((value, candidate))
    whole = term_coverage(sentence, evidence.stems)
    lexical = WINDOW_WEIGHT * coverage + (1 - WINDOW_WEIGHT) * whole
    failure = _consistency_failure(sentence, evidence, singles or [(0.0, evidence.windows[0])])
    if embedded:
        score = (1 - weight) * lexical + weight * embedded_score
        return Evaluation(score, failure, window.source)
    lowest, highest = (1 - full) * lexical, (1 - full) * lexical + full
    inconclusive = not failure and lowest < threshold <= highest
    return Evaluation(lexical, failure, window.source, inconclusive)
