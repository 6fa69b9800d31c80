"""``veraz bench retrieval``: where the gold paragraph ranks, for BM25, dense and hybrid.

Every paragraph is written out as a text file and ingested through the real pipeline
(loader, chunker, embedder, index), so the figures measure the product, not a model of
it. A paragraph split into several chunks counts at the rank of its best chunk.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.squad import load_squad

MODES = ("bm25", "dense", "hybrid")
DEPTH = 10


def ranks_to_metrics(ranks: list[int | None]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 from 1-based ranks (None: not in the top 10)."""
    n = len(ranks) or 1
    return {
        "hit@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "hit@5": round(sum(1 for r in ranks if r is not None and r <= 5) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if r is not None and r <= DEPTH) / n, 4),
    }


def run_retrieval_benchmark(
    dataset: Path,
    *,
    settings_overrides: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Index ``dataset``'s paragraphs in a throwaway home and score every question."""
    from agent.api import Veraz

    data = load_squad(dataset)
    with tempfile.TemporaryDirectory(prefix="veraz-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        source_to_paragraph: dict[str, int] = {}
        for i, text in enumerate(data.paragraphs):
            path = corpus / f"p{i:05d}.txt"
            path.write_text(text, encoding="utf-8")
            source_to_paragraph[str(path.resolve())] = i
        rag = Veraz(home=Path(tmp) / "home", collection="bench", **(settings_overrides or {}))
        report = rag.ingest([corpus])
        if report.failed:
            raise RuntimeError(f"benchmark ingestion failed for {report.failed[:3]}")
        ranks: dict[str, list[int | None]] = {mode: [] for mode in MODES}
        for done, question in enumerate(data.questions, start=1):
            for mode in MODES:
                hits = rag.retrieve(question.question, k=DEPTH * 3, mode=mode)
                ranked_paragraphs = list(dict.fromkeys(source_to_paragraph[h.source] for h in hits))
                try:
                    ranks[mode].append(ranked_paragraphs.index(question.paragraph) + 1)
                except ValueError:
                    ranks[mode].append(None)
            if progress:
                progress(done, len(data.questions))
        rag.close()
    return {
        "dataset": str(dataset),
        "questions": len(data.questions),
        "paragraphs": len(data.paragraphs),
        "chunks": report.chunks,
        **{mode: ranks_to_metrics(ranks[mode]) for mode in MODES},
    }
