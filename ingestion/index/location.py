"""Where collections are stored (``VERAZ_STORE``) and the one factory that opens them.

``sqlite`` (the default): one folder per collection under ``VERAZ_HOME/collections/``.
``postgresql://user:password@host:port/database`` (or ``postgres://``): every
collection in that database, shared by every Veraz process that names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ingestion.index.model_record import ModelRecord
from ingestion.index.store import Store

Kind = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class StoreLocation:
    """A parsed ``VERAZ_STORE``: the backend and, for postgres, the database URL."""

    kind: Kind
    url: str = ""

    @classmethod
    def parse(cls, text: str | None) -> StoreLocation:
        """ "sqlite" / "" -> the embedded store; a postgresql:// URL -> that database."""
        value = (text or "").strip()
        if value in ("", "sqlite"):
            return cls("sqlite")
        if value.startswith(("postgresql://", "postgres://")):
            from ingestion.index.postgres.hnsw import split_url

            split_url(value)  # a wrong hnsw_* parameter is named now, not at first use
            return cls("postgres", value)
        raise ValueError(
            f"store {value!r} is neither 'sqlite' nor a postgresql:// URL "
            "(VERAZ_STORE, e.g. postgresql://veraz:secret@db.example:5432/veraz)"
        )

    @property
    def database(self) -> str:
        """The postgres URL as libpq takes it: without Veraz's ``hnsw_*`` parameters (so
        two URLs differing only in them name one database); "" for sqlite."""
        if self.kind == "sqlite":
            return ""
        from ingestion.index.postgres.hnsw import split_url

        return split_url(self.url)[0]

    def describe(self) -> str:
        """For messages: "sqlite" or the URL without its password."""
        if self.kind == "sqlite":
            return "sqlite"
        from ingestion.index.postgres.connection import public_url

        return public_url(self.url)


def collection_folder(home: Path, collection: str) -> Path:
    """Where the sqlite store keeps ``collection`` under ``home``."""
    return Path(home) / "collections" / collection


def open_store(
    location: StoreLocation, home: Path, collection: str, *, model: ModelRecord | None
) -> Store:
    """Open (creating it when ``model`` is given) ``collection`` where ``location`` says.

    ``model=None`` opens an existing collection with the model it records, and raises
    FileNotFoundError when there is none.
    """
    if location.kind == "postgres":
        from ingestion.index.postgres import PostgresStore

        return PostgresStore(location.url, collection, model=model)
    from ingestion.index.sqlite import SqliteStore

    return SqliteStore(collection_folder(home, collection), model=model)


def collection_exists(location: StoreLocation, home: Path, collection: str) -> bool:
    return collection in collection_names(location, home)


def drop_collection(location: StoreLocation, home: Path, collection: str) -> None:
    """Delete ``collection`` and everything in it (benchmarks drop what they built)."""
    if location.kind == "postgres":
        from ingestion.index.postgres.store import drop_collection as drop

        drop(location.url, collection)
        return
    import shutil

    shutil.rmtree(collection_folder(home, collection), ignore_errors=True)


def collection_names(location: StoreLocation, home: Path) -> list[str]:
    """The collections stored at ``location``, sorted."""
    if location.kind == "postgres":
        return [name for name, _schema in _postgres_collections(location.url)]
    root = Path(home) / "collections"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "index.sqlite").is_file())


def collection_summaries(location: StoreLocation, home: Path) -> list[dict[str, Any]]:
    """``{"collection", "path", documents, chunks, generation, embedding_model,
    last_change, bytes}`` per collection, reading no vectors (``veraz status``).

    A collection whose summary cannot be read has ``{"collection", "path", "error"}``
    instead, so one broken collection never hides the others."""
    found: list[dict[str, Any]] = []
    if location.kind == "postgres":
        from ingestion.index.postgres.connection import connect
        from ingestion.index.postgres.store import summary

        collections = _postgres_collections(location.url)
        if not collections:
            return []
        db = connect(location.url)
        try:
            for name, schema_name in collections:
                try:
                    data = summary(db, schema_name)
                except Exception as exc:  # one broken collection must not hide the others
                    db.rollback()
                    data = {"error": _unreadable(exc)}
                found.append({"collection": name, "path": location.describe(), **data})
        finally:
            db.close()
        return found
    from ingestion.index.sqlite.store import read_summary

    for name in collection_names(location, home):
        folder = collection_folder(home, name)
        try:
            data = read_summary(folder)
        except Exception as exc:  # a corrupt index.sqlite: listed with its error, skipped
            data = {"error": _unreadable(exc)}
        if data is not None:
            found.append({"collection": name, "path": str(folder), **data})
    return found


def _unreadable(exc: Exception) -> str:
    """Why a collection's summary could not be read, in one short line (no data in it)."""
    first_line = (str(exc).splitlines() or [""])[0][:160]
    return f"cannot be read: {type(exc).__name__}: {first_line}"


def _postgres_collections(url: str) -> list[tuple[str, str]]:
    from ingestion.index.postgres.connection import connect

    db = connect(url)
    try:
        if db.execute("SELECT to_regclass('public.veraz_collections')").fetchone()[0] is None:
            return []
        rows = db.execute(
            "SELECT name, schema_name FROM public.veraz_collections ORDER BY name"
        ).fetchall()
        return [(str(name), str(schema)) for name, schema in rows]
    finally:
        db.close()
