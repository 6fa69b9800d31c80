"""Choose the fusion weights on the tune halves of the XQuAD dev sets; report both halves.

    python -m evals.tune_fusion [--embedding-model NAME]     # prints JSON

The four dev files (es, en, and the cross-lingual es-en, en-es; evals/cross_lingual.py)
are each indexed once through the real pipeline; every question's hybrid candidates are
collected once with both of their scores (HybridRetriever.candidates_for), and then
re-fused under each weight setting, which is exact and takes seconds. Only the questions
of the "tune" half (even-numbered articles, evals/squad.py) choose anything:

1. the dense weight (BM25 fixed at 1) per question language, on the monolingual files;
2. the cross-language BM25 factor, on the cross-lingual files, with those weights.

The chosen values and the metrics of both halves are printed; the held-out half never
influences a choice. The defaults in agent/config.py come from this script's output.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from agent.tools.fusion import FusionWeights
from evals.bench_retrieval import DEPTH, PARTS, indexed_paragraphs, paragraph_rank, ranks_to_metrics
from evals.squad import load_squad

XQUAD = Path(__file__).parent / "data" / "xquad"
MONOLINGUAL = {"es": "xquad.es.dev.json", "en": "xquad.en.dev.json"}
CROSS_LINGUAL = {"es-en": "xquad.es-en.dev.json", "en-es": "xquad.en-es.dev.json"}
DENSE_GRID = [round(x, 2) for x in np.arange(0.0, 3.01, 0.1)]
CROSS_GRID = [round(x, 2) for x in np.arange(0.0, 1.01, 0.05)]


class _Question:
    def __init__(self, candidates: Any, rows: dict[int, int], gold: int, part: str) -> None:
        self.candidates, self.rows, self.gold, self.part = candidates, rows, gold, part

    def rank(self, weights: FusionWeights) -> int | None:
        ranked = self.candidates.fused(weights)[: DEPTH * 3]
        return paragraph_rank([self.rows[row] for row, _ in ranked], self.gold)


def collect(path: Path, overrides: dict[str, Any]) -> tuple[list[_Question], str]:
    """Every question's candidates (with their paragraph) from one indexed file."""
    data = load_squad(path)
    with indexed_paragraphs(data, overrides) as (rag, source_to_paragraph, _chunks):
        sources = {chunk.row: chunk.source for chunk in rag.index.iter_chunks()}
        rows = {row: source_to_paragraph[source] for row, source in sources.items()}
        questions = [
            _Question(rag.retriever.candidates_for(q.question), rows, q.paragraph, q.part)
            for q in data.questions
        ]
        return questions, rag.embedder.record.describe()


def score(questions: list[_Question], weights: FusionWeights, part: str) -> dict[str, float]:
    return ranks_to_metrics([q.rank(weights) for q in questions if q.part == part])


def _key(metrics: dict[str, float]) -> tuple[float, float]:
    return (metrics["hit@1"], metrics["mrr@10"])


def tune(embedding_model: str | None = None) -> dict[str, Any]:
    overrides = {"embedding_model": embedding_model} if embedding_model else {}
    sets = {
        name: collect(XQUAD / file, overrides)
        for name, file in {**MONOLINGUAL, **CROSS_LINGUAL}.items()
    }
    model = next(iter(sets.values()))[1]
    questions = {name: found for name, (found, _) in sets.items()}

    per_language: dict[str, tuple[float, float]] = {}
    for language in MONOLINGUAL:
        best = max(
            DENSE_GRID,
            key=lambda d: _key(score(questions[language], FusionWeights(1.0, d), "tune")),
        )
        per_language[language] = (1.0, best)
    # One pair for both languages, for comparison (and for questions in other languages).
    shared = max(
        DENSE_GRID,
        key=lambda d: sum(
            _key(score(questions[lang], FusionWeights(1.0, d), "tune"))[0] for lang in MONOLINGUAL
        ),
    )
    base = FusionWeights(1.0, shared, per_language)
    cross = max(
        CROSS_GRID,
        key=lambda c: sum(
            score(questions[name], FusionWeights(1.0, shared, per_language, c), "tune")["hit@1"]
            for name in CROSS_LINGUAL
        ),
    )
    chosen = FusionWeights(1.0, shared, per_language, cross)
    report: dict[str, Any] = {
        "embedding_model": model,
        "chosen": {
            "bm25": 1.0,
            "dense_shared": shared,
            "per_language": {k: list(v) for k, v in per_language.items()},
            "cross_language_bm25": cross,
        },
        "figures": {},
    }
    for name, found in questions.items():
        report["figures"][name] = {
            part: {
                "hybrid": score(found, chosen, part),
                "hybrid_shared_weights": score(found, FusionWeights(1.0, shared, {}, cross), part),
                "hybrid_cross_factor_1": score(found, base, part),
                "bm25_only": score(found, FusionWeights(1.0, 0.0), part),
                "dense_only": score(found, FusionWeights(0.0, 1.0), part),
            }
            for part in PARTS
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding-model", default=None)
    args = parser.parse_args()
    print(json.dumps(tune(args.embedding_model), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
