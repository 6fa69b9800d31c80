"""A collection's store (the ``Store`` protocol) and its backends, sqlite and postgres.

``open_store`` is how everything above opens one; ``StoreLocation`` parses
``VERAZ_STORE``. See ingestion/index/store.py for the protocol.
"""

from ingestion.index.location import (
    StoreLocation,
    collection_names,
    collection_summaries,
    open_store,
)
from ingestion.index.model_record import ModelRecord
from ingestion.index.store import (
    DocumentRecord,
    EmbeddingModelMismatch,
    IndexMismatchError,
    NewChunk,
    Store,
    StoredChunk,
    StoreUnavailable,
    StoreView,
)

__all__ = [
    "DocumentRecord",
    "EmbeddingModelMismatch",
    "IndexMismatchError",
    "ModelRecord",
    "NewChunk",
    "Store",
    "StoreLocation",
    "StoreUnavailable",
    "StoreView",
    "StoredChunk",
    "collection_names",
    "collection_summaries",
    "open_store",
]
