"""Queries while the index is being written: never an error, never a half-committed state,
never a wait for the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from pathlib import Path

from small_corpus import write_corpus
from test_index import make_doc

from agent import Veraz
from ingestion.index import ModelRecord
from ingestion.index.sqlite import SqliteStore

QUERY_THREADS = 8
FILES = 16


def test_eight_query_threads_during_an_ingest_run(tmp_path: Path) -> None:
    """Every query answers, from a consistent generation, while a run ingests files."""
    write_corpus(tmp_path / "docs")
    rag = Veraz(home=tmp_path / "home")
    rag.ingest([tmp_path / "docs"])
    before = {str(p) for p in rag.index.documents()}
    more = tmp_path / "more"
    more.mkdir()
    for i in range(FILES):
        (more / f"nota{i:02d}.md").write_text(
            f"# Nota {i}\n\n"
            + " ".join(f"El adaptador {i} usa rango {j} y {i * j} GB." for j in range(12)),
            encoding="utf-8",
        )
    errors: list[str] = []
    answered: list[list[tuple[float, float]]] = [[] for _ in range(QUERY_THREADS)]
    warm = threading.Barrier(QUERY_THREADS + 1)
    finished = threading.Event()

    def ask(number: int) -> None:
        reader = Veraz(home=tmp_path / "home") if number % 2 else rag  # shared and separate
        query = "formato GGUF de llama.cpp" if number % 3 else "adaptador rango"
        reader.retrieve(query, 5)  # opened and warm before the run starts
        warm.wait()
        while not finished.is_set():
            began = time.monotonic()
            try:
                with reader.index.snapshot() as snap:
                    rows = snap.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
                    assert rows == snap.vectors.ntotal, "SQLite and FAISS disagree"
                hits = reader.retrieve(query, 5)
                assert hits and all(h.text for h in hits)
                assert all(h.source in before or h.source.startswith(str(more)) for h in hits)
            except Exception:
                errors.append(traceback.format_exc())
                break
            answered[number].append((began, time.monotonic()))
        if reader is not rag:
            reader.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(QUERY_THREADS)]
    for thread in threads:
        thread.start()
    warm.wait(timeout=120)
    run_began = time.monotonic()
    report = rag.ingest([more])
    run_ended = time.monotonic()
    finished.set()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors[0]
    assert (report.added, report.failed) == (FILES, [])
    # Every thread got answers while the run was going: nobody waited for it to end.
    inside = [sum(run_began <= a and b <= run_ended for a, b in times) for times in answered]
    assert all(inside), inside
    stats = rag.stats()
    assert (stats["documents"], stats["chunks"]) == (FILES + 2, stats["vectors"])
    rag.close()


HOLD_COMMIT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_index import make_doc
    from ingestion.index import ModelRecord
    from ingestion.index.sqlite import SqliteStore, vector_file

    go = Path({go!r})
    real_write = vector_file.write_index_atomically

    def write_then_wait(index, path):
        real_write(index, path)
        Path({holding!r}).touch()      # SQLite transaction open, rows changed, lock held
        while not go.exists():
            time.sleep(0.02)

    vector_file.write_index_atomically = write_then_wait
    col = SqliteStore({path!r}, model=ModelRecord("m", 8))
    col.commit([make_doc("nuevo", ["ornitorrinco con pico de pato"] * 3, seed=5)],
               removals=["a"])
    """
)


def test_readers_are_not_blocked_by_a_commit_in_progress(tmp_path: Path) -> None:
    """A writer stopped inside its commit (write lock held, SQLite changed but not
    committed): queries in 8 threads still answer, from the last committed state."""
    col = SqliteStore(tmp_path, model=ModelRecord("m", 8))
    col.commit([make_doc("a", ["quantization of weights", "adapter rank"])])
    holding, go = tmp_path / "holding", tmp_path / "go"
    script = HOLD_COMMIT.format(
        tests=str(Path(__file__).parent), path=str(tmp_path), holding=str(holding), go=str(go)
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": os.getcwd()}
    )
    try:
        deadline = time.monotonic() + 60
        while not holding.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holding.exists(), "the writer never reached its commit"
        seen: list[tuple[int, int, int]] = []
        errors: list[str] = []

        def query() -> None:
            reader = SqliteStore(tmp_path, model=ModelRecord("m", 8))
            try:
                with reader.snapshot() as snap:
                    found = snap.lexical("quantization", "en", 5)
                    platypus = snap.lexical("ornitorrinco", "es", 5)
                    seen.append((len(found), len(platypus), snap.vectors.ntotal))
            except Exception:
                errors.append(traceback.format_exc())
            finally:
                reader.close()

        threads = [threading.Thread(target=query) for _ in range(QUERY_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in threads), "a query waited for the writer"
        assert errors == [], errors[0]
        assert seen == [(1, 0, 2)] * QUERY_THREADS  # the old state, whole
    finally:
        go.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    after = SqliteStore(tmp_path, model=ModelRecord("m", 8))
    with after.snapshot() as snap:
        assert snap.lexical("quantization", "en", 5) == []
        assert len(snap.lexical("ornitorrinco", "es", 5)) == 3
