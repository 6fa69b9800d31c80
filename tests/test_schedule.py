"""Scheduled sources: configuration, which files a source takes, recorded runs, locking,
the APScheduler loop, ``veraz schedule`` / ``veraz status`` and a clean SIGTERM."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from small_corpus import write_corpus
from typer.testing import CliRunner

from agent.cli import app
from agent.config import Settings
from agent.scheduling.runner import SourceRunner, source_lock
from agent.scheduling.scheduler import run_once, serve
from ingestion.index import ModelRecord
from ingestion.index.sqlite import SqliteStore
from ingestion.run_log import RunLog
from ingestion.source_selection import glob_match, select
from ingestion.sources import SourceConfig

cli = CliRunner()


def settings_for(home: Path, *sources: SourceConfig) -> Settings:
    return Settings(home=home, sources=list(sources))


@pytest.fixture()
def runner(tmp_path: Path) -> Iterator[SourceRunner]:
    instance = SourceRunner(settings_for(tmp_path / "home"))
    yield instance
    instance.close()
    instance.run_log.close()


# --------------------------------------------------------------------------- configuration


def test_sources_from_veraz_toml_and_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VERAZ_SOURCES", raising=False)
    (tmp_path / "veraz.toml").write_text(
        """
[[sources]]
name = "papers"
paths = ["~/papers", "~/notes/**/*.md"]
every = "15m"
include = "*.pdf"

