"""The ``postgres`` store: PostgreSQL + pgvector, shared by many Veraz processes."""

from ingestion.index.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
