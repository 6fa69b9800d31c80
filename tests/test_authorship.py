"""Who wrote it? (agent/tools/authorship.py): a question about an author is answered only
by a text that credits one, in both languages, as the answerer and the "does it answer?"
check read it."""

from __future__ import annotations

import pytest

from agent.tools.authorship import asks_for_an_author, credits_an_author
from agent.tools.verification.answers_question import answers_question

GLOSSARY = (
    "# Glossary\n\n"
    "KV cache — keys and values of past tokens kept in GPU memory so they are not "
    "recomputed; grows linearly with context length.\n\n"
    "MoE — mixture of experts. A router sends each token to a few experts (Mixtral: 2 of 8)."
)
TRANSCRIPT_ES = (
    "[00:04:10] PROFESORA: Una técnica que funciona bastante bien es la autoverificación. "
    "Se llama Chain-of-Verification, la propusieron en Meta.\n"
    "[00:12:30] PROFESORA: La semana que viene no hay clase, nos vemos el día 6."
)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who wrote the glossary?", True),
        ("Who authored the Liber servitoris?", True),
        ("Who took the notes on speculative decoding?", True),
        ("Who is the author of the deployment guide?", True),
        ("¿Quién transcribió la clase 7?", True),
        ("¿Quién es la autora del informe?", True),
        ("¿Quién escribió el acta de la reunión?", True),
        ("¿Quién tomó los apuntes del taller?", True),
        # the reader, a proposer, or no "who?" at all
        ("Who was the medical report written for?", False),
        ("¿Para quién fue escrito el informe?", False),
        ("Who proposed LoRA?", False),
        ("¿Quién propuso la arquitectura Transformer?", False),
        ("What did the author conclude?", False),
        # a message, an access right, an approval, a transcript read: not a text's author
        ("Who wrote back to the client about the refund?", False),
        ("¿Quién escribió al proveedor sobre el retraso?", False),
        ("Who has write access to the production repo?", False),
        ("Who needs written approval for purchases?", False),
        ("Who has access to the call transcripts?", False),
        ("¿Quién revisa las transcripciones de las llamadas?", False),
    ],
)
def test_a_question_about_an_author_is_known(question: str, asks: bool) -> None:
    assert asks_for_an_author(question) is asks


@pytest.mark.parametrize(
    ("text", "language", "credits"),
    [
        ("By Priya Raman · June 3, 2024 · 9 min read", "en", True),
        ("author: Kenji Watanabe", "en", True),
        ("Notes by K. Osei for the inference reading group", "en", True),
        ("answered Mar 3, 2024 at 8:02 by tkruger 2,877", "en", True),
        ("Adeyemi, T. and Liu, M. (2023). Fast Sampling with Draft Models.", "en", True),
        ("as shown before (Mann et al., 1999)", "en", True),
        ("From: Lucía Gómez <lucia@example.com>", "es", True),
        ("Transcripción: Iker Sanz", "es", True),
        ("Acta redactada por Marta Gil", "es", True),
        ("Firmado: Lucía Ferrer", "es", True),
        ("basado en un documento de 1999 de Michael E. Mann", "es", True),
        ("These are Lucía Ferrer's notes on distillation.", "en", True),
        # names, but no author's credit
        ("Hu et al. introduced LoRA in 2021 (at Microsoft).", "en", False),
        (GLOSSARY, "en", False),
        (TRANSCRIPT_ES, "es", False),
        ("Por ejemplo, el modelo fue entrenado con 2T tokens.", "es", False),
        ("Accuracy rose by 11 points.", "en", False),
        # a stray "by", a possessive or a "de" that credits no writing (adversarial pass)
        ("Send it to Dana Whitfield by Friday.", "en", False),
        ("It's reviewed every quarter with Dana Whitfield.", "en", False),
        ("Priya Raman's team runs the staging cluster.", "en", False),
        ("Marta Gil lo aprueba por Slack cada lunes.", "es", False),
        ("El informe trimestral resume las ventas de Europa.", "es", False),
        ("The ingestion service writes parquet files.", "en", False),  # and no one named
    ],
)
def test_an_authors_credit_is_read_as_documents_write_it(
    text: str, language: str, credits: bool
) -> None:
    assert credits_an_author(text, language) is credits


