"""kinship.py: whose relative a text names, in both languages, each way round.

The cases are those an adversarial pass found: the subject's son named for the subject's
father, the inverse stated with the subject as the parent, a relative of another person,
and words that only look like kinship ("la Madre Teresa", "the child process"). Linear
time on long texts: tests/test_linear_text.py."""

from __future__ import annotations

import pytest

from agent.tools.kinship import PARENT, as_prefixes, asked_relation, says_the_relation


@pytest.mark.parametrize(
    ("text", "question"),
    [
        # the inverse, with the subject as the child
        (
            "Felipe Aranda. Hijo del pintor Gonzalo Aranda, estudió en Madrid.",
            "¿Quién es el padre de Felipe Aranda?",
        ),
        (
            "Felipe Aranda es el hijo mayor del pintor sevillano Gonzalo Aranda.",
            "¿Quién fue el padre de Felipe Aranda?",
        ),
        (
            "Felipe Aranda was the painter Gonzalo Aranda's eldest son.",
            "Who was Felipe Aranda's father?",
        ),
        ("Marcos Ruiz, son of Tomás Ruiz, became a doctor.", "Who was Marcos Ruiz's father?"),
        # ... or named right after it, in a passage about the parent
        ("Su hijo Felipe Aranda también fue pintor.", "¿Quién fue el padre de Felipe Aranda?"),
        (
            "Gonzalo Aranda had a son, Felipe Aranda, who painted.",
            "Who was Felipe Aranda's father?",
        ),
        ("Sus hijas fueron Lucía Vega y Clara Vega.", "¿Quién fue el padre de Lucía Vega?"),
        # the asked word, of the subject or of no one named
        ("Tomás Ruiz fue el padre de Marcos Ruiz.", "¿Quién fue el padre de Marcos Ruiz?"),
        (
            "Felipe Aranda nació en Sevilla. Su padre, Gonzalo, era pintor.",
            "¿Quién fue el padre de Felipe Aranda?",
        ),
        (
            "Helen Brook taught botany. Her son, Daniel Brook, became an officer.",
            "Who was Helen Brook's son?",
        ),
        (
            "Tomás Rivera fue arquitecto. Su hijo Marcos Rivera nació en 1935.",
            "¿Quién fue el hijo de Tomás Rivera?",
        ),
        # the asked word of the subject, past a coordination (XQuAD tune)
        (
            "El emperador Gegeen Khan, hijo y sucesor de Ayurbarwada, gobernó dos años.",
            "¿Quién era el hijo de Ayurbarwada?",
        ),
        # names stop at punctuation: the next sentence's capitals are not the parent's
        (
            "Felipe Aranda. Era hijo del pintor Gonzalo Aranda. Felipe estudió violonchelo.",
            "¿Quién es el padre de Felipe Aranda?",
        ),
        (
            "Felipe Aranda. He was the son of the painter Gonzalo Aranda. Felipe studied.",
            "Who is the father of Felipe Aranda?",
        ),
        # both parents, or all the children, name the one asked for
        ("Los padres de Luz Mar fueron Andrés Mar y Rosa León.", "¿Quién fue el padre de Luz Mar?"),
        ("John Keats's parents were Thomas Keats and Frances.", "Who was John Keats's father?"),
        # question words and titles are no part of the subject's name
        ("Helen Brook taught. Her son, Daniel Brook, sailed.", "Who's Helen Brook's son?"),
        ("Ana Gil was born in Lugo. Her father was Luis Gil.", "Who was Dr. Ana Gil's father?"),
        # no relative of a named person asked: nothing to check
        ("Meta Platforms bought Instagram.", "Who is the parent company of Instagram?"),
        ("Anjezë Bojaxhiu nació en Skopie en 1910.", "¿Dónde nació la Madre Teresa?"),
        ("Anjezë Bojaxhiu nació en Skopie en 1910.", "¿Quién fundó la orden de la Madre Teresa?"),
        ("It returns 0 in the new process.", "What does fork() return in the child process?"),
        ("Flambeau is his friend.", "Who is Father Brown's friend?"),
    ],
)
def test_the_relation_is_said(text: str, question: str) -> None:
    assert says_the_relation(text, question)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        # the subject's son, for the subject's father
        ("Su hijo Marcos Rivera nació en 1935.", "¿Quién fue el padre de Tomás Rivera?"),
        ("Her son, Daniel Brook, became an officer.", "Who was the father of Helen Brook?"),
        ("Marcos Ruiz, son of Tomás Ruiz, became a doctor.", "Who was Tomás Ruiz's father?"),
        ("Marcos Ruiz, hijo de Tomás Ruiz, fue médico.", "¿Quién fue el padre de Tomás Ruiz?"),
        # the asked word of another person
        ("Tomás Ruiz fue el padre de Marcos Ruiz.", "¿Quién fue el padre de Tomás Ruiz?"),
        ("Ana Gil was the mother of Eva Gil.", "Who was Lía Gil's mother?"),
        # a relation of someone the text never names
        ("She is the daughter of the carpenter Gil Luna.", "¿Quién es el padre de Luis Vega?"),
        # names stop at punctuation: the son named, then the subject in the next sentence
        (
            "Helen Brook was a botanist. Her son was Daniel Brook. Helen retired in 1930.",
            "Who was the father of Helen Brook?",
        ),
        (
            "Tomás Rivera. Tuvo un hijo, Marcos Rivera. Tomás murió.",
            "¿Quién fue el padre de Tomás Rivera?",
        ),
        # the asked word naming the subject: said of the subject's child
        (
            "Marcos Rivera. Su padre, Tomás Rivera, diseñó un mercado.",
            "¿Quién fue el padre de Tomás Rivera?",
        ),
        # a priest, not a father
        ("Luis Vidal fue alumno del padre Anselmo Castro.", "¿Quién fue el padre de Luis Vidal?"),
        ("Pablo Ortiz was taught by Father Henry Vane.", "Who was Pablo Ortiz's father?"),
        # the relative of someone else the passage names
        (
            "Ramón Sáez se casó con Elena Mora, hija del notario Julián Mora.",
            "¿Quién fue el padre de Ramón Sáez?",
        ),
        # no kinship word at all
        ("Tomás Rivera diseñó el mercado de Vigo.", "¿Quién fue el padre de Tomás Rivera?"),
    ],
)
def test_the_relation_is_not_said(text: str, question: str) -> None:
    assert not says_the_relation(text, question)


def test_a_relation_question_has_its_words_and_subject() -> None:
    same, subject = asked_relation("¿Quién fue la madre de Tomás Rivera?") or ((), ())
    assert "mother" in same and "madre" in same and "padre" not in same
    assert subject == {"tomas", "rivera"}
    assert asked_relation("Who was Helen Brook's son?") == (
        frozenset({"son", "hijo", "sons", "children", "hijos"}),
        frozenset({"helen", "brook"}),
    )
    assert asked_relation("¿Dónde nació la Madre Teresa?") is None
    assert as_prefixes(PARENT) >= {"padre", "madre", "fathe", "mothe", "paren"}
