"""What answer text holds, read where the answerer and the "does it answer?" check meet:
the name a "which X?" asks for, and the negation a yes/no question is answered by."""

from __future__ import annotations

import time

import pytest

from agent.tools.answer_features import names, names_something, negates
from agent.tools.extractive import ExtractiveAnswerer
from agent.tools.question_kind import question_kind
from agent.tools.unit_scoring import Passage, score_units
from agent.tools.verification.answers_question import answers_question


@pytest.mark.parametrize(
    ("question", "entity", "text", "named"),
    [
        # the subject of its clause, or right after the asked noun or "is"/"como"
        (
            "¿Qué formato es más rápido que GPTQ?",
            "formato",
            "ZipQuant es más rápido que GPTQ",
            True,
        ),
        ("¿Qué formato es más rápido que GPTQ?", "formato", "El formato ZipQuant es rápido", True),
        ("¿Qué formato es más rápido que GPTQ?", "formato", "ZipQuant: Este formato es…", True),
        ("Which tool is easiest for fine-tuning?", "tool", "Axolotl is an easy tool", True),
        ("Which tool is easiest for fine-tuning?", "tool", "The easiest one is Axolotl", True),
        ("¿Qué herramientas sirven?", "herramientas", "Sirven herramientas como Axolotl", True),
        ("Which company released Phi?", "company", "In 2023, Microsoft released Phi", True),
        ("¿Qué empresa compró DeepMind?", "empresa", "DeepMind fue comprada por Google", True),
        ("What company acquired DeepMind?", "company", "DeepMind was acquired by Google", True),
        ("¿Qué motor es el más rápido?", "motor", "La opción más rápida resultó ser vLLM", True),
        (
            "What company agreed to end the case?",
            "company",
            "As part of the deal, both BSkyB and Virgin Media agreed to end the case",
            True,
        ),
        # a name, but not as the thing asked for
        (
            "¿Qué formato es más rápido que GPTQ?",
            "formato",
            "Este nuevo formato es más rápido que GPTQ pero usa NF4",
            False,
        ),
        (
            "Which library is fastest for tokenization?",
            "library",
            "It was written in Rust last year",
            False,
        ),
        (
            "¿Qué herramienta es fácil?",
            "herramienta",
            "Una herramienta fácil, escrita en Python",
            False,
        ),
        # an opening word before "es"/"is" is not a name for being there
        ("¿Qué herramienta usamos?", "herramienta", "Ninguna es mencionada en las notas", False),
        ("Which tool do we use for evals?", "tool", "Nothing is said about the tool", False),
        # a name after a negated "es"/"is" is what the X is not
        ("¿Qué formato usa QLoRA?", "formato", "El formato de QLoRA no es GPTQ", False),
    ],
)
def test_a_which_answer_must_name_the_thing_asked_for(
    question: str, entity: str, text: str, named: bool
) -> None:
    language = "es" if "¿" in question else "en"
    assert names_something(text, question, language, entity) is named


def test_a_long_answer_is_read_once() -> None:
    """One long clause full of names: every name is checked against the words after it,
    which a scan per name made quadratic (58 s at 100k characters). As in
    tests/test_linear_text.py: 4x the text may take at most about 10x the time."""

    def seconds(size: int) -> float:
        text = ("el gato de Pedro vio al perro de Juan y " * (size // 40 + 1))[:size]
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            names_something(text, "¿Qué formato usa QLoRA?", "es", "formato")
            best = min(best, time.perf_counter() - started)
        return best

    assert seconds(40_000) <= 10 * seconds(10_000) + 0.05


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("¿Qué formato es más rápido que GPTQ?", "Este nuevo formato es más rápido y usa NF4 [1]"),
        (
            "Which format is faster than GPTQ?",
            "This new format is faster than GPTQ and uses NF4 [1]",
        ),
    ],
)
def test_a_which_answer_naming_something_else_is_not_an_answer(question: str, answer: str) -> None:
    language = "es" if "¿" in question else "en"
    check = answers_question(question, answer, language)
    assert not check.answers and check.reason.startswith("names no")


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("¿Tiene coche Clara Vidal?", True),
        ("¿Necesita QLoRA calibración?", True),
        ("¿Es QLoRA más rápido que LoRA?", True),
        ("Was QLoRA published in 2023?", True),
        ("¿Para qué sirve LoRA?", False),
        ("¿Qué es LoRA?", False),
    ],
)
def test_a_spanish_question_without_a_question_word_asks_yes_or_no(
    question: str, yes_no: bool
) -> None:
    assert (question_kind(question).expects == "yes_no") is yes_no


@pytest.mark.parametrize(
    ("question", "language", "text", "denial"),
    [
        (
            "¿Tiene coche Clara Vidal?",
            "es",
            "Clara Vidal nació en Valencia en 1980. Clara Vidal no tiene coche.",
            "Clara Vidal no tiene coche.",
        ),
        (
            "Does Clara Vidal own a car?",
            "en",
            "Clara Vidal was born in Valencia in 1980. Clara Vidal does not own a car.",
            "Clara Vidal does not own a car.",
        ),
    ],
)
def test_a_yes_no_question_is_answered_by_the_sentence_that_denies_it(
    question: str, language: str, text: str, denial: str
) -> None:
    assert negates(denial) and not negates(question)
    unit = next(
        s for s in score_units(question, language, [Passage(text)]) if s.unit.text == denial
    )
    assert unit.answers  # every word is the question's, but "no" is the answer
    assert answers_question(question, f"{denial} [1]", language).answers
    assert not answers_question(question, f"{question} [1]", language).answers


