"""The Veraz objects behind the page, shared across reruns, and what the sidebar asks of them.

Streamlit reruns the whole script on every click; building a Veraz (embedder, index,
graph) each time would cost seconds, so one instance per (home, collection, model,
fallback) lives in ``st.cache_resource``. It is shared by every browser tab, so a lock
per instance keeps two questions or an upload and a question from interleaving their
writes to the same index and checkpointer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from agent.api import Veraz
from agent.config import Settings
from agent.models.registry import check_model
from agent.models.resolved import Reachability
from agent.types import FailedFile, IngestReport
from ui.texts import LANGUAGES


@dataclass
class Engine:
    """A Veraz and the lock that serialises work on it."""

    rag: Veraz
    lock: threading.Lock


@st.cache_resource(show_spinner=False, max_entries=8)
def engine(home: str, collection: str, model: str, fallback_model: str) -> Engine:
    """One Veraz per home, collection and pair of models, built once per server."""
    rag = Veraz(home=home, collection=collection, model=model, fallback_model=fallback_model)
    return Engine(rag, threading.Lock())


@st.cache_data(show_spinner=False, ttl=30)
def reachability(spec: str, home: str) -> dict[str, Any]:
    """``check_model`` for the sidebar, cached briefly: a check may wait on a server."""
    del home  # part of the cache key only: settings (and so providers' hosts) are per home
    result: Reachability = check_model(spec, Settings())
    return {**result.to_dict(), "text": {lang: result.describe(lang) for lang in LANGUAGES}}


def collections(settings: Settings) -> list[str]:
    """Collections that exist under the home, the configured one first."""
    root = settings.home / "collections"
    found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return [settings.collection, *[name for name in found if name != settings.collection]]


def counts(rag: Veraz) -> dict[str, int]:
    """Documents and chunks in the collection; an empty dict when it does not exist yet.

    Opening a collection creates its folder, so a collection nobody ingested into is not
    opened just to count zero.
    """
    if not (rag.settings.collection_dir).exists():
        return {"documents": 0, "chunks": 0}
    stats = rag.stats()
    return {"documents": int(stats["documents"]), "chunks": int(stats["chunks"])}


@dataclass
class Upload:
    """A file as the browser sent it: the parts of Streamlit's UploadedFile we use."""

    name: str
    data: bytes


def upload_folder(settings: Settings) -> Path:
    """Where uploaded files are kept: they are the sources the index points to."""
    return settings.home / "uploads" / settings.collection


def ingest_uploads(
    engine: Engine,
    uploads: list[Upload],
    check: Callable[[Upload], str | None],
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[IngestReport, list[str]]:
    """Save the acceptable uploads and ingest them; rejected ones become failures.

    ``check`` returns why a file is refused (too large, wrong type) before anything is
    written, so a rejected upload never touches the disk or the index. Nothing is
    pruned: earlier documents stay whatever happens to these files.
    Returns the report and the names of the files that were ingested without error.
    """
    rag = engine.rag
    folder = upload_folder(rag.settings)
    rejected: list[FailedFile] = []
    saved: dict[str, str] = {}
    for upload in uploads:
        reason = check(upload)
        if reason:
            rejected.append(FailedFile(upload.name, reason))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(upload.name).name
        target.write_bytes(upload.data)
        saved[str(target.resolve())] = upload.name
    report = IngestReport()
    if saved:
        with engine.lock:
            report = rag.ingest(list(saved), progress=progress)
    failed_paths = set()
    for failure in report.failed:
        failure.path = saved.get(str(Path(failure.path).resolve()), Path(failure.path).name)
        failed_paths.add(failure.path)
    report.failed = rejected + report.failed
    ok = [name for name in saved.values() if name not in failed_paths]
    return report, ok
