"""Answers on notes written in other people's habits, one test per failure kind, es + en.

1. the subject lives in the heading ("## HQQ:") or the item's label, and is quoted;
   a "which/qué X" answer that never names an X is turned away;
2. code is quoted by statement (a multi-line call whole, the asked line included);
3. asides (a parenthesis, the clause after a colon, a table footnote) are units;
4. the focus of a question (what the wh-word asks for, and of what) ranks the units and
   turns away a true sentence about something else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.tools.answer_units import asides, code_statements, passage_units, subject_of_heading
from agent.tools.question_kind import question_kind
from agent.tools.unit_scoring import Passage, focus, score_units
from agent.tools.verification.answers_question import answers_question

NOTAS = """# Herramientas (apuntes del grupo)

## Cuantix:
Este formato es más rápido que GPTQ pero ocupa algo más en disco.

## Entrenamiento
Usamos tres épocas.

### Forja:
Una herramienta de ajuste fino fácil de usar, con recetas en YAML.

- [Brasa](https://example.org/brasa): kernel de inferencia para pesos de 4 bits.
"""

NOTES = """# Tools

## Zipper:
This new format is faster than AWQ and needs no calibration data.

Kiln:
A fine-tuning trainer driven by one YAML file.
"""

CODE = [
    "from peft import LoraConfig",
    "",
    "cfg = QuantConfig(",
    "    bits=4,",
    '    quant_type="abc",',
    ")",
    "training:",
    "  learning_rate: 2e-4",
    "  accumulation: 8   # batch efectivo = 32",
    "python -m server \\",
    "    --port 8001",
]


def _texts(text: str, kind: str | None = None) -> list[str]:
    return [u.text for u in passage_units(text) if kind is None or u.kind == kind]


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Cuantix:", "Cuantix"),
        ("Forja:", "Forja"),
        ("vLLM", "vLLM"),
        ("EXL2", "EXL2"),
        ("Entrenamiento", ""),
        ("Runtimes", ""),
        ("Cómo instalar las dependencias:", ""),
    ],
)
def test_a_heading_names_the_subject_of_its_section_only_when_it_names_one_thing(
    title: str, subject: str
) -> None:
    assert subject_of_heading(title) == subject


def test_units_under_a_naming_heading_or_label_are_quoted_with_it_es() -> None:
    texts = _texts(NOTAS)
    assert "Cuantix: Este formato es más rápido que GPTQ pero ocupa algo más en disco." in texts
    assert "Forja: Una herramienta de ajuste fino fácil de usar, con recetas en YAML." in texts
    assert "Usamos tres épocas." in texts  # a topic heading is context, not a subject
    assert "Brasa: kernel de inferencia para pesos de 4 bits." in texts


def test_units_under_a_naming_heading_or_label_are_quoted_with_it_en() -> None:
    texts = _texts(NOTES)
    assert "Zipper: This new format is faster than AWQ and needs no calibration data." in texts
    assert "Kiln: A fine-tuning trainer driven by one YAML file." in texts


@pytest.mark.parametrize(
    ("question", "language", "subject"),
    [
        ("¿Qué formato es más rápido que GPTQ?", "es", "Cuantix"),
        ("¿Qué herramienta de ajuste fino es fácil de usar?", "es", "Forja"),
        ("Which format is faster than AWQ?", "en", "Zipper"),
        ("Which trainer is driven by one YAML file?", "en", "Kiln"),
    ],
)
def test_the_best_unit_for_a_which_question_names_the_subject(
    question: str, language: str, subject: str
) -> None:
    text = NOTAS if language == "es" else NOTES
    scored = [s for s in score_units(question, language, [Passage(text)]) if s.answers]
    best = max(scored, key=lambda s: s.coverage + s.own + s.focus)
    assert best.unit.text.startswith(f"{subject}:")


@pytest.mark.parametrize(
    ("question", "answer", "entity"),
    [
        (
            "¿Qué formato es más rápido que GPTQ?",
            "Este nuevo formato es más rápido. [1]",
            "formato",
        ),
        (
            "¿Qué herramienta es fácil de usar?",
            "Una herramienta con recetas sencillas. [1]",
            "herramienta",
        ),
        ("Which tool makes training 2x faster?", "Hand-written kernels speed it up. [1]", "tool"),
        ("Which format needs no calibration?", "This new format needs no data. [1]", "format"),
    ],
)
def test_a_which_answer_that_names_no_such_thing_is_not_an_answer(
    question: str, answer: str, entity: str
) -> None:
    assert question_kind(question).entity == entity
    check = answers_question(question, answer, "es" if "¿" in question else "en")
    assert not check.answers and f"names no {entity}" in check.reason


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("¿Qué formato es más rápido que GPTQ?", "Cuantix: Este formato es más rápido. [1]"),
        ("Which tool ships a model as one executable?", "- llamafile: ships one executable [1]"),
        ("Which model did labelers prefer?", "They preferred the 1.3B InstructGPT model [1]."),
    ],
)
def test_a_which_answer_that_names_one_passes(question: str, answer: str) -> None:
    assert answers_question(question, answer, "es" if "¿" in question else "en").answers


def test_a_multi_line_call_is_one_statement_with_the_asked_line() -> None:
    statements = [text for text, _ in code_statements(CODE)]
    assert 'cfg = QuantConfig(\nbits=4,\nquant_type="abc",\n)' in statements
    assert "python -m server \\\n--port 8001" in statements
    assert "from peft import LoraConfig" in statements


def test_a_yaml_key_is_read_under_its_parent_key_with_its_comment() -> None:
    parents = dict(code_statements(CODE))
    assert parents["learning_rate: 2e-4"] == "training"
    assert parents["accumulation: 8   # batch efectivo = 32"] == "training"


@pytest.mark.parametrize(
    ("question", "language"),
    [("¿Qué quant_type usa QuantConfig?", "es"), ("Which quant_type does QuantConfig use?", "en")],
)
def test_the_code_unit_holding_the_asked_value_is_the_whole_call(
    question: str, language: str
) -> None:
    text = "```python\n" + "\n".join(CODE) + "\n```\n"
    scored = [s for s in score_units(question, language, [Passage(text)]) if s.unit.kind == "code"]
    best = max(scored, key=lambda s: s.coverage + s.own)
    assert 'quant_type="abc"' in best.unit.text and best.unit.text.startswith("cfg = QuantConfig(")


@pytest.mark.parametrize(
    ("sentence", "aside"),
    [
        (
            "Chinchilla corrigió la receta (por ejemplo, fue entrenado con 1,4 billones).",
            "por ejemplo, fue entrenado con 1,4 billones",
        ),
        (
            "Prefix caching helps (it cut time-to-first-token by roughly half).",
            "it cut time-to-first-token by roughly half",
        ),
        (
            "Ojo: con checkpointing la memoria baja de 22 GB a 14 GB.",
            "con checkpointing la memoria baja de 22 GB a 14 GB.",
        ),
        (
            "Note: TGI ran with flash-attention disabled this time.",
            "TGI ran with flash-attention disabled this time.",
        ),
    ],
)
def test_asides_are_units_of_their_own(sentence: str, aside: str) -> None:
    assert aside in asides(sentence)
    assert not asides("AWQ (Activation-aware) protege pesos.")  # a gloss is not a fact


@pytest.mark.parametrize(
    ("table", "footnote"),
    [
        (
            "| Método | Tiempo |\n|---|---|\n| GPTQ | 12 min* |\n\n"
            "\\* con 128 muestras de calibración.",
            "con 128 muestras de calibración.",
        ),
        (
            "| Engine | Tokens/s |\n|---|---|\n| TGI | 1,980† |\n\n"
            "† TGI 2.0 with flash-attention disabled.",
            "TGI 2.0 with flash-attention disabled.",
        ),
    ],
)
def test_a_table_footnote_is_a_unit(table: str, footnote: str) -> None:
    assert footnote in _texts(table)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("¿Con cuántos tokens fue entrenado Chinchilla?", "es"),
        ("How much did prefix caching cut time-to-first-token?", "en"),
    ],
)
def test_an_answerable_aside_answers(question: str, language: str) -> None:
    text = (
        "Chinchilla corrigió la receta de escala (por ejemplo, Chinchilla fue entrenado "
        "con 1,4 billones de tokens).\n\n- Prefix caching: turn it on with a flag (it cut "
        "time-to-first-token by roughly half on our prompts)."
    )
    assert any(s.answers for s in score_units(question, language, [Passage(text)]))


@pytest.mark.parametrize(
    ("question", "on_focus", "off_focus", "language"),
    [
        (
            "¿Quién propuso la arquitectura Transformer y en qué año?",
            "La arquitectura Transformer la propusieron Vaswani y otros en 2017.",
            "El Transformer reemplazó a las redes recurrentes en traducción.",
            "es",
        ),
        (
            "Who introduced LoRA and in which year?",
            "Hu et al. introduced LoRA in 2021.",
            "LoRA adds no inference latency, since the matrices can be merged.",
            "en",
        ),
    ],
)
def test_focus_prefers_the_unit_that_says_what_is_asked(
    question: str, on_focus: str, off_focus: str, language: str
) -> None:
    assert question_kind(question).parts == ("name", "date")
    assert focus(on_focus, question, language) > focus(off_focus, question, language)
    assert answers_question(question, f"{on_focus} [1]", language).answers
    assert not answers_question(question, f"{off_focus} [1]", language).answers


LOG = (
    "Hu et al. introduced LoRA in 2021. LoRA freezes the pretrained weights. "
    "It adds no inference latency.\n\nWeek 3. We read papers on preference tuning. "
    "Everyone liked the discussion. The room was booked for two hours. "
    "DPO skips the reward model and the RL loop."
)
APUNTES = (
    "AWQ protege el 1 % de los pesos más importantes. Se calibra con pocas muestras. "
    "Es rápido.\n\nOtra sesión. Hablamos de escalas. Nadie trajo café. Llegamos tarde. "
    "Falcon fue entrenado con 3,5 billones de tokens."
)


@pytest.mark.parametrize(
    ("question", "answer", "passage", "language"),
    [
        (
            # (a percentage would be asked for too: "¿Qué porcentaje…?" is caught earlier)
            "¿Cuántos pesos protege AWQ?",
            "Falcon fue entrenado con 3,5 billones de tokens [1].",
            APUNTES,
            "es",
        ),
        (
            "Does LoRA add inference latency?",
            "DPO skips the reward model and the RL loop [1].",
            LOG,
            "en",
        ),
    ],
)
def test_a_grounded_sentence_on_another_topic_is_not_an_answer(
    question: str, answer: str, passage: str, language: str
) -> None:
    check = answers_question(question, answer, language, [passage])
    assert not check.answers and "another topic" in check.reason
    assert answers_question(question, answer, language).answers  # no passages: unchecked


@pytest.mark.parametrize(
    ("question", "answer", "language"),
    [
        ("Who wrote the LoRA cheatsheet?", "QLoRA: weights stored as NF4 (4-bit) [1]", "en"),
        ("¿Quién escribió la chuleta de LoRA?", "QLoRA: pesos guardados en NF4 [1]", "es"),
    ],
)
def test_a_technical_name_with_digits_does_not_answer_who(
    question: str, answer: str, language: str
) -> None:
    check = answers_question(question, answer, language)
    assert not check.answers and "no name" in check.reason


ANAPHORA = {
    "felipe_aranda.md": (
        "# Felipe Aranda\n\nFelipe Aranda Gil (Salamanca, 1947) es un músico y compositor "
        "español. Hijo del pintor Gonzalo Aranda, estudió violonchelo en el conservatorio de "
        "Madrid y tocó en la Orquesta Nacional entre 1972 y 2005.\n"
    ),
    "alameda.md": (
        "# Deportivo Alameda\n\nDeportivo Alameda is a football club from Temuco, founded "
        "in 1931 by railway workers. Since 2019 its head coach has been Raúl Medina, a former "
        "goalkeeper of the club.\n"
    ),
}


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("¿Quién es el padre de Felipe Aranda?", "Gonzalo Aranda"),
        ("Who is the head coach of Deportivo Alameda?", "Raúl Medina"),
    ],
)
def test_a_sentence_naming_its_topic_by_a_pronoun_is_still_about_it(
    tmp_path: Path, question: str, gold: str
) -> None:
    """The gold sentence names its topic by "its" or not at all ("Hijo del pintor…"), the
    sentence before names the topic but not the answer: the passage's topic counts for
    the gold sentence too (PASSAGE_TOPIC); a chain's second hop asks exactly this."""
    from corpus import ingested

    answer = ingested(tmp_path, ANAPHORA).ask(question)
    assert gold in answer.answer, answer.answer


KIN = {
    "tomas_rivera.md": (
        "# Tomás Rivera\n\nTomás Rivera fue un arquitecto gallego que diseñó el mercado de"
        " Vigo en 1931. Trabajó en Madrid y en Buenos Aires. Su hijo Marcos Rivera nació en"
        " 1935 y fue ingeniero de caminos.\n"
    ),
    "helen_brook.md": (
        "# Helen Brook\n\nHelen Brook was a Scottish botanist who catalogued the ferns of"
        " Skye in 1902. She taught at Aberdeen for thirty years. Her son, Daniel Brook,"
        " became a naval officer in 1925.\n"
    ),
    "gonzalo_aranda.md": (
        "# Gonzalo Aranda\n\nGonzalo Aranda fue un pintor sevillano de marinas. Expuso en"
        " Cádiz y en Lisboa. Su hijo Felipe Aranda también fue pintor.\n"
    ),
}


def test_a_passage_naming_only_the_son_does_not_answer_who_the_father_was(
    tmp_path: Path,
) -> None:
    """A passage about X that names X's son names a person and X, and was quoted and
    shown verified for "Who was the father of X?" (adversarial pass). It answers who the
    son was."""
    from corpus import ingested

    rag = ingested(tmp_path, KIN)
    for question in ("¿Quién fue el padre de Tomás Rivera?", "Who was the father of Helen Brook?"):
        answer = rag.ask(question)
        assert answer.abstained, answer.answer
    for question, relative in (
        ("¿Quién fue el hijo de Tomás Rivera?", "Marcos Rivera"),
        ("Who was Helen Brook's son?", "Daniel Brook"),
        # the inverse named with the subject, in a passage about the parent
        ("¿Quién fue el padre de Felipe Aranda?", "Gonzalo Aranda"),
    ):
        answer = rag.ask(question)
        assert relative in answer.answer and answer.verification.grounded, answer.answer


@pytest.mark.parametrize(
    ("question", "sentence", "passage", "language"),
    [
        (
            "¿Quién es el padre de Felipe Aranda?",
            "Hijo del pintor Gonzalo Aranda, estudió violonchelo en Madrid.",
            ANAPHORA["felipe_aranda.md"],
            "es",
        ),
        (
            "Who is the head coach of Deportivo Alameda?",
            "Since 2019 its head coach has been Raúl Medina, a former goalkeeper of the club.",
            ANAPHORA["alameda.md"],
            "en",
        ),
    ],
)
def test_the_passage_topic_counts_for_a_sentence_that_does_not_name_it(
    question: str, sentence: str, passage: str, language: str
) -> None:
    alone = focus(sentence, question, language)
    assert focus(sentence, question, language, about=passage) > alone
    # still below a sentence that names the topic itself and holds the answer
    named = f"{question.split()[-2]} {question.split()[-1].rstrip('?')}: {sentence}"
    assert focus(named, question, language) > focus(sentence, question, language, about=passage)


LABS = {
    "despliegue.md": (
        "# Despliegue\n\n## vLLM\n\nServidor compatible con la API de OpenAI.\n\n"
        "```bash\nvllm serve Qwen/Qwen2.5-7B-Instruct --port 8000"
        " --gpu-memory-utilization 0.90\n```\n"
    ),
    "historia.md": (
        "# Historia\n\nChinchilla corrigió la receta: hay que entrenar con unos 20 tokens por"
        " parámetro (Chinchilla tiene 70B parámetros).\n"
    ),
    "labs.md": "# Labs\n\n### Lab 2:\nWe ran the exercises on a T4 GPU from Colab.\n",
}


def test_a_question_is_not_answered_from_a_passage_about_another_lab_or_a_word_inside_another(
    tmp_path: Path,
) -> None:
    """Unanswerable notes questions were answered and shown verified from passages that
    held their words only by accident: "RAM" inside "parámetros", "GPU" in a flag of a
    command from notes that have no lab 5. Lab 2's GPU is still found."""
    from corpus import ingested

    rag = ingested(tmp_path, LABS)
    for question in (
        "What GPU was used for lab 5?",
        "¿Qué GPU se usó en el lab 5?",
        "How much RAM does a 70B model need?",
        "¿Cuánta RAM necesita un modelo de 70B?",
    ):
        answer = rag.ask(question)
        assert answer.abstained, (question, answer.answer)
    for question in ("What GPU was used for lab 2?", "¿Qué GPU se usó en el lab 2?"):
        answer = rag.ask(question)
        assert "T4" in answer.answer and answer.verification.grounded, answer.answer
