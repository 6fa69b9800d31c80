"""What ``veraz status`` shows: each source's last runs and the size of each collection.

Read-only and cheap: the run log and the collections' row counts are read (SQLite files,
or PostgreSQL), no model is loaded and no vector is read, so the command answers at once
even mid-ingest.
"""

from __future__ import annotations

import os
from typing import Any

from agent.config import Settings
from ingestion.index import collection_summaries
from ingestion.run_log import RunLog, RunRecord, iso_time


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _shown(record: RunRecord) -> dict[str, Any]:
    """A record as shown: a ``running`` run whose process is gone reads ``interrupted``."""
    data = record.to_dict()
    if record.status == "running" and not _alive(record.pid):
        data["status"] = "interrupted"
        data["message"] = "the process running it ended before the run finished"
    return data


def status_report(settings: Settings, runs: int = 5) -> dict[str, Any]:
    """``{"home", "sources": [...], "collections": [...]}`` (the ``--json`` shape).

    Sources are the configured ones, then any others with recorded runs (watch mode, or
    sources since removed from the configuration), each with its ``runs`` latest runs.
    """
    log_path = settings.home / "runs.sqlite"
    log = RunLog(log_path) if log_path.exists() else None
    try:
        configured = {source.name: source for source in settings.sources}
        names = list(configured) + [
            n for n in (log.sources() if log else []) if n not in configured
        ]
        sources = []
        for name in names:
            source = configured.get(name)
            last = [_shown(r) for r in log.last_runs(name, runs)] if log else []
            sources.append(
                {
                    "name": name,
                    "configured": source is not None,
                    "collection": (
                        source.collection_or(settings.collection)
                        if source
                        else (last[0]["collection"] if last else None)
                    ),
                    "paths": list(source.paths) if source else [],
                    "schedule": source.schedule_text() if source else None,
                    "running": bool(last) and last[0]["status"] == "running",
                    "last_runs": last,
                }
            )
    finally:
        if log is not None:
            log.close()
    collections = []
    for summary in collection_summaries(settings.store_location, settings.home):
        summary["last_change"] = iso_time(summary["last_change"])
        collections.append(summary)
    return {"home": str(settings.home), "sources": sources, "collections": collections}
