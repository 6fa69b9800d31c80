"""What a new user meets in the first five minutes, on a fresh machine.

Each test is a case met by following the README on a fresh clone with a fresh ``HOME``
and ``VERAZ_HOME``: the UI must come up with no TTY and no Streamlit history, an empty
collection must say it is empty, and ``veraz ingest`` must tell a script (by its exit
code) when nothing was ingested.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from small_corpus import write_corpus
from typer.testing import CliRunner

from agent import Veraz
from agent.cli import app

VERAZ = Path(sys.executable).with_name("veraz")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_veraz_ui_comes_up_without_a_tty_on_a_machine_streamlit_never_ran_on(
    tmp_path: Path,
) -> None:
    """`veraz ui` as the README shows it (browser wanted), HOME without ~/.streamlit, stdin
    closed: the health check answers and the browser is sent to the page."""
    home = tmp_path / "home"
    home.mkdir()
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    port = _free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "VERAZ_HOME": str(tmp_path / "veraz"),
        "BROWSER": str(browser),
    }
    process = subprocess.Popen(
        [str(VERAZ), "ui", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        healthy = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    healthy = r.read().decode() == "ok"
            except OSError:
                time.sleep(0.5)
        assert healthy, "the UI never answered its health check"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not opened.exists():
            time.sleep(0.2)
        assert opened.read_text(encoding="utf-8").strip() == f"http://127.0.0.1:{port}"
        assert not (home / ".streamlit" / "credentials.toml").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Email" not in output


# ------------------------------------------------------------------ veraz ingest exit codes


def _ingest(*args: str, home: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["ingest", *args, "--home", str(home)])


def test_ingest_of_a_missing_path_is_a_usage_error_and_ingests_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    result = _ingest(str(docs), str(tmp_path / "does-not-exist"), home=tmp_path / "home")
    assert result.exit_code == 2
    said = " ".join(result.output.split())  # the console wraps long paths at its width
    assert "does-not-exist" in said and "nothing was ingested" in said
    assert Veraz(home=tmp_path / "home").stats()["documents"] == 0


def test_ingest_exits_1_when_every_file_failed_or_there_were_none(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    failed = _ingest(str(bad), home=tmp_path / "home")
    assert failed.exit_code == 1
    assert "every file failed" in failed.output
    empty = tmp_path / "empty"
    empty.mkdir()
    none = _ingest(str(empty), home=tmp_path / "home")
    assert none.exit_code == 1 and "no files found" in none.output


def test_ingest_exits_0_when_some_files_failed_and_lists_them(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "empty.txt").write_text("", encoding="utf-8")
    result = _ingest(str(docs), home=tmp_path / "home")
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "empty.txt" in result.output


# ------------------------------------------------------------------ asking an empty collection


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("¿Qué es QLoRA?", "La colección «default» está vacía"),
        ("What is QLoRA?", "The collection “default” is empty"),
        ("Compare LoRA and QLoRA", "The collection “default” is empty"),  # decompose path
    ],
)
def test_asking_an_empty_collection_says_it_is_empty_and_how_to_fill_it(
    tmp_path: Path, question: str, expected: str
) -> None:
    answer = Veraz(home=tmp_path).ask(question)
    assert answer.abstained
    assert answer.answer.startswith(expected)
    assert "veraz ingest" in answer.answer
    assert answer.verification.method == "abstained: the collection is empty"


def test_asking_after_ingesting_is_not_the_empty_collection_message(tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    rag = Veraz(home=tmp_path / "home")
    rag.ingest([tmp_path / "docs"])
    answer = rag.ask("¿Qué es Kubernetes?")  # not in the documents
    assert "vacía" not in answer.answer