@pytest.mark.parametrize(
    ("question", "language", "text"),
    [
        ("Who took the notes at the retro?", "en", "Dana Whitfield took the notes at the retro."),
        ("¿Quién tomó los apuntes de la clase 7?", "es", "Los apuntes los tomó Lucía Ferrer."),
        ("¿Quién pasó a limpio los apuntes?", "es", "Los apuntes los pasó a limpio Marta Gil."),
    ],
)
def test_the_questions_own_verb_credits_the_author(question: str, language: str, text: str) -> None:
    assert asks_for_an_author(question)
    assert credits_an_author(text, language, question)
    other = text.replace("took", "read").replace("tomó", "leyó").replace("pasó a limpio", "leyó")
    assert not credits_an_author(other, language, question)


@pytest.mark.parametrize(
    ("question", "language", "answer", "passage"),
    [
        (
            "Who wrote the deployment guide?",
            "en",
            "Kenji Watanabe [1].",
            "Deployment guide\n\nThe deployment guide was written by Kenji Watanabe in March.",
        ),
        (
            "¿Quién redactó la guía de despliegue?",
            "es",
            "Fue Lucía Ferrer, en marzo [1].",
            "Guía de despliegue\n\nLa guía de despliegue la redactó Lucía Ferrer en marzo.",
        ),
    ],
)
def test_a_short_answer_is_credited_by_the_sentence_it_cites(
    question: str, language: str, answer: str, passage: str
) -> None:
    """A model's short answer names the author without a credit of its own; the cited
    sentence that names the same person credits them (adversarial pass: such answers
    were sent to the fallback)."""
    assert answers_question(question, answer, language, [passage]).answers
    # the same answer citing a passage that credits no one is still no answer
    other = passage.replace("was written by", "was reviewed with").replace(
        "la redactó", "la revisó"
    )
    assert not answers_question(question, answer, language, [other]).answers


@pytest.mark.parametrize(
    ("question", "language", "answer"),
    [
        ("Who wrote the glossary?", "en", GLOSSARY),
        ("Who wrote the LoRA cheatsheet?", "en", "Hu et al. introduced LoRA in 2021."),
        ("¿Quién transcribió la clase 7?", "es", TRANSCRIPT_ES),
        ("¿Quién escribió la guía?", "es", "Según Lucía, el índice usa HNSW con m=16."),
    ],
)
def test_names_without_an_authors_credit_do_not_answer_who_wrote_it(
    question: str, language: str, answer: str
) -> None:
    check = answers_question(question, f"{answer} [1]", language, [answer])
    assert not check.answers
    assert "author" in check.reason


@pytest.mark.parametrize(
    ("question", "language", "answer"),
    [
        ("Who wrote the post about RAG in production?", "en", "By Priya Raman · June 3, 2024"),
        ("¿Quién escribió la guía de despliegue?", "es", "autora: Lucía Gómez"),
        ("Who proposed LoRA?", "en", "Hu et al. introduced LoRA in 2021."),  # not authorship
    ],
)
def test_an_authors_credit_answers_who_wrote_it(question: str, language: str, answer: str) -> None:
    passage = f"# {question.strip('¿?')}\n\n{answer}"  # the passage's title names its topic
    assert answers_question(question, f"{answer} [1]", language, [passage]).answers


@pytest.mark.parametrize(
    ("question", "language", "byline"),
    [
        ("Who wrote the glossary?", "en", "Glossary compiled by Dana Whitfield, March 2024."),
        ("¿Quién escribió el glosario?", "es", "Glosario escrito por Dana Whitfield en marzo."),
    ],
)
def test_the_answerer_quotes_the_byline_not_the_entries(
    shown_answer,  # type: ignore[no-untyped-def]
    question: str,
    language: str,
    byline: str,
) -> None:
    """A glossary's entries name acronyms and models; its byline names who wrote it, and
    is what the answerer quotes. Without the byline the question is not answered."""
    assert "Dana Whitfield" in shown_answer(question, language, f"{GLOSSARY}\n\n{byline}")
    assert shown_answer(question, language, GLOSSARY) == ""


@pytest.mark.parametrize(
    "text",
    [
        "Unsloth: Hand-written Triton kernels make LoRA training about 2x faster.",
        "The server Dana Whitfield maintains is written in Rust.",
        "Está escrito en C++ y Marta Gil lo compila en Windows.",
    ],
)
def test_written_credits_no_one_without_by(text: str) -> None:
    assert not credits_an_author(text, "es" if "escrito" in text else "en")
