"""``veraz doctor``: damage an index the ways the outside world can, find it, repair it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
import pytest
from small_corpus import write_corpus
from typer.testing import CliRunner

from agent import Veraz
from agent.cli import app
from ingestion.doctor import check, repair
from ingestion.index.sqlite import vector_file

cli = CliRunner()


@pytest.fixture()
def rag(tmp_path: Path) -> Iterator[Veraz]:
    write_corpus(tmp_path / "docs")
    (tmp_path / "docs" / "tercero.md").write_text(
        "# Tercero\n\nLos ornitorrincos ponen huevos y tienen pico de pato.\n", encoding="utf-8"
    )
    instance = Veraz(home=tmp_path / "home")
    instance.ingest([tmp_path / "docs"])
    yield instance
    instance.close()


def current_vectors(rag: Veraz) -> tuple[Path, faiss.Index]:
    with rag.index.snapshot() as snap:
        generation = snap.generation
    path = rag.index.directory / f"vectors.{generation}.faiss"
    return path, vector_file.read_index(path)


def edit_sqlite(rag: Veraz, *statements: tuple[str, tuple]) -> None:
    """Change the SQLite file behind Veraz's back (as a restored backup or a bug would)."""
    with sqlite3.connect(rag.index.db_path) as db:
        for sql, args in statements:
            db.execute(sql, args)


def chunk_rows(rag: Veraz) -> list[int]:
    with sqlite3.connect(rag.index.db_path) as db:  # not a snapshot: FAISS may be broken
        return [r for (r,) in db.execute("SELECT id FROM chunks ORDER BY id")]


def reopen(rag: Veraz) -> Veraz:
    """A fresh Veraz on the same home: nothing cached from before the damage."""
    rag.close()
    return Veraz(home=rag.settings.home)


def test_a_healthy_index_is_ok(rag: Veraz) -> None:
    report = check(rag.index)
    assert report.ok and not report.repaired
    assert (report.documents, report.chunks) == (3, report.vectors)
    assert report.to_dict()["orphan_vectors"] == {"count": 0, "sample": []}


def test_orphan_missing_and_duplicate_vectors_are_found_and_repaired(rag: Veraz) -> None:
    rows = chunk_rows(rag)
    path, index = current_vectors(rag)
    stolen = rows[0]
    index.remove_ids(np.asarray([stolen], dtype=np.int64))  # a chunk loses its vector
    noise = np.random.default_rng(0).standard_normal((2, index.d)).astype(np.float32)
    index.add_with_ids(noise[:1], np.asarray([999_999], dtype=np.int64))  # orphan vector
    index.add_with_ids(noise[1:], np.asarray([rows[1]], dtype=np.int64))  # a second copy
    vector_file.write_index_atomically(index, path)
    rag = reopen(rag)

    found = check(rag.index)
    assert (found.orphan_vectors, found.missing_vectors, found.duplicate_vectors) == (
        [999_999],
        [stolen],
        [rows[1]],
    )
    assert not found.ok and found.problems == 3
    fixed = repair(rag.index, rag.embedder)
    assert fixed.repaired and fixed.orphan_vectors == [999_999]
    after = check(rag.index)
    assert after.ok and after.vectors == after.chunks == len(rows)
    hits = rag.retrieve("ornitorrincos pico de pato", k=3, mode="dense")
    assert hits[0].source.endswith("tercero.md") and all(h.text for h in hits)
    rag.close()


