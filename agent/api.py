"""``Veraz``: the one public entry point (ingest, retrieve, and later ask/stream).

It wires settings to the components (embedder, collection index, chunker, retriever) and
builds each lazily, so ``import agent`` and ``veraz --help`` stay fast and a process that
only retrieves never loads a parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.types import Hit, IngestReport


class Veraz:
    """A collection of documents you can ingest into and ask questions of."""

    def __init__(
        self,
        home: str | Path | None = None,
        collection: str | None = None,
        model: str | None = None,
        fallback_model: str | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        given = {
            "home": home,
            "collection": collection,
            "model": model,
            "fallback_model": fallback_model,
            **overrides,
        }
        explicit = {key: value for key, value in given.items() if value is not None}
        if settings is None:
            settings = Settings(**explicit)
        elif explicit:
            settings = settings.model_copy(update=explicit)
            settings = Settings(**settings.model_dump())  # re-validate the merged values
        self.settings = settings

    # -- components, built on first use ----------------------------------------------

    @cached_property
    def embedder(self):  # type: ignore[no-untyped-def]
        from ingestion.embedding import Embedder, EmbeddingCache

        return Embedder(
            self.settings.embedding_model,
            batch_size=self.settings.embedding_batch_size,
            precision=self.settings.embedding_precision,
            cache=EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite"),
        )

    @cached_property
    def index(self):  # type: ignore[no-untyped-def]
        from ingestion.index import Collection

        return Collection(
            self.settings.collection_dir,
            embedding_model=self.settings.embedding_model,
            dimension=self.embedder.dimension,
        )

    @cached_property
    def retriever(self):  # type: ignore[no-untyped-def]
        from agent.tools.retriever import HybridRetriever

        return HybridRetriever(
            self.index,
            self.embedder,
            bm25_weight=self.settings.bm25_weight,
            dense_weight=self.settings.dense_weight,
            candidates=self.settings.candidates,
        )

    def _pipeline(self):  # type: ignore[no-untyped-def]
        from ingestion.chunking import Chunker
        from ingestion.pipeline import IngestionPipeline

        chunker = Chunker(
            self.settings.chunk_tokens, self.settings.chunk_overlap, self.embedder.count_tokens
        )
        return IngestionPipeline(
            self.index,
            self.embedder,
            chunker,
            max_file_bytes=self.settings.max_file_bytes,
            ocr=self.settings.ocr,
        )

    # -- public API --------------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str | Path] | str | Path, *, prune: bool = False, progress=None
    ) -> IngestReport:  # type: ignore[no-untyped-def]
        """Add or update files and folders; with ``prune``, drop files gone from the folders."""
        if isinstance(paths, str | Path):
            paths = [paths]
        return self._pipeline().run(list(paths), prune=prune, progress=progress)

    def retrieve(self, query: str, k: int = 5, *, mode: str = "hybrid") -> list[Hit]:
        """The ``k`` chunks that best match ``query`` (hybrid BM25 + dense by default)."""
        return self.retriever.retrieve(query, k, mode=mode)  # type: ignore[arg-type]

    def stats(self) -> dict[str, Any]:
        """Documents, chunks and vectors in the collection, and where it lives."""
        return {
            "collection": self.settings.collection,
            "path": str(self.settings.collection_dir),
            **self.index.counts(),
        }

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()
