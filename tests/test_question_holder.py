"""Of what a question asks a property (agent/tools/question_holder.py), and the *does it
answer?* check that needs it named: unanswerable questions about a thing the notes never
describe were answered, and shown verified, with the property of another thing."""

from __future__ import annotations

import pytest

from agent.tools.question_holder import holder_words
from agent.tools.verification.answers_question import answers_question


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("How much RAM does the test laptop have?", ("test", "laptop")),
        ("What learning rate did the LoRA sweep use?", ("lora", "sweep")),
        ("How much memory does the reranker use on the staging GPU?", ("reranker",)),
        ("How much does the pro plan cost per month?", ("pro", "plan")),
        ("¿Qué GPU tiene el servidor de pruebas?", ("servidor", "pruebas")),
        ("¿Cuántas GPUs tiene el CPD?", ("cpd",)),
        ("¿Cuánto cuesta la API por hora?", ("api",)),
        ("¿Cuántos años tenía John Elway cuando jugó la Super Bowl?", ("john", "elway")),
        ("¿Qué nota sacaron en el proyecto final?", ("proyecto", "final")),
        # found by an adversarial pass: a kind before a name, a second question, tails
        ("¿Cuántos habitantes tiene la ciudad de Nueva York?", ("nueva", "york")),
        ("¿Qué GPU tiene el servidor de pruebas y cuánta RAM?", ("servidor", "pruebas")),
        ("How much RAM does the test laptop have? Thanks!", ("test", "laptop")),
        ("How many employees does the company have?", ()),
        ("How many calories does 100 g of rice have?", ("rice",)),
        # not of that shape: no possession verb, a passive, an object after the verb,
        # a superlative, a clause after the verb
        ("What is the port?", ()),
        ("How many points did the Panthers defense give up?", ()),
        ("What do some people feel the need to acknowledge?", ()),
        ("¿Qué término se utiliza para definir una tarea?", ()),
        ("¿Qué universidad tiene su origen en una escuela de medicina?", ()),
        ("¿Cuántos hogares tienen niños menores de 18 años?", ()),
        ("¿Qué jugador tuvo el mayor número de intercepciones?", ()),
        ("¿Qué tienen prohibido hacer los farmacéuticos?", ()),
    ],
)
def test_the_holder_of_the_asked_property(question: str, holder: tuple[str, ...]) -> None:
    assert holder_words(question) == holder


TABLE = (
    "| model | quant | ram_gb | notes |\n| --- | --- | --- | --- |\n"
    "| Llama-3-8B | Q8_0 | 9.1 | M2 Pro 32GB |\n| Mistral-7B | AWQ | 6.2 | RTX 4090 |"
)
HARDWARE = (
    "Parámetros que más tocamos: `--gpu-memory-utilization`, la fracción de la VRAM que"
    " reserva vLLM. Quien votó Phi-3.5-mini trabaja casi siempre sin GPU."
)


@pytest.mark.parametrize(
    ("question", "answer", "passages", "language"),
    [
        ("How much RAM does the test laptop have?", "Llama-3-8B Q8_0 uses 9.1 GB of RAM [1].",
         [TABLE], "en"),
        ("¿Qué GPU tiene el servidor de pruebas?",
         "Quien votó Phi-3.5-mini trabaja casi siempre sin GPU. [1]", [HARDWARE], "es"),
    ],
)  # fmt: skip
def test_a_property_of_another_thing_is_not_an_answer(
    question: str, answer: str, passages: list[str], language: str
) -> None:
    check = answers_question(question, answer, language, passages)
    assert not check.answers
    assert "does not say it is about" in check.reason


NOTES = (
    "## Servidor de pruebas\n\nEl servidor de pruebas está en el CPD de la facultad."
    " Tiene una RTX 4090 con 24 GB."
)
BOT = (
    "# docs-bot\n\nThe documentation bot answers questions about our docs. Run it with"
    " `docker run ghcr.io/acme/docs-bot:1.4.2`."
)


@pytest.mark.parametrize(
    ("question", "answer", "passages", "language"),
    [
        # named in the answer
        ("How much RAM does the test laptop have?", "The test laptop has 16 GB of RAM [1].",
         ["The test laptop has 16 GB of RAM."], "en"),
        # named in a passage sentence next to the one quoted
        ("¿Qué GPU tiene el servidor de pruebas?", "Tiene una RTX 4090 con 24 GB. [1]",
         [NOTES], "es"),
        # by its word key: "chunking" in "chunks"
        ("¿Cuántas preguntas tiene la evaluación de chunking?",
         "Evaluación de chunks: 150 preguntas. [1]", ["Evaluación de chunks: 150 preguntas."],
         "es"),
        # under the heading above a list, however long
        ("How much RAM does the test laptop have?", "- RAM: 16 GB [1]",
         ["## Test laptop\n\n- CPU: M2\n- GPU: integrated\n- Disk: 1 TB\n- OS: macOS 14\n"
          "- Battery: 18 h\n- RAM: 16 GB"], "en"),
        ("¿Qué nota sacó María?", "Práctica 3: un 9. [1]",
         ["## Notas de María\n\n- Práctica 1: un 7.\n- Práctica 2: un 8.\n- Examen: un 6.\n"
          "- Asistencia: completa.\n- Práctica 3: un 9."], "es"),
        # across languages, by a translation ("documentación" in "documentation")
        ("¿Qué imagen de Docker usa el bot de documentación?",
         "Run it with `docker run ghcr.io/acme/docs-bot:1.4.2`. [1]", [BOT], "es"),
    ],
)  # fmt: skip
def test_an_answer_that_names_the_holder_passes(
    question: str, answer: str, passages: list[str], language: str
) -> None:
    check = answers_question(question, answer, language, passages)
    assert check.answers, check.reason


def test_a_short_answer_is_placed_by_its_number_too() -> None:
    """A short answer ("Usa unas 128 muestras.") names no method: the passage sentence
    holding its number, and those around it, say which one it is about."""
    question = "¿Cuántas muestras de calibración usa GPTQ?"
    answer = "Usa unas 128 muestras. [1]"
    gptq = "GPTQ cuantiza capa a capa. Para calibrar, 128 muestras de C4 bastan."
    awq = "AWQ protege el 1 % de los pesos. Para calibrar, 128 muestras de C4 bastan."
    assert answers_question(question, answer, "es", [gptq]).answers
    assert not answers_question(question, answer, "es", [awq]).answers
    # without passages there is nothing to place it by: the check is left to them
    assert answers_question(question, answer, "es").answers