def test_orphan_and_missing_fts_rows_and_wrong_counts_are_repaired(rag: Veraz) -> None:
    rows = chunk_rows(rag)
    platypus = rag.retrieve("ornitorrincos huevos", k=1, mode="bm25")[0]
    with rag.index.snapshot() as snap:
        (row,) = snap.db.execute(
            "SELECT id FROM chunks WHERE chunk_id = ?", (platypus.chunk_id,)
        ).fetchone()
    edit_sqlite(
        rag,
        ("DELETE FROM chunks_fts WHERE rowid = ?", (row,)),
        (
            "INSERT INTO chunks_fts (rowid, terms, prefixes) VALUES (?, 'fantasma', 'fanta')",
            (max(rows) + 50,),
        ),
        ("UPDATE documents SET chunk_count = 99 WHERE source LIKE '%rag.txt'", ()),
    )
    rag = reopen(rag)
    assert not rag.retrieve("ornitorrincos huevos", k=1, mode="bm25")  # BM25 lost it
    found = check(rag.index)
    assert found.missing_fts_rows == [row] and found.orphan_fts_rows == [max(rows) + 50]
    assert [Path(s).name for s in found.wrong_chunk_counts] == ["rag.txt"]
    repair(rag.index, rag.embedder)
    assert check(rag.index).ok
    assert rag.retrieve("ornitorrincos huevos", k=1, mode="bm25")[0].chunk_id == platypus.chunk_id
    assert not rag.retrieve("fantasma", k=1, mode="bm25")
    rag.close()


def test_document_without_chunks_is_removed_so_the_next_run_reingests_it(
    rag: Veraz, tmp_path: Path
) -> None:
    edit_sqlite(
        rag,
        ("DELETE FROM chunks_fts WHERE rowid IN (SELECT c.id FROM chunks c JOIN documents d"
         " ON d.id = c.doc_row WHERE d.source LIKE '%tercero.md')", ()),
        ("DELETE FROM chunks WHERE doc_row IN (SELECT id FROM documents"
         " WHERE source LIKE '%tercero.md')", ()),
    )  # fmt: skip
    rag = reopen(rag)
    assert rag.ingest([tmp_path / "docs"]).unchanged == 3  # looks done, is not searchable
    found = check(rag.index)
    assert [Path(s).name for s in found.documents_without_chunks] == ["tercero.md"]
    assert len(found.orphan_vectors) >= 1  # its vectors lost their rows too
    repair(rag.index, rag.embedder)
    assert check(rag.index).ok
    again = rag.ingest([tmp_path / "docs"])
    assert (again.added, again.unchanged, again.embedded) == (1, 2, 0)
    assert rag.retrieve("ornitorrincos", k=1)[0].source.endswith("tercero.md")
    rag.close()


def test_unreadable_vector_file_is_rebuilt_from_the_chunks(rag: Veraz) -> None:
    path, _ = current_vectors(rag)
    path.write_bytes(b"not a faiss index")
    rag = reopen(rag)
    found = check(rag.index)
    assert found.vector_file_problem.startswith(f"{path.name} cannot be read")
    assert found.missing_vectors == chunk_rows(rag)
    fixed = repair(rag.index, rag.embedder)
    assert fixed.repaired
    after = check(rag.index)
    assert after.ok and after.vectors == after.chunks
    assert rag.retrieve("ornitorrincos pico de pato", k=1, mode="dense")[0].source.endswith(
        "tercero.md"
    )
    rag.close()


def test_doctor_command_json_and_exit_codes(rag: Veraz) -> None:
    home = str(rag.settings.home)
    path, index = current_vectors(rag)
    index.add_with_ids(
        np.ones((1, index.d), dtype=np.float32) / np.sqrt(index.d),
        np.asarray([424_242], dtype=np.int64),
    )
    vector_file.write_index_atomically(index, path)
    rag.close()

    result = cli.invoke(app, ["doctor", "--json", "--home", home])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["repaired"] is False
    assert data["orphan_vectors"] == {"count": 1, "sample": [424_242]}
    assert set(data) >= {"collection", "documents", "chunks", "vectors", "missing_vectors"}

    result = cli.invoke(app, ["doctor", "--repair", "--json", "--home", home])
    assert result.exit_code == 0 and json.loads(result.stdout)["repaired"] is True
    result = cli.invoke(app, ["doctor", "--home", home])
    assert result.exit_code == 0 and "healthy" in result.output
