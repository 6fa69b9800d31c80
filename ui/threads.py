"""The UI's list of conversations: names, dates, and the answers shown in each.

LangGraph's checkpointer (agent/threads.py: ``VERAZ_HOME/threads.sqlite`` or the
PostgreSQL store) keeps what the graph needs to
understand follow-ups, keyed by thread id, but it has no names and its state is the
graph's, not the page's. This registry sits next to it in ``VERAZ_HOME/ui_threads.sqlite``
and keeps what the page needs: a name the user can change, when the thread was created
and last used, and each finished answer (as ``Answer.to_dict()``) so resuming a thread
shows its badges, citations and traces again. Deleting a thread removes both.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.types import Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    thread_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    collection TEXT NOT NULL,
    created REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    thread_id TEXT NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    answer TEXT NOT NULL,
    PRIMARY KEY (thread_id, position)
);
"""

NAME_LENGTH = 60


@dataclass(frozen=True)
class ThreadInfo:
    """One conversation as the sidebar lists it."""

    thread_id: str
    name: str
    collection: str
    created: float
    last_used: float


class ThreadRegistry:
    """Conversations of one Veraz home, most recently used first.

    A connection per call: Streamlit runs each rerun in its own thread, and the registry
    is small enough that opening SQLite each time costs nothing noticeable.
    """

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.path = self.home / "ui_threads.sqlite"
        self.home.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA foreign_keys = ON")
        try:
            with db:
                yield db
        finally:
            db.close()

    def create(self, name: str, collection: str) -> ThreadInfo:
        """A new thread named after ``name`` (the first question, shortened)."""
        now = time.time()
        info = ThreadInfo(f"ui-{uuid.uuid4()}", _short(name), collection, now, now)
        with self._db() as db:
            db.execute(
                "INSERT INTO threads VALUES (?, ?, ?, ?, ?)",
                (info.thread_id, info.name, info.collection, info.created, info.last_used),
            )
        return info

    def list(self, collection: str | None = None) -> list[ThreadInfo]:
        """Threads (of ``collection`` when given), most recently used first."""
        query = "SELECT thread_id, name, collection, created, last_used FROM threads"
        args: tuple[str, ...] = ()
        if collection is not None:
            query += " WHERE collection = ?"
            args = (collection,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY last_used DESC", args).fetchall()
        return [ThreadInfo(*row) for row in rows]

    def get(self, thread_id: str) -> ThreadInfo | None:
        with self._db() as db:
            row = db.execute(
                "SELECT thread_id, name, collection, created, last_used FROM threads"
                " WHERE thread_id = ?",
                (thread_id,),
            ).fetchone()
        return ThreadInfo(*row) if row else None

    def rename(self, thread_id: str, name: str) -> None:
        """Give a thread a new name; a blank name is ignored (a thread always has one)."""
        if not name.strip():
            return
        with self._db() as db:
            db.execute("UPDATE threads SET name = ? WHERE thread_id = ?", (_short(name), thread_id))

    def add_turn(self, thread_id: str, answer: dict[str, Any]) -> None:
        """Record a finished answer and mark the thread as just used."""
        with self._db() as db:
            (count,) = db.execute(
                "SELECT count(*) FROM turns WHERE thread_id = ?", (thread_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?)",
                (thread_id, count, json.dumps(answer, ensure_ascii=False)),
            )
            db.execute(
                "UPDATE threads SET last_used = ? WHERE thread_id = ?", (time.time(), thread_id)
            )

    def turns(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's answers in the order they were given."""
        with self._db() as db:
            rows = db.execute(
                "SELECT answer FROM turns WHERE thread_id = ? ORDER BY position", (thread_id,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def usage(self, thread_id: str) -> Usage:
        """Tokens and cost of every answer in the thread, added up."""
        total = Usage()
        for turn in self.turns(thread_id):
            total = total + Usage.from_dict(turn.get("usage"))
        return total

    def delete(self, thread_id: str) -> None:
        """Forget the thread here and its checkpoints in the store (threads.sqlite, or
        the PostgreSQL database of VERAZ_STORE).

        The checkpoints go too, or a deleted conversation would still steer follow-ups
        of a thread that reused its id, and its questions would stay stored.
        """
        from agent.config import Settings
        from agent.threads import delete_thread

        with self._db() as db:
            db.execute("DELETE FROM threads WHERE thread_id = ?", (thread_id,))
        delete_thread(Settings(home=self.home), thread_id)


def _short(name: str) -> str:
    """One line of at most ``NAME_LENGTH`` characters, cut at a word where possible."""
    line = " ".join(name.split())
    if len(line) <= NAME_LENGTH:
        return line
    cut = line[: NAME_LENGTH - 1].rsplit(" ", 1)[0]
    return cut + "…"