[[sources]]
name = "correo"
paths = ["/srv/mail"]
cron = "0 7 * * 1-5"
collection = "mail"
prune = false
""",
        encoding="utf-8",
    )
    papers, mail = Settings().sources
    assert (papers.name, papers.interval_seconds, papers.include) == ("papers", 900.0, ["*.pdf"])
    assert papers.schedule_text() == "every 15m" and papers.collection_or("default") == "default"
    assert (mail.cron, mail.interval_seconds, mail.prune) == ("0 7 * * 1-5", None, False)
    assert mail.schedule_text() == "cron 0 7 * * 1-5" and mail.collection_or("x") == "mail"

    monkeypatch.setenv("VERAZ_SOURCES", '[{"name": "env", "paths": ["/tmp"], "every": 90}]')
    (only,) = Settings().sources  # the environment wins over veraz.toml
    assert (only.name, only.interval_seconds, only.schedule_text()) == ("env", 90.0, "every 90s")
    assert SourceConfig(name="d", paths=["/x"]).schedule_text() == "every 1h"  # the default


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"name": "a", "paths": ["/x"], "every": "soon"}, "is not a duration"),
        ({"name": "a", "paths": ["/x"], "every": "0.1s"}, "at least 1 s"),
        ({"name": "a", "paths": ["/x"], "cron": "61 * * * *"}, "is not a crontab expression"),
        ({"name": "a", "paths": ["/x"], "cron": "0 * * * *", "every": "1h"}, "not both"),
        ({"name": "../a", "paths": ["/x"]}, "source name '../a'"),
        ({"name": "a", "paths": []}, "at least 1 item"),
        ({"name": "a", "paths": ["/x"], "colection": "typo"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_sources_are_refused_with_a_reason(source: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(sources=[source])


def test_source_names_are_unique() -> None:
    with pytest.raises(ValidationError, match="repeated: a"):
        Settings(sources=[{"name": "a", "paths": ["/x"]}, {"name": "a", "paths": ["/y"]}])


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a.md", "*.md", True),
        ("sub/a.md", "*.md", False),
        ("sub/a.md", "**/*.md", True),
        ("a.md", "**/*.md", True),
        ("x/y/z/a.md", "x/**/a.md", True),
        ("x/a.md", "x/*/a.md", False),
        ("drafts/v1/a.md", "drafts/**", True),
    ],
)
def test_glob_match(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


def tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"contenido de {name}", encoding="utf-8")


def names(source: SourceConfig, root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in select(source).files)


def test_selection_by_folder_glob_include_and_exclude(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    tree(
        root,
        [
            "a.md",
            "b.pdf",
            "photo.jpg",
            "notes/c.md",
            "notes/drafts/d.md",
            "drafts/e.txt",
            ".hidden/f.md",
            ".g.md",
        ],
    )
    everything = SourceConfig(name="s", paths=[str(root)])
    assert names(everything, root) == [
        "a.md",
        "b.pdf",
        "drafts/e.txt",
        "notes/c.md",
        "notes/drafts/d.md",
    ]  # no photo: without include patterns a source takes only the types Veraz reads
    filtered = SourceConfig(name="s", paths=[str(root)], include=["*.md"], exclude=["drafts/**"])
    assert names(filtered, root) == ["a.md", "notes/c.md", "notes/drafts/d.md"]
    by_path = SourceConfig(name="s", paths=[str(root)], exclude=["**/drafts/*"])
    assert names(by_path, root) == ["a.md", "b.pdf", "notes/c.md"]
    globbed = SourceConfig(name="s", paths=[str(root / "notes" / "**" / "*.md")])
    assert names(globbed, root) == ["notes/c.md", "notes/drafts/d.md"]
    asked = SourceConfig(name="s", paths=[str(root)], include=["*.jpg"])
    assert names(asked, root) == ["photo.jpg"]  # named by a pattern: taken (and reported)


def test_missing_paths_are_reported(tmp_path: Path) -> None:
    source = SourceConfig(
        name="s", paths=[str(tmp_path / "gone"), str(tmp_path / "nowhere" / "**" / "*.md")]
    )
    found = select(source)
    assert found.files == [] and found.folders == []
    assert [f.error for f in found.failed] == [
        "file or folder not found",
        f"folder not found: {tmp_path / 'nowhere'}",
    ]


# --------------------------------------------------------------------------- runs


def source_on(docs: Path, **extra: object) -> SourceConfig:
    return SourceConfig(name="docs", paths=[str(docs)], **extra)


def test_runs_are_recorded_with_counts_and_errors(runner: SourceRunner, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "roto.pdf").write_bytes(b"%PDF-1.7 not really")
    source = source_on(docs)
    first = runner.run(source, "once")
    assert (first.status, first.added, first.failed, first.trigger) == ("partial", 2, 1, "once")
    assert first.errors == [{"path": str(docs / "roto.pdf"), "error": first.errors[0]["error"]}]
    assert first.errors[0]["error"].startswith("not a valid PDF")
    assert first.finished_at is not None and first.finished_at >= first.started_at
    (docs / "roto.pdf").unlink()
    second = runner.run(source, "once")
    assert (second.status, second.unchanged, second.embedded, second.failed) == ("ok", 2, 0, 0)
    assert [r.id for r in runner.run_log.last_runs("docs")] == [second.id, first.id]


def test_a_missing_folder_prunes_nothing(runner: SourceRunner, tmp_path: Path) -> None:
    """An unmounted drive looks like a missing folder: the index must keep its documents."""
    docs = tmp_path / "docs"
    write_corpus(docs)
    source = source_on(docs)
    assert runner.run(source, "once").added == 2
    docs.rename(tmp_path / "elsewhere")
    record = runner.run(source, "once")
    assert (record.status, record.removed) == ("partial", 0)
    assert record.errors == [{"path": str(docs), "error": "file or folder not found"}]
    assert len(runner.veraz("default").index.documents()) == 2


def test_deleted_and_renamed_files_leave_both_indexes(runner: SourceRunner, tmp_path: Path) -> None:
    from ingestion.doctor import check

    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "extra.md").write_text("# Extra\n\nEl ornitorrinco pone huevos.\n", encoding="utf-8")
    source = source_on(docs)
    runner.run(source, "once")
    rag = runner.veraz("default")
    (docs / "rag.txt").rename(docs / "sub-rag.txt")
    (docs / "extra.md").unlink()
    record = runner.run(source, "once")
    assert (record.added, record.removed, record.embedded) == (1, 2, 0)  # moved: no re-embedding
    assert sorted(Path(s).name for s in rag.index.documents()) == ["cuantizacion.md", "sub-rag.txt"]
    assert not rag.retrieve("ornitorrinco huevos", k=5, mode="bm25")
    assert {Path(h.source).name for h in rag.retrieve("RAG retrieves passages", k=5)} == {
        "sub-rag.txt",
        "cuantizacion.md",
    }
    health = check(rag.index)
    assert health.ok and health.chunks == health.vectors


def test_overlapping_runs_of_one_source_are_skipped(runner: SourceRunner, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    source = source_on(docs)
    with source_lock(runner.settings.home, "docs") as held:  # another run holds the source
        assert held
        record = runner.run(source, "schedule")
    assert (record.status, record.added) == ("skipped", 0)
    assert record.message == "another run of this source was in progress"
    assert runner.veraz("default").index.documents() == {}
    assert runner.run(source, "schedule").status == "ok"  # free again


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(
    runner: SourceRunner, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    dead = runner.run_log.start("docs", "default", "schedule")
    with sqlite3.connect(runner.run_log.path) as db:  # as if written by a process now gone
        db.execute("UPDATE runs SET pid = 999999999 WHERE id = ?", (dead,))
    runner.run(source_on(docs), "once")
    assert runner.run_log.get(dead).status == "interrupted"


def test_a_run_that_cannot_open_its_collection_is_an_error(
    runner: SourceRunner, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    SqliteStore(runner.settings.home / "collections" / "otro", model=ModelRecord("m", 8))
    record = runner.run(source_on(docs, collection="otro"), "once")
    assert record.status == "error" and "EmbeddingModelMismatch" in record.message
    assert "veraz reindex --collection otro" in record.message
    assert record.finished_at is not None


def test_serve_runs_each_interval_without_overlap_and_stops(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    yearly = SourceConfig(name="yearly", paths=[str(docs)], cron="0 0 1 1 *")
    settings = settings_for(tmp_path / "home", source_on(docs, every="1s"), yearly)
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(settings, settings.sources), kwargs={"stop": stop}
    )
    thread.start()
    log = RunLog(settings.home / "runs.sqlite")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [r for r in log.last_runs("docs", 10) if r.status != "running"]
            if len(done) >= 3:
                break
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    runs = sorted(log.last_runs("docs", 50), key=lambda r: r.started_at)
    assert len(runs) >= 3 and all(r.status == "ok" for r in runs)
    assert runs[0].added == 2 and all(r.unchanged == 2 for r in runs[1:])
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and before.finished_at <= after.started_at
    assert log.last_runs("yearly") == []  # a cron source waits for its time
    log.close()


# --------------------------------------------------------------------------- the commands


def test_schedule_once_and_status_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    monkeypatch.setenv("VERAZ_SOURCES", json.dumps([{"name": "docs", "paths": [str(docs)]}]))
    home = str(tmp_path / "home")
    result = cli.invoke(app, ["schedule", "--once", "--json", "--home", home])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.stdout)["runs"]
    assert set(run) == {
        "id",
        "source",
        "collection",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "seconds",
        "added",
        "updated",
        "unchanged",
        "removed",
        "failed",
        "chunks",
        "embedded",
        "errors",
        "message",
        "pid",
    }
    assert (run["source"], run["status"], run["added"]) == ("docs", "ok", 2)

    result = cli.invoke(app, ["status", "--json", "--home", home])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["home"] == home
    (source,) = status["sources"]
    assert source["name"] == "docs" and source["schedule"] == "every 1h"
    assert source["collection"] == "default" and source["running"] is False
    assert source["last_runs"][0]["id"] == run["id"]
    (collection,) = status["collections"]
    assert collection["collection"] == "default"
    assert (collection["documents"], collection["chunks"]) == (2, run["chunks"])
    assert collection["bytes"] > 0 and collection["last_change"].endswith("+00:00")


def test_schedule_once_exits_1_when_a_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    home = tmp_path / "home"
    SqliteStore(home / "collections" / "otro", model=ModelRecord("m", 8))
    sources = [{"name": "docs", "paths": [str(docs)], "collection": "otro"}]
    monkeypatch.setenv("VERAZ_SOURCES", json.dumps(sources))
    result = cli.invoke(app, ["schedule", "--once", "--home", str(home)])
    assert result.exit_code == 1 and "docs error" in result.output


def test_schedule_without_sources_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VERAZ_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["schedule", "--once", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "no sources configured" in result.output
    result = cli.invoke(app, ["schedule", "--source", "nope", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "no source named 'nope'" in result.output


def embedded_so_far(home: Path) -> int:
    """Vectors in the embedding cache: how far a run in another process has got."""
    path = home / "cache" / "embeddings.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.OperationalError:  # the table is being created
        return 0


FILES = 600


@pytest.mark.slow
def test_veraz_schedule_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """SIGTERM mid-run: the process commits what it read, records the run, exits 0."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(FILES):
        (docs / f"nota{i:03d}.md").write_text(
            f"# Nota {i}\n\n" + f"El registro {i} describe el lote {i * 7} del almacén. " * 30,
            encoding="utf-8",
        )
    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if k != "VERAZ_EMBEDDING_CACHE"},
        "PYTHONPATH": os.getcwd(),
        "VERAZ_HOME": str(home),
        # Signal handling is under test, not the embedder: the fast model keeps it short.
        "VERAZ_EMBEDDING_MODEL": "all-MiniLM-L6-v2",
        "VERAZ_SOURCES": json.dumps([{"name": "docs", "paths": [str(docs)], "every": "1h"}]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from agent.cli import app; app()", "schedule"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and embedded_so_far(home) == 0:
        time.sleep(0.2)  # wait until the run has read files and embedded a first group
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr[-3000:]
    assert "SIGTERM received" in stderr and "scheduler stopped" in stderr
    log = RunLog(home / "runs.sqlite")
    (run,) = log.last_runs("docs")
    assert run.status == "stopped" and 0 < run.added < FILES, run
    stored = Settings(home=home)
    counts = SqliteStore(stored.collection_dir, model=None).counts()
    assert counts["documents"] == run.added and counts["chunks"] == counts["vectors"]
    finish = Settings(home=home, sources=[source_on(docs)], embedding_model="all-MiniLM-L6-v2")
    (rest,) = run_once(finish, [source_on(docs)])
    assert (rest.status, rest.added, rest.unchanged) == ("ok", FILES - run.added, run.added)
    log.close()
