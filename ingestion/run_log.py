"""Every source run, recorded in SQLite: when it ran, what it changed, what failed and why.

``VERAZ_HOME/runs.sqlite`` is written by ``veraz schedule``, ``veraz schedule --once`` and
``veraz watch`` and read by ``veraz status``. A run is written twice: as ``running`` when
it starts and with its counts when it ends, so a run killed half-way stays visible; the
next run of that source (which holds the source's lock, so the killed one cannot still be
alive) marks it ``interrupted``.

Statuses: ``running``; ``ok`` (nothing failed); ``partial`` (some files failed, the rest
were committed); ``stopped`` (shut down early; what was read is committed); ``error``
(the run itself failed, nothing was committed); ``skipped`` (another run of the source
held its lock); ``interrupted`` (the process died).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.types import IngestReport

STATUSES = ("running", "ok", "partial", "stopped", "error", "skipped", "interrupted")
MAX_ERRORS_KEPT = 200  # per run: a folder of 10,000 bad files must not bloat the log
RUNS_KEPT_PER_SOURCE = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    collection TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    embedded INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    message TEXT NOT NULL DEFAULT '',
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs(source, id);
"""


def iso_time(timestamp: float | None) -> str | None:
    """A Unix time as ISO 8601 in UTC, to the second ("2025-11-25T09:30:00+00:00")."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


@dataclass
class RunRecord:
    """One recorded run; ``to_dict()`` is what ``veraz status --json`` prints."""

    id: int
    source: str
    collection: str
    trigger: str
    status: str
    started_at: float
    finished_at: float | None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    chunks: int = 0
    embedded: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    message: str = ""
    pid: int = 0

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else round(self.finished_at - self.started_at, 3)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = iso_time(self.started_at)
        data["finished_at"] = iso_time(self.finished_at)
        data["seconds"] = self.seconds
        return data


class RunLog:
    """The runs table; safe to use from several threads and processes at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def start(self, source: str, collection: str, trigger: str) -> int:
        """Record a run as ``running`` now; returns its id."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO runs (source, collection, trigger, status, started_at, pid)"
                " VALUES (?, ?, ?, 'running', ?, ?)",
                (source, collection, trigger, time.time(), os.getpid()),
            )
            return int(cursor.lastrowid or 0)

    def finish(
        self,
        run_id: int,
        status: str,
        report: IngestReport | None = None,
        message: str = "",
    ) -> None:
        """Close a run with its status and, when it got that far, its report."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        report = report or IngestReport()
        errors = [f.to_dict() for f in report.failed[:MAX_ERRORS_KEPT]]
        if len(report.failed) > MAX_ERRORS_KEPT:
            message = (message + "; " if message else "") + (
                f"{len(report.failed) - MAX_ERRORS_KEPT} more failed files not listed"
            )
        with self._lock:
            self._db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, added = ?, updated = ?,"
                " unchanged = ?, removed = ?, failed = ?, chunks = ?, embedded = ?,"
                " errors = ?, message = ? WHERE id = ?",
                (
                    status,
                    time.time(),
                    report.added,
                    report.updated,
                    report.unchanged,
                    report.removed,
                    len(report.failed),
                    report.chunks,
                    report.embedded,
                    json.dumps(errors, ensure_ascii=False),
                    message,
                    run_id,
                ),
            )
            self._trim(run_id)

    def skipped(self, source: str, collection: str, trigger: str, message: str) -> int:
        """Record a run that did not happen because another one held the source."""
        run_id = self.start(source, collection, trigger)
        self.finish(run_id, "skipped", message=message)
        return run_id

    def mark_interrupted(self, source: str) -> int:
        """Mark ``source``'s runs still ``running`` as ``interrupted``.

        Call only while holding the source's lock: then no earlier run can be alive.
        """
        with self._lock:
            cursor = self._db.execute(
                "UPDATE runs SET status = 'interrupted', message = 'the process running it"
                " ended before the run finished' WHERE source = ? AND status = 'running'",
                (source,),
            )
            return cursor.rowcount

    def last_runs(self, source: str, limit: int = 5) -> list[RunRecord]:
        """``source``'s latest runs, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, source, collection, trigger, status, started_at, finished_at,"
                " added, updated, unchanged, removed, failed, chunks, embedded, errors,"
                " message, pid FROM runs WHERE source = ? ORDER BY id DESC LIMIT ?",
                (source, limit),
            ).fetchall()
        return [_record(row) for row in rows]

    def get(self, run_id: int) -> RunRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT id, source, collection, trigger, status, started_at, finished_at,"
                " added, updated, unchanged, removed, failed, chunks, embedded, errors,"
                " message, pid FROM runs WHERE id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id}")
        return _record(row)

    def sources(self) -> list[str]:
        """Every source name with a recorded run, alphabetically."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT source FROM runs ORDER BY source")
            return [name for (name,) in rows]

    def _trim(self, run_id: int) -> None:
        """Keep the newest RUNS_KEPT_PER_SOURCE runs of the source of ``run_id``."""
        self._db.execute(
            "DELETE FROM runs WHERE source = (SELECT source FROM runs WHERE id = ?) AND id <="
            " (SELECT id FROM runs WHERE source = (SELECT source FROM runs WHERE id = ?)"
            "  ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (run_id, run_id, RUNS_KEPT_PER_SOURCE),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _record(row: tuple[Any, ...]) -> RunRecord:
    values = list(row)
    values[14] = json.loads(values[14])
    return RunRecord(*values)
