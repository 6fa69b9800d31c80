"""Where conversation threads persist: LangGraph's checkpointer for the configured store.

With the sqlite store, threads live in ``VERAZ_HOME/threads.sqlite`` (``SqliteSaver``).
With ``VERAZ_STORE=postgresql://…`` they live in that database (``PostgresSaver`` of
``langgraph-checkpoint-postgres``, over a small connection pool), so a thread started
through one Veraz process or server worker continues through any other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.config import Settings

POOL_SIZE = 4
"""Connections per process for checkpoints: threads asking at once each borrow one."""


@dataclass
class Checkpointer:
    """A LangGraph checkpointer and how to release what it holds."""

    saver: Any
    close: Callable[[], None]


def open_checkpointer(settings: Settings) -> Checkpointer:
    """The checkpointer of ``settings``' store, its tables created if needed."""
    location = settings.store_location
    if location.kind == "postgres":
        return _postgres(location.database)
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.home.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(settings.home / "threads.sqlite", check_same_thread=False)
    return Checkpointer(SqliteSaver(connection), connection.close)


def _postgres(url: str) -> Checkpointer:
    from ingestion.index import StoreUnavailable
    from ingestion.index.postgres.connection import extra_missing, public_url

    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        raise extra_missing(exc) from exc
    # PostgresSaver needs autocommit connections returning dict rows, without prepared
    # statements (the pool hands a connection to several threads over time).
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=False,
    )
    try:
        pool.open(wait=True, timeout=10)
        saver = PostgresSaver(pool)  # type: ignore[arg-type]
        saver.setup()
    except Exception as exc:
        pool.close()
        cause = (str(exc).strip().splitlines() or [""])[0][:300]
        raise StoreUnavailable(
            f"cannot keep threads in the PostgreSQL store {public_url(url)} (VERAZ_STORE): {cause}"
        ) from exc
    return Checkpointer(saver, pool.close)


def delete_thread(settings: Settings, thread_id: str) -> None:
    """Forget every checkpoint of ``thread_id`` in the configured store."""
    if settings.store_location.kind == "sqlite" and not (settings.home / "threads.sqlite").exists():
        return
    checkpointer = open_checkpointer(settings)
    try:
        checkpointer.saver.delete_thread(thread_id)
    finally:
        checkpointer.close()
