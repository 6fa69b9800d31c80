"""Model + fallback is never below the fallback alone: when the primary model abstains,
or answers off the question's focus, the ``extractive`` fallback's answer is used.

The real LangGraph graph on the bundled samples, with LangChain's GenericFakeChatModel
scripted as the primary model (as tests/test_graph.py does).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from agent import Veraz
from agent.prompts import render
from agent.samples import samples_dir

# the graph end to end, four times over: minutes on two shared cores
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fallback-floor")
    rag = Veraz(home=home)
    assert rag.ingest([samples_dir()]).failed == []
    rag.close()
    return home


def scripted(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(AIMessage(content=r) for r in replies))


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?", "es"),
        ("How much GPU memory does QLoRA need to fine-tune a 65B model?", "en"),
    ],
)
def test_a_primary_model_that_abstains_is_followed_by_the_fallback(
    home: Path, question: str, language: str
) -> None:
    alone = Veraz(home=home).ask(question)
    assert not alone.abstained
    primary = scripted('{"relevant": [1, 2, 3, 4, 5]}', render("abstain", language))
    answer = Veraz(home=home, model=primary).ask(question)
    assert answer.fallback_used and answer.model == "extractive"
    assert not answer.abstained and "48 GB" in alone.answer and "48 GB" in answer.answer
    assert "found no answer" in answer.fallback_reason


@pytest.mark.parametrize(
    ("question", "off_focus"),
    [
        (
            "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?",
            "La tokenización divide el texto en unidades más pequeñas llamadas tokens [1].",
        ),
        (
            "How much GPU memory does QLoRA need to fine-tune a 65B model?",
            "Tokenization splits text into smaller units called tokens [1].",
        ),
    ],
)
def test_an_off_focus_answer_of_the_primary_model_is_replaced(
    home: Path, question: str, off_focus: str
) -> None:
    primary = scripted('{"relevant": [1, 2, 3, 4, 5]}', off_focus)
    answer = Veraz(home=home, model=primary).ask(question)
    assert answer.fallback_used and answer.model == "extractive"
    assert off_focus not in answer.answer and not answer.abstained