QLORA_SECTION = (
    "QLoRA fue presentado en mayo de 2023 por Tim Dettmers, Artidoro Pagnoni, Ari Holtzman "
    "y Luke Zettlemoyer, de la Universidad de Washington. El modelo base se carga congelado "
    "en 4 bits y los gradientes se propagan a través de él hasta los adaptadores LoRA. Con "
    "esta técnica se puede ajustar un modelo de 65.000 millones de parámetros en una sola "
    "GPU de 48 GB: la memoria media necesaria baja de más de 780 GB a menos de 48 GB."
)
QLORA_SECTION_EN = (
    "QLoRA was introduced in May 2023 by Tim Dettmers, Artidoro Pagnoni, Ari Holtzman and "
    "Luke Zettlemoyer of the University of Washington. The base model is loaded frozen in 4 "
    "bits and gradients flow through it into the LoRA adapters. With this technique a 65B "
    "model can be fine-tuned on a single 48 GB GPU: the average memory needed drops from "
    "over 780 GB to under 48 GB."
)


@pytest.mark.parametrize(
    ("question", "language", "section", "heading", "padding"),
    [
        (
            "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?",
            "es",
            QLORA_SECTION,
            "QLoRA: LoRA sobre un modelo de 4 bits",
            "presentado",
        ),
        (
            "How much memory does QLoRA need to fine-tune a 65B model?",
            "en",
            QLORA_SECTION_EN,
            "QLoRA: LoRA on a 4-bit model",
            "introduced",
        ),
    ],
)
def test_a_one_fact_answer_under_its_topics_heading_is_not_padded(
    question: str, language: str, section: str, heading: str, padding: str
) -> None:
    """The sentence with the figure does not name QLoRA, its heading does: it is as much
    about QLoRA as the sentence that names it, so that one is not quoted before it."""
    from ingestion.embedding import Embedder

    answer = ExtractiveAnswerer(Embedder()).answer(question, language, [Passage(section, heading)])
    assert "48 GB" in answer.text
    assert padding not in answer.text


SERVING_NOTES = (
    "Engine: TGI · Tokens/s (batch 32): 1,980 · p50 latency: 350 ms\n"
    "Engine: vLLM · Tokens/s (batch 32): 2,300 · p50 latency: 290 ms\n\n"
    "For the chat completions call we pass temperature=0.2 and max_tokens=512 to TGI."
)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("¿Qué temperatura usamos con TGI?", "es"),
        ("What temperature do we use with TGI?", "en"),
    ],
)
def test_a_measure_is_answered_by_the_unit_that_states_it(question: str, language: str) -> None:
    """TGI's table row has its own numbers (tokens/s, latency) and names TGI: for the
    temperature it is the wrong unit, and the line that says "temperature=0.2" is quoted
    instead; without that line there is nothing to quote and nothing passes the check."""
    from ingestion.embedding import Embedder

    answerer = ExtractiveAnswerer(Embedder())
    answer = answerer.answer(question, language, [Passage(SERVING_NOTES, "Serving")])
    assert "0.2" in answer.text
    assert answers_question(question, answer.text, language, [SERVING_NOTES]).answers
    table_only = SERVING_NOTES.split("\n\n")[0]
    answer = answerer.answer(question, language, [Passage(table_only, "Serving")])
    assert not answers_question(question, answer.text, language, [table_only]).answers


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("¿Qué licencia tiene AQLM?", "license"),
        ("What license does tinyserve use?", "license"),
        ("What is the license of tinyserve?", "license"),
        ("Under which license is tinyserve?", "license"),
        ("¿Cuál es la temperatura del servidor?", "temperature"),
        ("What temperature does the runbook set?", "temperature"),
        ("¿Qué versión de CUDA necesita vLLM?", "version"),
        ("Which glibc version is required?", "version"),
        ("¿Qué porcentaje de los pesos protege AWQ?", "percentage"),
        ("How fast is vLLM?", ""),  # as often a duration: "How fast did it reach 1M users?"
        ("¿Con qué velocidad genera TGI?", "speed"),
        # the measure is not what the question word asks for
        ("¿Qué modelo usa temperatura 0?", ""),
        ("Which model was trained at a lower temperature?", ""),
        ("¿Cuánto cuesta la licencia comercial?", ""),
        ("¿Qué es una licencia copyleft?", ""),
    ],
)
def test_the_measure_a_question_asks_for(question: str, measure: str) -> None:
    assert question_kind(question).measure == measure


@pytest.mark.parametrize(
    ("text", "language", "people"),
    [
        (
            "Tarea: Congelar el índice · Quién: Paula · Fecha límite: 14/02 · Estado: Hecho",
            "es",
            {"paula"},
        ),
        ("Task: Freeze the index · Owner: Dana · Due: 14/02 · Status: Done", "en", {"dana"}),
        ("Responsable: Irene", "es", {"irene"}),
        # a value after any other field opens its line, and is no name
        ("Estado: Hecho · Fase: Piloto", "es", set()),
        ("Status: Done", "en", set()),
        # a person's field that holds no one yet
        ("Tarea: Revisar duplicados · Responsable: Pendiente · Estado: Abierta", "es", set()),
        ("Owner: TBD", "en", set()),
        ("Maintainer: Priya Raman", "en", {"priya", "raman"}),
        ("Firmado: Lucía Ferrer", "es", {"lucia", "ferrer"}),
    ],
)
def test_a_field_that_holds_a_person_holds_a_name(
    text: str, language: str, people: set[str]
) -> None:
    """ "Quién: Paula" in a table row read with its header names who, though "Paula"
    opens after the colon as "Hecho" does after "Estado:"."""
    assert names(text, language, people=True) == people
