"""Weighted fusion of z-normalised score lists.

Reciprocal-rank fusion gives a weak list the same say as a strong one: with the bundled
English MiniLM on Spanish text, RRF drags stemmed BM25 from 0.917 to 0.72 hit@1 on XQuAD
(docs/design.md, "Measured baselines"). Normalising each list's *scores* (z-score over the candidate
pool) and weighting them keeps the margin information, so a confident BM25 match
survives a lukewarm dense one and the two still break each other's ties.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


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
) -> list[tuple[int, float]]:
    """Candidates of all lists ranked by sum(weight * z-score), best first.

    ``missing`` gives, per list, the raw score of a candidate that list did not score
    (0 for BM25: a chunk that matches no query term scores 0).
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
        total += weight * zscores(scores, keys, fill)
    order = np.argsort(-total, kind="stable")
    return [(keys[i], float(total[i])) for i in order]
