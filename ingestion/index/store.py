"""The storage seam: what every part of Veraz may ask of a collection's store.

A *store* holds one collection: its documents, their chunks (text, place, language), the
lexical index and the vectors, plus the embedding model the vectors came from (the
*model record*). Two backends implement it:

* ``sqlite`` (ingestion/index/sqlite/): SQLite + FTS5 + FAISS files in a folder under
  ``VERAZ_HOME``, the embedded default;
* ``postgres`` (ingestion/index/postgres/): one PostgreSQL database shared by many
  processes and machines, pgvector for the vectors, PostgreSQL text search for BM25.

The pipeline, the retriever, ``doctor``, ``status``, ``reindex``, ``migrate``, the
evaluations and fine-tuning use only this protocol. Nothing outside a backend writes SQL,
and query analysis (stemming, accents, prefixes, which words are too frequent to search)
happens inside each backend, next to the index it must agree with.

Row ids: every chunk has an integer ``row``, stable while the chunk exists and unique in
its collection; retrieval passes rows between the lexical and the dense side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ingestion.index.model_record import ModelRecord

if TYPE_CHECKING:
    from ingestion.doctor import DoctorReport


class IndexMismatchError(RuntimeError):
    """The collection was built with another embedding model, dimension or index format."""


class EmbeddingModelMismatch(IndexMismatchError):
    """The collection's vectors come from another model than the one configured."""

    def __init__(self, collection: str, stored: ModelRecord, wanted: ModelRecord, chunks: int):
        self.collection, self.stored, self.wanted, self.chunks = collection, stored, wanted, chunks
        super().__init__(
            f"collection {collection!r} was embedded with {stored.describe()}, but Veraz is "
            f"set to {wanted.describe()}. Run `veraz reindex --collection {collection}` to "
            f"re-embed its {chunks} chunks from the stored text (nothing is parsed again), "
            f"or set VERAZ_EMBEDDING_MODEL={stored.name} to keep using the old model."
        )


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or opened (a database server down, a bad URL)."""


@dataclass
class DocumentRecord:
    """A document as the store knows it."""

    doc_id: str
    source: str
    title: str
    language: str
    file_type: str
    content_hash: str
    size: int
    mtime: float
    chunk_count: int = 0


@dataclass
class NewChunk:
    """A chunk ready to store: its text and place, and its vector.

    The lexical analysis is the backend's: it analyses ``section`` and ``text`` in the
    document's language when it stores the chunk.
    """

    chunk_id: str
    ordinal: int
    text: str
    section: str
    page: int | None
    start: int
    end: int
    vector: np.ndarray


@dataclass
class StoredChunk:
    """A chunk read back, joined with its document."""

    row: int
    chunk_id: str
    doc_id: str
    source: str
    title: str
    language: str
    page: int | None
    section: str
    text: str
    start: int
    end: int


# One commit's changes: documents to add or replace, with all their chunks.
Upserts = Sequence[tuple[DocumentRecord, Sequence[NewChunk]]]

DenseSearch = Callable[[np.ndarray, int], list[tuple[int, float]]]
"""A dense search like :meth:`StoreView.dense` (vector, k → rows and cosines, best first)."""


@runtime_checkable
class StoreView(Protocol):
    """One consistent read of a store: every call sees the same committed state."""

    def lexical(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        """Top ``k`` rows by BM25 for ``query`` analysed in ``language``, best first."""

    def lexical_for(self, query: str, language: str, rows: Sequence[int]) -> dict[int, float]:
        """The BM25 score of each of ``rows`` for ``query`` (0 when it matches no term)."""

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top ``k`` rows by cosine similarity to the unit ``vector``, best first."""

    def dense_for(self, vector: np.ndarray, rows: Sequence[int]) -> dict[int, float]:
        """The cosine similarity of each of ``rows`` to ``vector``."""

    def concurrent_dense(self) -> DenseSearch | None:
        """A dense search over this view's committed state that another thread may run
        while this view goes on with other calls, until the view closes, or None where
        the backend cannot offer one: the retriever searches the vectors on its
        embedding thread while BM25 runs here (the two need nothing of each other).
        sqlite: the view's own FAISS search (a generation's index is never written);
        postgres: a transaction on the calling thread's connection that imports this
        one's snapshot. A search that fails is retried by the caller on this view."""

    def languages(self, rows: Sequence[int]) -> dict[int, str]:
        """The language (es, en, other) of each row's document."""

    def chunks(self, rows: Sequence[int]) -> dict[int, StoredChunk]:
        """The stored chunks of ``rows`` (rows that no longer exist are left out)."""

    def chunk_count(self) -> int:
        """How many chunks this view holds."""


@runtime_checkable
class Store(Protocol):
    """One collection in one backend (see the module docstring)."""

    name: str
    """The collection's name."""
    location: str
    """Where it lives, for messages: a folder, or a database URL without its password."""
    model: ModelRecord
    """The embedding model queries and new chunks are embedded with."""

    def read(self) -> AbstractContextManager[StoreView]:
        """A consistent read view; queries never wait for a writer."""

    def documents(self) -> dict[str, DocumentRecord]:
        """Every stored document by source path."""

    def commit(self, upserts: Upserts, removals: Sequence[str] = ()) -> None:
        """Replace or add documents with their chunks and remove others: all or nothing,
        and ordered with every other writer of the collection, in any process."""

    def counts(self) -> dict[str, int]:
        """``{"documents", "chunks", "vectors"}`` in one consistent read."""

    def stored_model(self) -> ModelRecord:
        """The model record as committed now (another process may have reindexed)."""

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every chunk in row order, from one consistent read."""

    def chunk_texts(self) -> list[tuple[int, str]]:
        """(row, text) of every chunk in row order, from one consistent read."""

    def export(self) -> Iterator[tuple[DocumentRecord, list[NewChunk]]]:
        """Every document with its chunks and their stored vectors, from one consistent
        read (``veraz migrate`` copies a collection with it, embedding nothing)."""

    def replace_embeddings(
        self, model: ModelRecord, embed: Callable[[list[str]], np.ndarray]
    ) -> int:
        """Every chunk's vector from ``model`` and the new model record, in one commit.

        ``embed(texts)`` runs inside the commit on exactly the chunks committed then.
        Documents, chunk ids and the lexical index are untouched. Returns the chunk count.
        """

    def check(self) -> DoctorReport:
        """Compare the parts of the store (rows, lexical index, vectors); change nothing."""

    def repair(self, embedder: Any) -> DoctorReport:
        """Fix what :meth:`check` finds, in one commit."""

    def summary(self) -> dict[str, Any]:
        """Documents, chunks, model, last change and size, without loading vectors."""

    def close(self) -> None:
        """Release connections and files (the store can be opened again)."""
