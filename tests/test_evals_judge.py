"""``veraz eval --judge``: ragas' LLM metrics through the real ragas, instructor and openai.

The judge is the local OpenAI-compatible server of ``tests/wire``. Its responder reads
what ragas asks (the JSON schema instructor puts in the system message and the input
ragas puts after "Now perform the same with the following input") and answers it the way
a careful judge would, with word overlap standing in for understanding. So the requests,
the JSON mode, the parsing and the scoring are all the libraries' own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner
from wire import OpenAIServer
from wire.base import Reply

from agent import Veraz
from agent.samples import samples_dir
from evals.command import eval_app
from evals.metrics_ragas import JUDGED
from evals.run_record import load_run
from evals.summary import FAITHFUL

QUESTIONS = samples_dir().parent / "questions.jsonl"
JUDGE = "openai:gpt-4o-mini"

_SCHEMA = re.compile(r"json_schema:\s*(\{.*?\})\s*Make sure to return", re.S)
_INPUT = re.compile(
    r"Now perform the same with the following input\s*input:\s*(\{.*\})\s*Output:", re.S
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _supported(claim: str, source: str) -> int:
    """1 when most of the claim's words are in the source: the stand-in for entailment."""
    words = _words(claim)
    return int(bool(words) and len(words & _words(source)) / len(words) >= 0.5)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()] or [text]


def judge(messages: list[dict[str, str]]) -> str:
    """Answer a ragas prompt with the JSON its schema asks for."""
    schema = json.loads(_SCHEMA.search(messages[0]["content"]).group(1))  # type: ignore[union-attr]
    task = json.loads(_INPUT.search(messages[1]["content"]).group(1))  # type: ignore[union-attr]
    title = schema["title"]
    if title == "StatementGeneratorOutput":  # faithfulness, step 1: claims in the answer
        reply: dict = {"statements": _sentences(task["answer"])}
    elif title == "NLIStatementOutput":  # faithfulness, step 2: is each claim in the context?
        reply = {
            "statements": [
                {
                    "statement": s,
                    "reason": "stated in the context" if _supported(s, task["context"]) else "not",
                    "verdict": _supported(s, task["context"]),
                }
                for s in task["statements"]
            ]
        }
    elif title == "AnswerRelevanceOutput":  # a question the response answers
        response = task["response"]
        noncommittal = int(not _words(response))
        reply = {
            "question": f"What does the text say about {response[:200]}?",
            "noncommittal": noncommittal,
        }
    elif title == "ContextPrecisionOutput":  # was this passage useful for the reference?
        verdict = _supported(task["answer"], task["context"])
        reply = {"reason": "overlap with the reference", "verdict": verdict}
    elif title == "ContextRecallOutput":  # is each reference sentence in the contexts?
        reply = {
            "classifications": [
                {
                    "statement": s,
                    "reason": "found in the context",
                    "attributed": _supported(s, task["context"]),
                }
                for s in _sentences(task["answer"])
            ]
        }
    else:
        raise AssertionError(f"ragas asked for a schema this judge does not know: {title}")
    return json.dumps(reply)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("judgehome")
    rag = Veraz(home=home)
    docs = samples_dir()
    # what the first three questions need, plus one document none of them is about
    rag.ingest(
        [docs / "quantization.en.pdf", docs / "tokenization.en.md", docs / "context_windows.en.txt"]
    )
    rag.close()
    return home


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(eval_app, name="eval")
    return app


