"""How long the server keeps conversation threads, and how many one key may keep.

LangGraph's checkpointer keeps a thread forever and records neither its owner nor its
last use. A small ledger table beside the checkpoints (``veraz_thread_use``, in
threads.sqlite or the PostgreSQL store) does: each question on a server thread records
its key and time, then threads unused for ``VERAZ_THREAD_TTL_DAYS`` and a key's threads
beyond ``VERAZ_SERVER_MAX_THREADS_PER_KEY`` (least recently used first) are deleted
with the checkpointer's own ``delete_thread``. So no key can fill the disk with threads
and no conversation stays on the server long after it ended.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from agent.config import Settings
from agent.threads import Checkpointer, open_checkpointer

_TABLE = "veraz_thread_use"
_DAY_S = 86400.0


class ThreadRetention:
    """The ledger of server threads of one store (one per worker process)."""

    def __init__(self, settings: Settings, max_per_key: int) -> None:
        self.ttl_s = settings.thread_ttl_days * _DAY_S
        self.max_per_key = max_per_key
        self._settings = settings
        self._checkpointer: Checkpointer | None = None
        self._lock = threading.Lock()

    def _sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        saver = self._store().saver
        if self._settings.store_location.kind == "postgres":
            with saver.conn.connection() as conn:  # the saver's pool
                rows = conn.execute(statement.replace("?", "%s"), params)
                found = rows.fetchall() if rows.description else []
                return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in found]
        cursor = saver.conn.execute(statement, params)
        found = cursor.fetchall()
        saver.conn.commit()
        return [tuple(row) for row in found]

    def _store(self) -> Checkpointer:
        if self._checkpointer is None:
            self._checkpointer = open_checkpointer(self._settings)
            self._checkpointer.saver.conn  # noqa: B018 - both savers expose it
            self._create()
        return self._checkpointer

    def _create(self) -> None:
        self._sql(
            f"CREATE TABLE IF NOT EXISTS {_TABLE} (thread_id TEXT PRIMARY KEY, "
            "owner TEXT NOT NULL, last_used DOUBLE PRECISION NOT NULL)"
        )
        self._sql(f"CREATE INDEX IF NOT EXISTS {_TABLE}_owner ON {_TABLE} (owner, last_used)")

    def used(self, thread_id: str, owner: str, now: float | None = None) -> list[str]:
        """Record that ``owner`` (a key id) asked on ``thread_id``; delete what is past the
        retention limits and return the ids of the threads deleted."""
        now = time.time() if now is None else now
        with self._lock:
            self._sql(
                f"INSERT INTO {_TABLE} (thread_id, owner, last_used) VALUES (?, ?, ?) "
                "ON CONFLICT (thread_id) DO UPDATE SET last_used = excluded.last_used",
                (thread_id, owner, now),
            )
            doomed: list[str] = []
            if self.ttl_s > 0:
                doomed += [
                    r[0]
                    for r in self._sql(
                        f"SELECT thread_id FROM {_TABLE} WHERE last_used < ?", (now - self.ttl_s,)
                    )
                ]
            doomed += [
                r[0]
                for r in self._sql(
                    f"SELECT thread_id FROM {_TABLE} WHERE owner = ? "
                    "ORDER BY last_used DESC, thread_id LIMIT -1 OFFSET ?"
                    if self._settings.store_location.kind == "sqlite"
                    else f"SELECT thread_id FROM {_TABLE} WHERE owner = ? "
                    "ORDER BY last_used DESC, thread_id OFFSET ?",
                    (owner, self.max_per_key),
                )
            ]
            for gone in dict.fromkeys(doomed):
                self._store().saver.delete_thread(gone)
                self._sql(f"DELETE FROM {_TABLE} WHERE thread_id = ?", (gone,))
            return list(dict.fromkeys(doomed))

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
