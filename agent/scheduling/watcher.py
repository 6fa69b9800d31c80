"""``veraz watch``: re-ingest a source's files as they change, a moment after they settle.

Built on watchfiles (inotify on Linux, FSEvents on macOS, polling elsewhere). Changes are
debounced: a run starts once no file has changed for the quiet period (``debounce_ms``,
default 1 s, VERAZ_WATCH_DEBOUNCE_MS), or after ten quiet periods of continuous changes at
the latest, so saving a file ten times or copying in a hundred makes one run, not a
hundred. A run looks only at what changed: changed files are ingested (the unchanged
ones are never read), deleted or moved-away files are removed from both indexes, and a
folder moved in is walked. The first run at start-up is a full, pruned pass, so changes
made while nothing was watching are caught too.

Hidden files and folders, editor swap files and anything under VERAZ_HOME are ignored,
as in ordinary runs (the index lives in VERAZ_HOME; watching it would loop forever).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from agent.config import Settings
from agent.scheduling.runner import SourceRunner
from ingestion.pipeline import Discovery, ScannedFolder
from ingestion.run_log import RunRecord
from ingestion.source_selection import scopes
from ingestion.sources import SourceConfig

logger = logging.getLogger("veraz.watch")

MAX_GROUPING_PERIODS = 10
_POLL_MS = 500  # how long the watcher waits for events before looking at ``stop``


def _change_filter(settings: Settings, roots: list[Path]) -> Callable[[object, str], bool]:
    from watchfiles import DefaultFilter

    default = DefaultFilter()
    home = settings.home.resolve()

    def keep(change: object, raw: str) -> bool:
        path = Path(raw)
        if not default(change, raw) or path.is_relative_to(home):  # type: ignore[arg-type]
            return False
        for root in roots:
            if path.is_relative_to(root):
                return not any(p.startswith(".") for p in path.relative_to(root).parts)
        return True

    return keep


def plan_changes(
    changed: set[Path],
    folders: list[ScannedFolder],
    files: list[Path],
    stored: set[str],
) -> tuple[Discovery, list[str]]:
    """What a batch of changed paths means: files/folders to ingest, documents to drop.

    A path that exists is ingested if a source folder would take it (a folder is walked);
    a path that is gone removes the stored documents at or under it that the source
    covers: a deleted file, or every file of a folder moved away.
    """
    found = Discovery()
    removals: set[str] = set()
    for path in sorted(changed):
        scope = next((f for f in folders if path.is_relative_to(f.root)), None)
        if path.is_dir() and not path.is_symlink():
            if scope is not None and not any(
                p.startswith(".") for p in path.relative_to(scope.root).parts
            ):
                found.walk(path, scope.accept, root=scope.root)
        elif path.exists() or path.is_symlink():
            if path in files:
                found.add_file(path)
            elif scope is not None and scope.covers(path):
                found.add_file(path, scope.root)
        else:
            prefix = str(path)
            for source in stored:
                under = source == prefix or source.startswith(prefix.rstrip("/") + "/")
                if not under or Path(source).exists():
                    continue
                if Path(source) in files or any(f.covers(Path(source)) for f in folders):
                    removals.add(source)
    return found, sorted(removals)


def watch(
    settings: Settings,
    source: SourceConfig,
    *,
    debounce_ms: int | None = None,
    stop: threading.Event | None = None,
    on_run: Callable[[RunRecord], None] | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Keep ``source`` in step until ``stop`` is set (or Ctrl-C / SIGTERM in the CLI).

    ``ready`` is set once the initial full run is done and changes are being watched;
    ``on_run`` receives every run's record (the CLI prints them).
    """
    from watchfiles import watch as watch_changes

    stop = stop or threading.Event()
    quiet = debounce_ms or settings.watch_debounce_ms
    folders, files, missing = scopes(source)
    roots = [f.root for f in folders] + [p.parent for p in files]
    if not roots:
        raise ValueError(f"source {source.name!r}: none of its paths exist; nothing to watch")
    runner = SourceRunner(settings, stop=stop)
    try:
        for failure in missing:
            logger.warning("source %s: %s: %s", source.name, failure.path, failure.error)
        changes_seen = watch_changes(
            *roots,
            watch_filter=_change_filter(settings, roots),
            step=quiet,
            debounce=quiet * MAX_GROUPING_PERIODS,
            stop_event=stop,
            rust_timeout=_POLL_MS,
            yield_on_timeout=True,
            raise_interrupt=False,
        )
        # Subscribe first (the first item comes after one timeout), then the full pass:
        # a file changed during that pass is reported afterwards instead of being missed.
        next(changes_seen, None)
        record = runner.run(source, "watch")
        if on_run:
            on_run(record)
        if ready is not None:
            ready.set()
        logger.info("watching %s", ", ".join(str(r) for r in roots))
        collection = runner.veraz(source.collection_or(settings.collection)).index
        for changes in changes_seen:
            if not changes:
                continue  # a timeout: lets the loop see ``stop``
            changed = {Path(raw) for _, raw in changes}
            found, removals = plan_changes(changed, folders, files, set(collection.documents()))
            if not found.files and not found.failed and not removals:
                continue
            record = runner.run(source, "watch", found=found, removals=removals)
            if on_run:
                on_run(record)
    finally:
        runner.close()
        runner.run_log.close()
