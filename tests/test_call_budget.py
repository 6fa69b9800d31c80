"""The call and time budget of a question, with scripted models (no server, no weights):
what is asked of the model, how often, and what happens when it cannot be used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from agent import Veraz
from agent.graphs.model_or_rule import model_or_rule
from agent.models.resolved import DecisionRecord, ResolvedModel
from agent.types import Usage

NOTES = """# Servir modelos

- llama.cpp: su servidor `llama-server` escucha en el puerto 8080 por defecto
- Ollama escucha en el puerto 11434
- vLLM sirve modelos en GPU con PagedAttention

LoRA entrena matrices de rango bajo. QLoRA carga el modelo base en 4 bits.
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("budget")
    (root / "docs").mkdir()
    (root / "docs" / "servir.md").write_text(NOTES, encoding="utf-8")
    rag = Veraz(home=root / "home")
    assert not rag.ingest([root / "docs"]).failed
    return root / "home"


class _Script(Iterator[AIMessage]):
    """Replies in order, and remembers how many were asked for."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls = 0

    def __next__(self) -> AIMessage:
        self.calls += 1
        if not self.replies:
            raise ConnectionRefusedError("no more scripted replies")
        return AIMessage(content=self.replies.pop(0))


def _model(script: _Script) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=script)


def test_a_simple_question_costs_two_calls_and_counts_them(home: Path) -> None:
    script = _Script('{"relevant": [1]}', "Ollama escucha en el puerto 11434 [1].")
    answer = Veraz(home=home, model=_model(script)).ask("¿En qué puerto escucha Ollama?")
    assert script.calls == 2 and answer.usage.llm_calls == 2  # grade and generate, no route
    route = next(s for s in answer.steps if s.node == "route")
    assert route.detail == {"route": "retrieve", "rules": "retrieve", "method": "rules"}
    assert [s.detail.get("llm_calls") for s in answer.steps if s.node in ("grade", "generate")] == [
        1,
        1,
    ]
    assert answer.verification.grounded and "11434" in answer.answer


def test_decomposition_needs_the_model_to_agree_and_never_adds_parts(home: Path) -> None:
    said_no = _Script('{"route": "retrieve"}')
    answer = Veraz(home=home, model=_model(said_no)).ask("¿Qué es LoRA y qué es QLoRA?")
    assert answer.route == "retrieve"  # the rules saw two parts, the model one: no split
    many = _Script(
        '{"route": "decompose"}',
        '{"sub_questions": ["¿Qué es LoRA?", "¿Qué es QLoRA?", "¿Qué es GGUF?", "¿Y vLLM?"]}',
    )
    answer = Veraz(home=home, model=_model(many)).ask("¿Qué es LoRA y qué es QLoRA?")
    decompose = next(s for s in answer.steps if s.node == "decompose")
    assert decompose.detail["sub_questions"] == ["¿Qué es LoRA?", "¿Qué es QLoRA?"]


def test_the_offline_grader_is_a_floor_under_a_small_models_no(home: Path) -> None:
    script = _Script('{"relevant": []}', "Ollama escucha en el puerto 11434 [1].")
    answer = Veraz(home=home, model=_model(script)).ask("¿En qué puerto escucha Ollama?")
    grade = next(s for s in answer.steps if s.node == "grade")
    assert grade.detail["method"] == "llm + offline floor" and grade.detail["kept"] >= 1
    assert not answer.abstained


def test_a_model_whose_decisions_keep_failing_is_no_longer_asked_for_them() -> None:
    record = DecisionRecord()
    script = _Script(*["I think passage one."] * 5)
    model = ResolvedModel("custom:script", _model(script), provider="custom", decisions=record)
    methods = []
    for _ in range(5):
        outcome = model_or_rule(model, lambda: "grade", lambda text: int(text), lambda: 0)
        methods.append(outcome.method)
    assert methods[:3] == ["rules (model failed: malformed)"] * 3
    assert methods[3:] == ["rules (model not asked: its last 3 replies were unusable)"] * 2
    assert script.calls == 3 and record.unusable == 3


def test_a_usable_reply_resets_the_count() -> None:
    record = DecisionRecord()
    for usable in (False, False, True, False, False):
        record.record(usable)
    assert not record.skipping and record.unusable == 4


def test_past_the_question_budget_no_model_is_called_and_the_answer_says_so(home: Path) -> None:
    script = _Script('{"relevant": [1]}', "Ollama escucha en el puerto 11434 [1].")
    rag = Veraz(home=home, model=_model(script), question_timeout_s=0.000001)
    answer = rag.ask("¿En qué puerto escucha Ollama?")
    assert script.calls == 0 and answer.usage == Usage()
    assert answer.fallback_used and answer.model == "extractive"
    assert "time budget" in answer.fallback_reason and "11434" in answer.answer
    grade = next(s for s in answer.steps if s.node == "grade")
    assert grade.detail["method"] == "rules (question time budget spent)"
