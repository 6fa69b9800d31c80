"""The `veraz` command: JSON output is exactly the API's to_dict(); errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

from small_corpus import write_corpus
from typer.testing import CliRunner

from agent.cli import app

runner = CliRunner()


def run_json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_retrieve_ask_json_shapes(tmp_path: Path) -> None:
    write_corpus(tmp_path / "docs")
    home = str(tmp_path / "home")
    report = run_json("ingest", str(tmp_path / "docs"), "--home", home)
    assert set(report) >= {
        "added",
        "updated",
        "unchanged",
        "removed",
        "chunks",
        "seconds",
        "failed",
    }
    assert report["added"] == 2
    hits = run_json("retrieve", "formato GGUF", "--k", "2", "--home", home)
    assert hits[0]["source"].endswith("cuantizacion.md") and len(hits) <= 2
    answer = run_json("ask", "¿Qué formato guarda modelos cuantizados?", "--home", home)
    assert answer["citations"] and answer["verification"]["grounded"]
    assert answer["language"] == "es"


def test_failed_files_are_listed_in_the_json_report(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "broken.pdf").write_bytes(b"not a pdf")
    report = run_json("ingest", str(docs), "--home", str(tmp_path / "home"))
    assert [Path(f["path"]).name for f in report["failed"]] == ["broken.pdf"]
    assert report["failed"][0]["error"]


def test_unknown_model_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", "hola", "--model", "nope:x", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "provider 'nope'" in result.output and "Traceback" not in result.output


def test_invalid_collection_name_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--collection", "../x", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "collection name" in result.output
