"""Offline evaluation end to end on the bundled samples: run, score, report, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agent import Veraz
from agent.samples import samples_dir
from evals.command import eval_app
from evals.dataset import EvalItem, load_dataset
from evals.metrics_retrieval import retrieval_scores, same_passage

QUESTIONS = samples_dir().parent / "questions.jsonl"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("evalhome")
    rag = Veraz(home=home)
    rag.ingest([samples_dir()])
    rag.close()
    return home


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(eval_app, name="eval")
    return app


def test_loads_samples_and_squad(tmp_path: Path) -> None:
    items = load_dataset(QUESTIONS)
    assert len(items) == 24 and items[0].reference_sources == ["quantization.en.pdf"]
    squad = tmp_path / "s.json"
    squad.write_text(
        json.dumps(
            {
                "data": [
                    {
                        "title": "T",
                        "paragraphs": [
                            {
                                "context": "Madrid es la capital.",
                                "qas": [
                                    {
                                        "id": "1",
                                        "question": "¿Capital?",
                                        "answers": [{"text": "Madrid"}],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        )
    )
    (item,) = load_dataset(squad)
    assert item.ground_truth == "Madrid" and item.reference_contexts == ["Madrid es la capital."]


def test_retrieval_metrics() -> None:
    item = EvalItem("q", "?", reference_contexts=["the cat sat on the mat today"])
    hits = [{"source": "a", "text": "dogs bark"}, {"source": "b", "text": "The cat sat on the mat"}]
    scores = retrieval_scores(item, hits)
    assert scores == {"hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5, "reference_recall": 1.0}
    assert not same_passage("alpha beta", "gamma delta")


def test_eval_report_and_compare(home: Path, cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    results = []
    for name, limit in (("a", "6"), ("b", "8")):
        out = runner.invoke(
            cli,
            [
                "eval",
                "--dataset",
                str(QUESTIONS),
                "--home",
                str(home),
                "--report",
                str(tmp_path / name),
                "--limit",
                limit,
                "--json",
            ],
        )
        assert out.exit_code == 0, out.output
        results.append(json.loads(out.stdout))
    data = results[0]
    html = Path(data["report_html"]).read_text(encoding="utf-8")
    assert "<svg" in html and "http" not in html.split("<main>")[0]  # nothing fetched
    assert data["summary"]["questions"] == 6 and data["summary"]["hit@5"] > 0.8
    assert "faithfulness" in data["metrics_skipped"] and "rouge_l" in data["metrics_ran"]
    assert 0 <= data["summary"]["abstention_rate"] <= 1
    assert (tmp_path / "a" / "summary.md").read_text().startswith("# Veraz evaluation")
    out = runner.invoke(
        cli, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"]
    )
    assert out.exit_code == 0, out.output
    compared = json.loads(out.stdout)
    assert compared["common_questions"] == 6 and "hit@5" in compared["deltas"]
    assert Path(compared["report_html"]).is_file()


def test_generate_offline(home: Path, cli: typer.Typer, tmp_path: Path) -> None:
    target = tmp_path / "gen.jsonl"
    out = CliRunner().invoke(
        cli, ["eval", "generate", "--n", "8", "--home", str(home), "--out", str(target), "--json"]
    )
    assert out.exit_code == 0, out.output
    items = load_dataset(target)
    assert len(items) == 8 and all(i.reference_contexts and i.ground_truth for i in items)