def _eval(cli: typer.Typer, home: Path, report: Path, base_url: str) -> dict:
    out = CliRunner().invoke(
        cli,
        [
            "eval",
            "--dataset",
            str(QUESTIONS),
            "--home",
            str(home),
            "--report",
            str(report),
            "--limit",
            "3",
            "--judge",
            JUDGE,
            "--judge-base-url",
            base_url,
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_judged_metrics(home: Path, cli: typer.Typer, tmp_path: Path) -> None:
    with OpenAIServer(responder=judge) as server:
        data = _eval(cli, home, tmp_path / "run", server.base_url)
        chat, base_url = server.chat_requests(), server.base_url
    summary = data["summary"]
    for name in JUDGED:
        assert name in data["metrics_ran"], data["metrics_skipped"].get(name)
        assert 0.0 <= summary[name] <= 1.0, (name, summary[name])
    assert summary["verifier_ragas_agreement"] is not None
    assert 0.0 <= summary["verifier_ragas_agreement"] <= 1.0
    run = load_run(tmp_path / "run")
    assert run.config["judge"] == {"spec": JUDGE, "base_url": base_url}
    answered = [r for r in run.records if r.answer and not r.answer["abstained"]]
    assert answered and all(r.scores.get("faithfulness") is not None for r in answered)
    assert not any(r.metric_errors for r in run.records)
    # the agreement is the verifier's grounded flag against faithfulness >= FAITHFUL
    pairs = [
        (r.answer["verification"]["grounded"], r.scores["faithfulness"] >= FAITHFUL)
        for r in answered
    ]
    assert summary["verifier_ragas_agreement"] == round(
        sum(a == b for a, b in pairs) / len(pairs), 4
    )
    # every judge call was JSON mode for the model named, through the real openai client
    assert chat and all(c.body["model"] == "gpt-4o-mini" for c in chat)
    assert all(c.body.get("response_format") == {"type": "json_object"} for c in chat)
    html = Path(data["report_html"]).read_text(encoding="utf-8")
    assert "faithfulness" in html


def test_garbage_judge_costs_only_the_judged_scores(
    home: Path, cli: typer.Typer, tmp_path: Path
) -> None:
    with OpenAIServer(responder=lambda messages: "I think it is fine. Score: high!") as server:
        data = _eval(cli, home, tmp_path / "run", server.base_url)
    summary = data["summary"]
    assert summary["questions"] == 3 and summary["errors"] == 0
    assert "rouge_l" in data["metrics_ran"] and "hit@5" in data["metrics_ran"]
    for name in JUDGED:
        assert name not in data["metrics_ran"]
        assert summary.get(name) is None
        assert "the judge returned no usable score" in data["metrics_skipped"][name]
    assert summary["verifier_ragas_agreement"] is None
    run = load_run(tmp_path / "run")
    errors = [r.metric_errors for r in run.records if r.metric_errors]
    assert errors and all(set(e) <= set(JUDGED) for e in errors)
    assert all("attempt" in why for e in errors for why in e.values())


def _question_writer(messages: list[dict[str, str]]) -> str:
    """A model that writes one question per passage, answered by the passage's first sentence."""
    prompt = messages[-1]["content"]
    passage = prompt.split("):\n", 1)[1]  # after "Passage (from “title”):"
    first = re.split(r"(?<=[.!?])\s", passage.strip(), maxsplit=1)[0]
    topic = " ".join(first.split()[:6])
    return json.dumps([{"question": f"What does the text say about {topic}?", "answer": first}])


def test_generate_with_a_model_keeps_each_questions_passage(
    home: Path, cli: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.dataset import load_dataset

    target = tmp_path / "generated.jsonl"
    with OpenAIServer(responder=_question_writer) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        server.push(Reply("Sorry, I cannot help with that."))  # one unusable reply
        result = CliRunner().invoke(
            cli,
            [
                *("eval", "generate", "--n", "4", "--model", JUDGE),
                *("--home", str(home), "--out", str(target), "--json"),
            ],
        )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["generator"].startswith(f"llm:{JUDGE}")
    assert summary["model_report"]["empty_replies"] == 1
    items = load_dataset(target)
    assert len(items) == 4
    for item in items:
        assert item.ground_truth in item.reference_contexts[0]  # answered from its passage
        assert item.reference_sources and item.reference_sources[0].endswith(
            (".pdf", ".md", ".txt")
        )
