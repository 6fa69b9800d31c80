"""Weighted fusion of z-normalised score lists, with weights per question language.

Reciprocal-rank fusion gives a weak list the same say as a strong one: with the English
MiniLM on Spanish text, RRF dragged stemmed BM25 from 0.917 to 0.72 hit@1 on XQuAD
(docs/design.md, "Measured baselines"). Normalising each list's *scores* (z-score over
the candidate pool) and weighting them keeps the margin information, so a confident
match in one list survives a lukewarm one in the other and the two break each other's ties.

Across languages BM25 has little to say: a Spanish question shares names and numbers
with an English passage, not words, so its BM25 score there is mostly noise that must
not drown the dense ranking. Candidates whose language differs from the question's get
their BM25 weight multiplied by ``cross_language_bm25`` (chosen by measurement on the
cross-lingual XQuAD dev set; README, "Performance").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class FusionWeights:
    """BM25 and dense weights, per question language, and the cross-language BM25 factor."""

    bm25: float = 1.0
    dense: float = 1.0
    per_language: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Language -> (bm25, dense) overriding the two above for questions in that language."""
    cross_language_bm25: float = 1.0

    def for_language(self, language: str) -> dict[str, float]:
        bm25, dense = self.per_language.get(language, (self.bm25, self.dense))
        return {"bm25": bm25, "dense": dense}

    def with_overrides(
        self,
        *,
        bm25: float | None = None,
        dense: float | None = None,
        per_language: Mapping[str, tuple[float, float]] | None = None,
        cross_language_bm25: float | None = None,
    ) -> FusionWeights:
        """These weights with the values the user set (None keeps the tuned one).

        Setting the global BM25 or dense weight alone drops the per-language pairs, so
        the value set is the one used for every language.
        """
        changed: dict[str, object] = {}
        if bm25 is not None:
            changed["bm25"] = bm25
        if dense is not None:
            changed["dense"] = dense
        if changed and per_language is None:
            changed["per_language"] = {}
        if per_language is not None:
            changed["per_language"] = {
                k: (float(b), float(d)) for k, (b, d) in per_language.items()
            }
        if cross_language_bm25 is not None:
            changed["cross_language_bm25"] = cross_language_bm25
        return replace(self, **changed)


# Chosen by evals/tune_fusion.py on the tune halves of the XQuAD dev sets (es, en and the
# cross-lingual es-en / en-es); README "Performance" has both halves' figures.
TUNED_WEIGHTS: dict[str, FusionWeights] = {
    "multilingual-e5-small": FusionWeights(
        bm25=1.0,
        dense=2.1,
        per_language={"es": (1.0, 1.9), "en": (1.0, 2.6)},
        cross_language_bm25=0.35,
    ),
    "all-MiniLM-L6-v2": FusionWeights(
        bm25=1.0,
        dense=1.1,
        per_language={"es": (1.0, 0.6), "en": (1.0, 1.6)},
        cross_language_bm25=0.8,
    ),
}
"""Other models get the e5 weights: a multilingual dense list is the likelier case."""


def tuned_weights(model_name: str) -> FusionWeights:
    """The fusion weights chosen for ``model_name``'s dense list."""
    return TUNED_WEIGHTS.get(model_name, TUNED_WEIGHTS["multilingual-e5-small"])


def zscores(scores: Mapping[int, float], keys: list[int], missing: float) -> np.ndarray:
    """z-normalised scores of ``keys``; keys absent from ``scores`` get ``missing``."""
    values = np.array([scores.get(k, missing) for k in keys], dtype=np.float64)
    std = values.std()
    if std < 1e-9:
        return np.zeros_like(values)
    return (values - values.mean()) / std


def fuse(
    lists: Mapping[str, Mapping[int, float]],
    weights: Mapping[str, float],
    missing: Mapping[str, float] | None = None,
    scale: Mapping[str, Mapping[int, float]] | None = None,
) -> list[tuple[int, float]]:
    """Candidates of all lists ranked by sum(weight * scale * z-score), best first.

    ``missing`` gives, per list, the raw score of a candidate that list did not score
    (0 for BM25: a chunk that matches no query term scores 0). ``scale`` multiplies one
    list's weight for some candidates (cross-language BM25); absent means 1.
    """
    keys = sorted({k for scores in lists.values() for k in scores})
    if not keys:
        return []
    total = np.zeros(len(keys))
    for name, scores in lists.items():
        weight = weights.get(name, 0.0)
        if weight == 0.0 or not scores:
            continue
        fill = (missing or {}).get(name, min(scores.values()))
        z = zscores(scores, keys, fill)
        factors = (scale or {}).get(name)
        if factors:
            z = z * np.array([factors.get(k, 1.0) for k in keys])
        total += weight * z
    order = np.argsort(-total, kind="stable")
    return [(keys[i], float(total[i])) for i in order]
