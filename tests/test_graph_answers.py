"""Answers that answer, through the real graph: structured notes, "not an answer" sent to
the fallback, and the abstention text on every path that can end without an answer.

The notes below are written for these tests (not the dev set the answerer was tuned on).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from agent import Veraz

SERVING = """# Servir modelos en casa 🏠

## Herramientas que probamos

- **llama.cpp**: servidor en C++, muy ligero
  - su servidor `llama-server` escucha en el puerto 8080 por defecto
- **Ollama**: lo más cómodo para empezar
- **LM Studio**: interfaz gráfica

## Memoria de un modelo de 8B

| Cuantización | Memoria |
|---|---|
| Q4_K_M | 4,9 GB |
| Q8_0 | 8,5 GB |

## Arranque

```bash
llama-server -m modelo.gguf --port 8080 --ctx-size 4096
```

Más información en la [guía de Hugging Face](https://huggingface.co/docs/hub/gguf).

## Enlaces

- Ver también: [herramientas de cuantización](https://example.org/cuantizacion)
"""

GLOSSARY = """Glossary for the inference course

Throughput: tokens generated per second across all requests.
Latency: time from the request to the first token.

Speculative decoding uses a small draft model to propose tokens that the large model
then checks in one pass; it was described by Leviathan and others in 2023.
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("answers")
    docs = root / "docs"
    docs.mkdir()
    (docs / "servir.md").write_text(SERVING, encoding="utf-8")
    (docs / "glossary.txt").write_text(GLOSSARY, encoding="utf-8")
    rag = Veraz(home=root / "home")
    assert not rag.ingest([docs]).failed
    rag.close()
    return root / "home"


def scripted(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(AIMessage(content=r) for r in replies))


class _Refused(Iterator[AIMessage]):
    def __next__(self) -> AIMessage:
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def _answer(home: Path, question: str, **models: object):  # type: ignore[no-untyped-def]
    return Veraz(home=home, **models).ask(question)


def _ok(answer) -> None:  # type: ignore[no-untyped-def]
    assert not answer.abstained and answer.citations, answer.answer
    assert answer.verification.grounded and answer.verification.answers_question


# --------------------------------------------------------- structure-aware extractive answers


def test_a_plural_question_is_answered_with_the_whole_list(home: Path) -> None:
    answer = _answer(home, "¿Qué herramientas probamos para servir modelos?")
    _ok(answer)
    for tool in ("llama.cpp", "Ollama", "LM Studio"):
        assert f"- {tool}" in answer.answer or tool in answer.answer


def test_a_table_cell_is_quoted_with_its_row_and_header(home: Path) -> None:
    answer = _answer(home, "¿Cuánta memoria ocupa un modelo de 8B en Q4_K_M?")
    _ok(answer)
    assert "Cuantización: Q4_K_M · Memoria: 4,9 GB" in answer.answer
    # one number asked for: the units around the row that holds it are not quoted too
    assert "8080" not in answer.answer and "llama.cpp" not in answer.answer


def test_a_number_in_a_nested_item_comes_with_its_parent(home: Path) -> None:
    answer = _answer(home, "¿En qué puerto escucha llama-server por defecto?")
    _ok(answer)
    assert "8080" in answer.answer
    assert "llama.cpp: servidor en C++" in answer.answer  # the parent says what it is about


def test_definition_lines_answer_what_is_questions(home: Path) -> None:
    answer = _answer(home, "What is latency?")
    _ok(answer)
    assert "time from the request to the first token" in answer.answer


def test_a_link_that_repeats_the_question_is_not_an_answer(home: Path) -> None:
    answer = _answer(home, "¿Qué herramientas de cuantización hay?")
    assert "Ver también" not in answer.answer


def test_unanswerable_questions_abstain_with_the_message(home: Path) -> None:
    for question, text in (
        ("¿Cuánta memoria ocupa un modelo de 70B en Q4_K_M?", "No encuentro"),
        ("How much does LM Studio cost?", "I can't find"),
    ):
        answer = _answer(home, question)
        assert answer.abstained and answer.answer.startswith(text), answer.answer


# ----------------------------------------------- "does it answer?" for every model, and paths


def test_citation_only_llm_answer_goes_to_the_fallback(home: Path) -> None:
    llm = scripted('{"relevant": [1, 2]}', "[1][2]")
    answer = _answer(home, "What is throughput?", model=llm)
    assert answer.fallback_used and "did not answer the question" in answer.fallback_reason
    verify = next(s for s in answer.steps if s.node == "verify")
    assert verify.detail["answers_question"] is False
    assert verify.detail["answer_issue"] == "only citation markers"
    assert answer.model == "extractive" and "tokens generated per second" in answer.answer


def test_echo_from_both_models_is_an_abstention_not_a_verified_answer(home: Path) -> None:
    echo = "What is throughput? [1]"
    primary = scripted('{"relevant": [1]}', echo)
    answer = _answer(home, "What is throughput?", model=primary, fallback_model=scripted(echo))
    assert answer.abstained and answer.answer == "I can't find this information in the documents."
    assert "did not answer the question (restates the question)" in answer.verification.method
    assert answer.citations == []


def test_an_answer_without_the_number_asked_for_is_not_verified(home: Path) -> None:
    vague = "llama-server escucha en un puerto que se puede cambiar al arrancarlo [1]."
    primary = scripted('{"relevant": [1, 2]}', vague)
    answer = _answer(
        home, "¿En qué puerto escucha llama-server?", model=primary, fallback_model=scripted(vague)
    )
    assert answer.abstained and answer.answer.startswith("No encuentro")
    assert "no number" in answer.verification.method


@pytest.mark.parametrize(
    ("primary", "fallback"),
    [
        # the model returns nothing, the fallback too (verify: empty draft)
        (lambda: scripted('{"relevant": [1]}', ""), lambda: scripted("")),
        # both models are down (fallback: no draft at all)
        (
            lambda: GenericFakeChatModel(messages=_Refused()),
            lambda: GenericFakeChatModel(messages=_Refused()),
        ),
        # the model says it cannot find it
        (
            lambda: scripted(
                '{"relevant": [1]}',
                "No encuentro esta información en los documentos.",
            ),
            lambda: scripted(""),
        ),
    ],
)
def test_every_path_that_ends_without_an_answer_shows_the_abstention_text(
    home: Path,
    primary,
    fallback,  # type: ignore[no-untyped-def]
) -> None:
    answer = _answer(
        home, "¿Qué herramienta tiene interfaz gráfica?", model=primary(), fallback_model=fallback()
    )
    assert answer.answer.strip(), "an empty message reached the user"
    if answer.abstained:
        assert answer.answer == "No encuentro esta información en los documentos."


def test_the_direct_route_never_shows_an_empty_reply(home: Path) -> None:
    answer = _answer(home, "hola", model=scripted(""))
    assert answer.answer.strip()


def test_decomposed_question_with_nothing_found_abstains_with_the_message(home: Path) -> None:
    answer = _answer(home, "Compare Kubernetes and Nomad")
    assert answer.abstained and answer.answer == "I can't find this information in the documents."
