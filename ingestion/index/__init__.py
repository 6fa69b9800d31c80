"""The embedded index of one collection: SQLite (documents, chunks, FTS5) plus FAISS vectors,
and the embedding model it was built with."""

from ingestion.index.collection import Collection, DocumentRecord, NewChunk, StoredChunk
from ingestion.index.model_record import ModelRecord

__all__ = ["Collection", "DocumentRecord", "ModelRecord", "NewChunk", "StoredChunk"]
