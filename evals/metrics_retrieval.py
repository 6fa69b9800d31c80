"""Retrieval metrics: hit@k, MRR and recall of the reference contexts or documents.

A retrieved chunk counts as relevant when it comes from a reference document, or when it
and a reference context overlap enough: chunk boundaries never match a dataset's
paragraphs exactly, so equality would score a perfect retriever at zero.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from evals.dataset import EvalItem

OVERLAP = 0.5
"""Share of the shorter text's words the two must share to count as the same passage."""


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return set(re.findall(r"\w+", folded))


def same_passage(a: str, b: str) -> bool:
    """True when the shorter of ``a`` and ``b`` is mostly contained in the other."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= OVERLAP


def same_source(retrieved_source: str, reference: str) -> bool:
    """A reference names a document by file name or path; compare the names."""
    return Path(retrieved_source).name == Path(reference).name


def relevance(item: EvalItem, retrieved: list[dict[str, Any]]) -> list[bool]:
    """Per retrieved chunk (in rank order): does it hold a reference?"""
    flags = []
    for hit in retrieved:
        by_source = any(same_source(hit.get("source", ""), r) for r in item.reference_sources)
        by_text = any(same_passage(hit.get("text", ""), r) for r in item.reference_contexts)
        flags.append(by_source or by_text)
    return flags


def has_references(item: EvalItem) -> bool:
    return bool(item.reference_sources or item.reference_contexts)


def retrieval_scores(
    item: EvalItem, retrieved: list[dict[str, Any]], ks: tuple[int, ...] = (1, 5)
) -> dict[str, float]:
    """hit@k, reciprocal rank and reference recall@max(k); empty without references."""
    if not has_references(item):
        return {}
    flags = relevance(item, retrieved)
    scores = {f"hit@{k}": float(any(flags[:k])) for k in ks}
    first = next((i for i, f in enumerate(flags) if f), None)
    scores["mrr"] = 0.0 if first is None else 1.0 / (first + 1)
    top = retrieved[: max(ks)]
    references = [("source", r) for r in item.reference_sources] + [
        ("text", r) for r in item.reference_contexts
    ]
    found = 0
    for kind, ref in references:
        if kind == "source":
            found += any(same_source(h.get("source", ""), ref) for h in top)
        else:
            found += any(same_passage(h.get("text", ""), ref) for h in top)
    scores["reference_recall"] = found / len(references)
    return scores
