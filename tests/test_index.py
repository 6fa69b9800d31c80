"""The collection index: commits across SQLite and FAISS are all-or-nothing, even on SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ingestion.index import DocumentRecord, IndexMismatchError, ModelRecord, NewChunk
from ingestion.index.sqlite import SqliteStore

DIM = 8


def make_doc(source: str, texts: list[str], seed: int = 0) -> tuple[DocumentRecord, list[NewChunk]]:
    rng = np.random.default_rng(seed)
    record = DocumentRecord(
        doc_id=f"id-{source}",
        source=source,
        title=source,
        language="en",
        file_type="txt",
        content_hash=f"h{seed}",
        size=1,
        mtime=0.0,
    )
    chunks = []
    for i, text in enumerate(texts):
        vec = rng.normal(size=DIM).astype(np.float32)
        chunks.append(
            NewChunk(
                chunk_id=f"{source}-{i}-{seed}",
                ordinal=i,
                text=text,
                section="",
                page=None,
                start=0,
                end=len(text),
                vector=vec / np.linalg.norm(vec),
            )
        )
    return record, chunks


def consistent(col: SqliteStore) -> dict[str, int]:
    counts = col.counts()
    assert counts["chunks"] == counts["vectors"], counts
    return counts


def test_commit_replace_and_remove(tmp_path: Path) -> None:
    col = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    col.commit(
        [
            make_doc("a", ["quantization of weights", "rank of the adapter"]),
            make_doc("b", ["hybrid search with BM25"]),
        ]
    )
    assert consistent(col) == {"documents": 2, "chunks": 3, "vectors": 3}
    col.commit([make_doc("a", ["only one chunk now"], seed=1)])
    assert consistent(col)["chunks"] == 2
    col.commit([], removals=["b"])
    assert consistent(col) == {"documents": 1, "chunks": 1, "vectors": 1}
    with col.snapshot() as snap:
        assert snap.lexical("hybrid search", "en", 5) == []
        hits = snap.lexical("chunk", "en", 5)
        assert len(hits) == 1
        stored = snap.chunks([hits[0][0]])
        assert stored[hits[0][0]].text == "only one chunk now"


def test_only_current_and_previous_vector_files_are_kept(tmp_path: Path) -> None:
    col = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    for seed in range(4):
        col.commit([make_doc("a", ["text"], seed=seed)])
    assert sorted(p.name for p in tmp_path.glob("vectors.*")) == [
        "vectors.3.faiss",
        "vectors.4.faiss",
    ]


def test_other_embedding_model_is_refused(tmp_path: Path) -> None:
    SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    with pytest.raises(IndexMismatchError, match="VERAZ_EMBEDDING_MODEL"):
        SqliteStore(tmp_path, model=ModelRecord("other", DIM))


def test_reader_sees_new_generation_from_another_instance(tmp_path: Path) -> None:
    reader = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    writer = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    assert reader.counts()["chunks"] == 0
    writer.commit([make_doc("a", ["one", "two"])])
    assert consistent(reader)["chunks"] == 2


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_index import make_doc
    from ingestion.index import ModelRecord
    from ingestion.index.sqlite import SqliteStore, vector_file

    real_write = vector_file.write_index_atomically

    def write_then_die(index, path):
        real_write(index, path)          # the new FAISS generation is on disk...
        if {stage!r} == "after_faiss":
            os.kill(os.getpid(), signal.SIGKILL)   # ...but SQLite never commits

    vector_file.write_index_atomically = write_then_die
    col = SqliteStore({path!r}, model=ModelRecord("m", 8))
    if {stage!r} == "during_sql":
        import sqlite3
        real_commit = col._commit_locked
        def die_in_sql(db, upserts, removals):
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM chunks")
            os.kill(os.getpid(), signal.SIGKILL)
        col._commit_locked = die_in_sql
    col.commit([make_doc("new", ["brand new text"] * 5, seed=9)], removals=["a"])
    """
)


@pytest.mark.parametrize("stage", ["after_faiss", "during_sql"])
def test_sigkill_inside_commit_leaves_previous_state(tmp_path: Path, stage: str) -> None:
    col = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    col.commit([make_doc("a", ["quantization of weights", "adapter rank"])])
    col.close()
    script = CRASH_SCRIPT.format(tests=str(Path(__file__).parent), path=str(tmp_path), stage=stage)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    reopened = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    assert consistent(reopened) == {"documents": 1, "chunks": 2, "vectors": 2}
    with reopened.snapshot() as snap:
        assert len(snap.lexical("quantization", "en", 5)) == 1
    assert not [
        p
        for p in tmp_path.glob("vectors.*")
        if p.name not in ("vectors.0.faiss", "vectors.1.faiss")
    ]
    reopened.commit([make_doc("new", ["brand new text"], seed=3)])
    assert consistent(reopened)["documents"] == 2


def test_reader_whose_generation_vanished_reads_the_newer_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commits land between a reader seeing generation N and opening its vector file,
    so the file is already deleted: the reader takes a fresh view instead of failing."""
    from ingestion.index.sqlite import vector_file

    reader = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    writer = SqliteStore(tmp_path, model=ModelRecord("m", DIM))
    writer.commit([make_doc("a", ["first version"], seed=1)])
    real_read = vector_file.read_index
    raced: list[str] = []

    def two_commits_first(path: Path):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(path.name)
            writer.commit([make_doc("a", ["second version"], seed=2)])
            writer.commit([make_doc("a", ["third version", "and more"], seed=3)])
        return real_read(path)

    monkeypatch.setattr(vector_file, "read_index", two_commits_first)
    with reader.snapshot() as snap:
        assert snap.generation == 3 and snap.vectors.ntotal == 2
        assert snap.lexical("third", "en", 5)
    assert raced == ["vectors.1.faiss"]
