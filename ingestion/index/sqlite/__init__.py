"""The embedded ``sqlite`` store: SQLite + FTS5 + FAISS files in one folder per collection."""

from ingestion.index.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
