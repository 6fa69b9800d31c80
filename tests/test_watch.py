"""Watch mode: real file-system events (watchfiles) keep a collection in step, debounced."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from small_corpus import write_corpus

from agent.config import Settings
from agent.scheduling.watcher import plan_changes, watch
from ingestion.run_log import RunRecord
from ingestion.source_selection import scopes
from ingestion.sources import SourceConfig


def test_plan_changes_ingests_new_files_walks_new_folders_and_drops_gone_ones(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "moved-in" / "deep").mkdir(parents=True)
    (docs / "moved-in" / "deep" / "a.md").write_text("# A", encoding="utf-8")
    (docs / "photo.jpg").write_bytes(b"jpeg")
    (docs / ".swap.md").write_text("x", encoding="utf-8")
    source = SourceConfig(name="w", paths=[str(docs)], exclude=["drafts/*"])
    folders, files, _ = scopes(source)
    root = folders[0].root
    stored = {
        str(root / "old.md"),  # deleted
        str(root / "gone" / "b.md"),  # its folder moved away
        str(root / "gone" / "c.md"),
        str(root / "rag.txt"),  # still there
        str(tmp_path / "elsewhere.md"),  # not this source's
    }
    changed = {
        root / "rag.txt",
        root / "moved-in",
        root / "photo.jpg",
        root / ".swap.md",
        root / "old.md",
        root / "gone",
        tmp_path / "elsewhere.md",
    }
    found, removals = plan_changes(changed, folders, files, stored)
    assert sorted(p.relative_to(root).as_posix() for p in found.files) == [
        "moved-in/deep/a.md",
        "rag.txt",
    ]
    assert removals == sorted(
        [str(root / "gone" / "b.md"), str(root / "gone" / "c.md"), str(root / "old.md")]
    )


class Watching:
    """``watch`` running in a thread, with helpers to wait for what it does."""

    def __init__(self, settings: Settings, source: SourceConfig) -> None:
        self.runs: list[RunRecord] = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._main, args=(settings, source))

    def _main(self, settings: Settings, source: SourceConfig) -> None:
        try:
            watch(
                settings,
                source,
                debounce_ms=300,
                stop=self.stop,
                on_run=self.runs.append,
                ready=self.ready,
            )
        except BaseException as exc:
            self.failure.append(exc)
            self.ready.set()

    def until(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert not self.failure, self.failure
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; runs: {self.runs}")


@pytest.fixture()
def watching(tmp_path: Path) -> Iterator[tuple[Watching, Path, Settings]]:
    docs = tmp_path / "docs"
    write_corpus(docs)
    settings = Settings(home=tmp_path / "home")
    source = SourceConfig(name="watch:docs", paths=[str(docs)])
    watcher = Watching(settings, source)
    watcher.thread.start()
    assert watcher.ready.wait(120) and not watcher.failure, watcher.failure
    yield watcher, docs.resolve(), settings
    watcher.stop.set()
    watcher.thread.join(timeout=60)
    assert not watcher.thread.is_alive()


def stored(settings: Settings) -> dict[str, str]:
    from agent import Veraz

    rag = Veraz(settings=settings)
    try:
        return {Path(s).name: d.content_hash for s, d in rag.index.documents().items()}
    finally:
        rag.close()


def test_watch_follows_additions_edits_renames_and_deletions(
    watching: tuple[Watching, Path, Settings],
) -> None:
    watcher, docs, settings = watching
    assert watcher.runs[0].added == 2  # the full first pass
    (docs / "nueva.md").write_text("# Nueva\n\nEl ornitorrinco pone huevos.\n", encoding="utf-8")
    watcher.until(lambda: "nueva.md" in stored(settings), "the new file")
    before = stored(settings)["nueva.md"]
    (docs / "nueva.md").write_text("# Nueva\n\nEl ornitorrinco nada.\n", encoding="utf-8")
    watcher.until(lambda: stored(settings).get("nueva.md") != before, "the edit")
    (docs / "nueva.md").rename(docs / "renombrada.md")
    watcher.until(
        lambda: set(stored(settings)) == {"cuantizacion.md", "rag.txt", "renombrada.md"},
        "the rename",
    )
    (docs / "rag.txt").unlink()
    watcher.until(lambda: "rag.txt" not in stored(settings), "the deletion")
    assert all(run.status == "ok" for run in watcher.runs)
    assert [r.trigger for r in watcher.runs] == ["watch"] * len(watcher.runs)


def test_a_burst_of_changes_makes_one_or_two_runs(
    watching: tuple[Watching, Path, Settings],
) -> None:
    watcher, docs, settings = watching
    first = len(watcher.runs)
    for i in range(30):
        (docs / f"nota{i:02d}.md").write_text(f"# Nota {i}\n\nValor {i}.\n", encoding="utf-8")
    watcher.until(lambda: sum(r.added for r in watcher.runs[first:]) == 30, "30 files")
    time.sleep(1.0)  # nothing left pending
    assert 1 <= len(watcher.runs) - first <= 3, [r.added for r in watcher.runs[first:]]
    assert len(stored(settings)) == 32


@pytest.mark.slow
def test_watch_command_prints_one_json_line_per_run(tmp_path: Path) -> None:
    """``veraz watch --json`` in a real process: a line per run, then SIGTERM ends it."""
    import os
    import signal
    import subprocess
    import sys

    docs = tmp_path / "docs"
    write_corpus(docs)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from agent.cli import app; app()", "watch", str(docs), "--json"],
        env={**os.environ, "PYTHONPATH": os.getcwd(), "VERAZ_HOME": str(tmp_path / "home")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    assert (first["source"], first["trigger"], first["added"]) == ("watch:docs", "watch", 2)
    (docs / "otra.md").write_text("# Otra\n\nUna nota más.\n", encoding="utf-8")
    second = json.loads(proc.stdout.readline())
    assert (second["added"], second["status"]) == (1, "ok")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
