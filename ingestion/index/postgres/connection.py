"""Connections to the database behind ``VERAZ_STORE=postgresql://…``.

psycopg and pgvector are the ``veraz[postgres]`` extra: imported here only, and a
missing one is one line naming the extra. A server that cannot be reached is a
:class:`StoreUnavailable` naming the URL without its password.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingestion.index.postgres.hnsw import split_url
from ingestion.index.store import StoreUnavailable

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 10

_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")


def public_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs."""
    return _PASSWORD.sub(r"\1:***@", url)


def extra_missing(exc: ImportError) -> StoreUnavailable:
    """The one-line error for a library of the ``veraz[postgres]`` extra that is missing."""
    return StoreUnavailable(
        f"VERAZ_STORE names a PostgreSQL database but {exc.name} is not installed: "
        'pip install "veraz[postgres]"'
    )


def _libraries():  # type: ignore[no-untyped-def]
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError as exc:
        raise extra_missing(exc) from exc
    return psycopg, register_vector


def connect(url: str) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit), with pgvector's types
    registered when the extension exists in that database. Veraz's own ``hnsw_*`` query
    parameters (ingestion/index/postgres/hnsw.py) are not passed on to libpq."""
    psycopg, register_vector = _libraries()
    url, _ = split_url(url)
    try:
        db = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        cause = (str(exc).strip().splitlines() or [""])[0][:300]
        raise StoreUnavailable(
            f"cannot connect to the PostgreSQL store {public_url(url)} (VERAZ_STORE): {cause}"
        ) from exc
    installed = db.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    if installed:
        register_vector(db)
    return db
