"""The embedded index of one collection: SQLite (documents, chunks, FTS5) plus FAISS vectors."""

from ingestion.index.collection import Collection, DocumentRecord, NewChunk, StoredChunk

__all__ = ["Collection", "DocumentRecord", "NewChunk", "StoredChunk"]
