"""``veraz bench graph``'s per-question figures, run on a small notes dataset through the
real graph: with ``extractive``, and with a primary model whose server is down, so each
row says the fallback answered and why."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from evals.bench_graph import run_model_benchmark

NOTES = """# Servir modelos

## Puertos

- **Ollama** escucha en el puerto 11434 por defecto.
- **vLLM** escucha en el puerto 8000 por defecto.
"""

QUESTIONS = [
    {"question": "¿En qué puerto escucha Ollama?", "answers": ["11434"], "source": "notas.md"},
    {"question": "¿En qué puerto escucha vLLM?", "answers": ["8000"], "source": "notas.md"},
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("graph_bench")
    (folder / "docs").mkdir()
    (folder / "docs" / "notas.md").write_text(NOTES, encoding="utf-8")
    lines = [json.dumps(q, ensure_ascii=False) for q in QUESTIONS]
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_extractive_answers_every_question_without_a_model_call(
    dataset: Path, tmp_path: Path
) -> None:
    result = run_model_benchmark(dataset, model="extractive", home=tmp_path)
    assert result["questions"] == 2
    assert result["contains_answer"] == 1.0 and result["verified"] == 1.0
    assert result["llm_calls_max"] == 0 and result["fell_back"] == 0.0
    assert result["fallback_causes"] == {}
    assert all(row["fallback_cause"] == "" for row in result["rows"])


def test_a_model_that_is_down_is_counted_as_the_fallback_answering_and_why(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("VERAZ_MODEL_ATTEMPTS", "1")
    result = run_model_benchmark(dataset, model="openai:down-model", home=tmp_path)
    assert result["fell_back"] == 1.0 and result["answered_by_model"] == 0.0
    assert result["fallback_causes"] == {"model_failed: connection": 2}
    assert result["contains_answer"] == 1.0  # the offline fallback still answers
