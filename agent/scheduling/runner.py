"""Running one source: take its lock, record the run, ingest what it selects, record the end.

Used by ``veraz schedule`` (every trigger), ``veraz schedule --once`` and ``veraz watch``.
Two runs of one source never overlap, whichever processes start them: each run holds an
exclusive ``flock`` on ``VERAZ_HOME/locks/<source>.lock`` and a run that finds it taken is
recorded as ``skipped`` instead of waiting (the next trigger will catch up). The kernel
drops the lock when a process dies, so a killed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.types import IngestReport
from ingestion.file_lock import file_lock
from ingestion.path_checks import printable
from ingestion.pipeline import Discovery
from ingestion.run_log import RunLog, RunRecord
from ingestion.source_selection import select
from ingestion.sources import SourceConfig

logger = logging.getLogger("veraz.sources")


def lock_path(home: Path, source: str) -> Path:
    """The lock file of ``source`` (named by a hash: source names may hold ':')."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    return home / "locks" / f"source-{digest}.lock"


@contextlib.contextmanager
def source_lock(home: Path, source: str) -> Iterator[bool]:
    """Try to hold ``source``'s lock without waiting; yields whether it is held."""
    path = lock_path(home, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path, wait=False) as held:
        yield held


class SourceRunner:
    """Runs sources into their collections, keeping one open Veraz per collection.

    ``stop``: set it (a SIGTERM handler does) to end the current run early; files already
    read are committed, the rest wait for the next run. Not thread-safe: the scheduler
    runs sources one at a time on one worker thread.
    """

    def __init__(
        self,
        settings: Settings,
        run_log: RunLog | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.run_log = run_log or RunLog(settings.home / "runs.sqlite")
        self.stop = stop or threading.Event()
        self._instances: dict[str, Any] = {}

    def veraz(self, collection: str) -> Any:
        """The Veraz of ``collection``, opened on first use and kept for later runs."""
        if collection not in self._instances:
            from agent.api import Veraz

            self._instances[collection] = Veraz(settings=self.settings, collection=collection)
        return self._instances[collection]

    def run(
        self,
        source: SourceConfig,
        trigger: str,
        *,
        found: Discovery | None = None,
        removals: Sequence[str] = (),
    ) -> RunRecord:
        """Run ``source`` once and return its record.

        ``found``/``removals``: the files to look at and documents to drop (watch mode
        passes only what changed); by default the source's whole selection, pruned.
        """
        collection = source.collection_or(self.settings.collection)
        with source_lock(self.settings.home, source.name) as held:
            if not held:
                run_id = self.run_log.skipped(
                    source.name, collection, trigger, "another run of this source was in progress"
                )
                logger.warning("source %s: skipped, another run is in progress", source.name)
                return self.run_log.get(run_id)
            self.run_log.mark_interrupted(source.name)
            run_id = self.run_log.start(source.name, collection, trigger)
            stopped = threading.Event()

            def should_stop() -> bool:
                if self.stop.is_set():
                    stopped.set()
                return stopped.is_set()

            try:
                pipeline = self.veraz(collection).pipeline()
                report: IngestReport = pipeline.run_discovered(
                    select(source) if found is None else found,
                    prune=source.prune and found is None,
                    removals=removals,
                    should_stop=should_stop,
                )
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                self.run_log.finish(run_id, "error", message=message)
                logger.error("source %s: run failed: %s", source.name, message)
                return self.run_log.get(run_id)
            except BaseException:
                self.run_log.finish(run_id, "error", message="interrupted by the user")
                raise
            status = "stopped" if stopped.is_set() else "partial" if report.failed else "ok"
            self.run_log.finish(run_id, status, report)
        record = self.run_log.get(run_id)
        _log_run(source.name, record)
        return record

    def close(self) -> None:
        for instance in self._instances.values():
            instance.close()
        self._instances.clear()


def _log_run(name: str, record: RunRecord) -> None:
    logger.info(
        "source %s: %s — %d added, %d updated, %d unchanged, %d removed, %d failed (%.1f s)",
        name,
        record.status,
        record.added,
        record.updated,
        record.unchanged,
        record.removed,
        record.failed,
        record.seconds or 0.0,
    )
    for error in record.errors:
        logger.warning("source %s: %s: %s", name, printable(error["path"]), error["error"])
