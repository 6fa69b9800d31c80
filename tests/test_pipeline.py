"""Ingestion runs end to end through the public API: incremental, pruning, bad files, crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from small_corpus import ENGLISH, write_corpus

from agent import Veraz


@pytest.fixture()
def rag(tmp_path: Path) -> Veraz:
    # Its own embedding cache: these tests count what a run embeds.
    instance = Veraz(home=tmp_path / "home", embedding_cache=tmp_path / "embeddings.sqlite")
    yield instance
    instance.close()


def test_ingest_then_retrieve_in_both_languages(rag: Veraz, tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    report = rag.ingest([tmp_path / "docs"])
    assert (report.added, report.failed) == (2, [])
    assert report.chunks >= 2 and report.embedded == report.chunks
    hit = rag.retrieve("¿Qué formato usa llama.cpp para modelos cuantizados?", k=1)[0]
    assert hit.source.endswith("cuantizacion.md") and "GGUF" in hit.text
    assert hit.language == "es" and hit.section == "Cuantización · GGUF"
    hit = rag.retrieve("How does RAG find passages?", k=1)[0]
    assert hit.source.endswith("rag.txt")
    assert set(hit.to_dict()) >= {"chunk_id", "doc_id", "source", "title", "page", "text", "score"}


def test_unchanged_rerun_embeds_nothing(rag: Veraz, tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    rag.ingest([tmp_path / "docs"])
    again = rag.ingest([tmp_path / "docs"])
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 2, 0)


def test_changed_file_replaces_its_chunks(rag: Veraz, tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    rag.ingest([tmp_path / "docs"])
    (tmp_path / "docs" / "rag.txt").write_text(ENGLISH + "\nRerankers reorder the top passages.\n")
    report = rag.ingest([tmp_path / "docs"])
    assert (report.updated, report.unchanged) == (1, 1)
    stats = rag.stats()
    assert stats["chunks"] == stats["vectors"]
    assert "Rerankers" in rag.retrieve("rerankers reorder passages", k=1)[0].text


def test_prune_removes_deleted_files_only_with_flag(rag: Veraz, tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    rag.ingest([tmp_path / "docs"])
    (tmp_path / "docs" / "rag.txt").unlink()
    assert rag.ingest([tmp_path / "docs"]).removed == 0
    assert rag.stats()["documents"] == 2
    assert rag.ingest([tmp_path / "docs"], prune=True).removed == 1
    assert rag.stats()["documents"] == 1
    assert all(h.source.endswith(".md") for h in rag.retrieve("BM25 dense vectors", k=5))


def test_same_text_in_two_files_is_embedded_once(rag: Veraz, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(ENGLISH)
    (docs / "b.txt").write_text(ENGLISH)
    report = rag.ingest([docs])
    assert report.added == 2 and report.embedded == report.chunks // 2


def test_bad_files_are_reported_and_the_rest_is_ingested(rag: Veraz, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (docs / "image.xyz").write_bytes(b"data")
    report = rag.ingest([docs, tmp_path / "missing.md"])
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf", "binary.txt", "image.xyz", "missing.md"}
    assert all(failed.values())
    assert report.added == 2


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "big.txt").write_text("palabra " * 200_000)
    rag = Veraz(home=tmp_path / "home", max_file_mb=1)
    report = rag.ingest([docs])
    assert [Path(f.path).name for f in report.failed] == ["big.txt"]
    assert "over the limit" in report.failed[0].error
    rag.close()


KILL_SCRIPT = """
import sys
from agent import Veraz
Veraz(home=sys.argv[1]).ingest([sys.argv[2]])
"""


@pytest.mark.slow
def test_sigkill_mid_ingest_keeps_last_committed_state(tmp_path: Path) -> None:
    """Kill real ingest processes at several moments; the index stays usable every time."""
    home, docs = tmp_path / "home", tmp_path / "docs"
    write_corpus(docs)
    rag = Veraz(home=home)
    rag.ingest([docs])
    rag.close()
    more = tmp_path / "more"
    more.mkdir()
    for i in range(60):
        (more / f"note{i}.md").write_text(
            f"# Nota {i}\n\nEl adaptador {i} usa rango {i % 16}.\n" * 20
        )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    for delay in (0.5, 2.0, 4.0, 6.0):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(home), str(more)], env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reopened = Veraz(home=home)
        stats = reopened.stats()
        assert stats["chunks"] == stats["vectors"]
        assert stats["documents"] in (2, 62)
        assert reopened.retrieve("formato GGUF", k=1)[0].source.endswith("cuantizacion.md")
        reopened.close()
    final = Veraz(home=home)
    report = final.ingest([more])
    assert report.failed == [] and final.stats()["documents"] == 62
    final.close()


def test_remove_drops_a_document_from_both_indexes(rag: Veraz, tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    rag.ingest([tmp_path / "docs"])
    assert rag.remove([tmp_path / "docs" / "rag.txt", tmp_path / "never.txt"]) == 1
    stats = rag.stats()
    assert (stats["documents"], stats["chunks"]) == (1, stats["vectors"])


def test_duplicate_content_added_later_is_not_embedded_again(rag: Veraz, tmp_path: Path) -> None:
    """A copy of a file under another name, in a later run: both are searchable documents,
    each with its own vectors, and the model runs on none of its chunks."""
    docs = tmp_path / "docs"
    write_corpus(docs)
    first = rag.ingest([docs])
    (docs / "copia-de-rag.txt").write_text(ENGLISH, encoding="utf-8")
    second = rag.ingest([docs])
    assert (second.added, second.unchanged, second.embedded) == (1, 2, 0)
    assert second.embedding_cache_hits == second.chunks > 0
    stats = rag.stats()
    assert stats["chunks"] == stats["vectors"] == first.chunks + second.chunks
    sources = {Path(h.source).name for h in rag.retrieve("RAG retrieves passages", k=3)}
    assert {"rag.txt", "copia-de-rag.txt"} <= sources


@pytest.mark.slow
def test_ten_thousand_tiny_files_in_one_folder(rag: Veraz, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(10_000):
        (docs / f"nota{i:05d}.txt").write_text(
            f"Nota {i}: el armario {i} guarda la pieza {i * 7919 % 100_003}.", encoding="utf-8"
        )
    report = rag.ingest([docs])
    assert (report.added, report.failed, report.chunks) == (10_000, [], 10_000)
    stats = rag.stats()
    assert (stats["documents"], stats["chunks"], stats["vectors"]) == (10_000, 10_000, 10_000)
    hit = rag.retrieve("¿Qué pieza guarda el armario 4321?", k=1)[0]
    assert hit.source.endswith("nota04321.txt")
    again = rag.ingest([docs])
    assert (again.unchanged, again.embedded, again.added) == (10_000, 0, 0)
    (docs / "nota00042.txt").unlink()
    assert rag.ingest([docs], prune=True).removed == 1
