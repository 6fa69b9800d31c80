"""``veraz schedule``: run every configured source on its interval or cron, in the foreground.

A service-style process (systemd, a container, ``nohup``): it logs each run to stderr and
records it in the run log, and on SIGTERM or SIGINT it stops starting runs, lets the
current run commit what it has read (see :class:`SourceRunner`), and exits 0. A second
SIGINT exits at once; that is safe too, because a run commits all at once or not at all.

Runs go one at a time on a single worker thread: they share the embedding model, and two
ingest runs on two CPU cores would only slow each other down. A trigger that fires while
its source is still running is dropped (APScheduler's ``max_instances=1``); triggers
missed while other sources ran are run once, late (``coalesce``, no misfire limit).
Interval sources run once at start-up, then every interval; cron sources wait for their
first time.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from agent.config import Settings
from agent.scheduling.runner import SourceRunner
from ingestion.run_log import RunRecord
from ingestion.sources import SourceConfig

logger = logging.getLogger("veraz.schedule")


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; a second SIGINT raises KeyboardInterrupt (exit now).

    Only the main thread can install signal handlers; elsewhere (tests driving the
    scheduler from a thread) ``stop`` is set by the caller instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        logger.info(
            "%s received: finishing the current run, then exiting", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_once(
    settings: Settings,
    sources: Sequence[SourceConfig],
    *,
    trigger: str = "once",
    stop: threading.Event | None = None,
) -> list[RunRecord]:
    """Run each source once, in order (``veraz schedule --once``, for cron or CI)."""
    stop = stop or threading.Event()
    runner = SourceRunner(settings, stop=stop)
    records = []
    try:
        with stop_on_signals(stop):
            for source in sources:
                if stop.is_set():
                    break
                records.append(runner.run(source, trigger))
    finally:
        runner.close()
        runner.run_log.close()
    return records


def serve(
    settings: Settings,
    sources: Sequence[SourceConfig],
    *,
    stop: threading.Event | None = None,
) -> None:
    """Run ``sources`` on their schedules until ``stop`` is set or a signal arrives."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if not sources:
        raise ValueError(
            "no sources configured: add [[sources]] to veraz.toml or set VERAZ_SOURCES "
            "(see README, 'Keeping the index up to date')"
        )
    stop = stop or threading.Event()
    runner = SourceRunner(settings, stop=stop)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for source in sources:
        if source.cron is not None:
            trigger = CronTrigger.from_crontab(source.cron)
            first = {}
        else:
            trigger = IntervalTrigger(seconds=source.interval_seconds)
            first = {"next_run_time": datetime.now(UTC)}
        scheduler.add_job(
            runner.run,
            trigger,
            args=[source, "schedule"],
            id=source.name,
            name=source.name,
            **first,
        )
    with stop_on_signals(stop):
        scheduler.start()
        for job in scheduler.get_jobs():
            logger.info("source %s: next run %s", job.id, job.next_run_time.isoformat())
        try:
            while not stop.wait(1.0):  # a timed wait lets signal handlers run promptly
                pass
        finally:
            stop.set()
            scheduler.shutdown(wait=True)
            runner.close()
            runner.run_log.close()
    logger.info("scheduler stopped")
