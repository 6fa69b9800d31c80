"""Round 5 of the notes set (evals/data/notes, "round": 5): e-mail threads, Word and
PowerPoint files, PDF reading notes, Obsidian pages, a saved Q&A page and a Sphinx
reference. The general rules their tune part showed were missing, in both languages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.tools.answer_features import has_date, names, names_something, numbers
from agent.tools.answer_units import passage_units
from agent.tools.question_kind import question_kind
from agent.tools.question_rules import key_terms, keyword_query
from agent.tools.sentences import split_sentences
from agent.tools.verification.answers_question import answers_question
from agent.tools.word_forms import question_keys, word_keys


@pytest.mark.parametrize(
    ("question", "language", "noun"),
    [
        ("¿Cuándo termina el piloto?", "es", "Fin"),  # "Fase: Piloto · Fin: 28 feb"
        ("When does the pilot end?", "en", "Finish"),
        ("¿Cuándo empieza el despliegue?", "es", "Inicio"),
        ("Which method did they decide on?", "en", "Decision"),
        ("¿Qué decidieron sobre el reranker?", "es", "Decisión"),
    ],
)
def test_a_verb_meets_the_noun_notes_write_instead(question: str, language: str, noun: str) -> None:
    assert set(word_keys(noun, language)) <= set(question_keys(question, language))


@pytest.mark.parametrize(
    ("text", "dated"),
    [
        ("Fase: Piloto · Fin: 28 feb", True),
        ("answered Mar 3 at 9:12", True),
        ("Entrega el 3 de sept.", True),
        ("el mar estaba en calma", False),
        ("Reunión de fin de mes", False),
        ("nivel del mar 3 m", False),  # before a number, only a capitalised month
        ("uses enc 12 / dec 6 layers", False),
        ("40 mar", False),  # not a day
    ],
)
def test_a_short_month_beside_a_day_is_a_date(text: str, dated: bool) -> None:
    assert has_date(text) is dated


@pytest.mark.parametrize(
    ("question", "money"),
    [
        ("How much extra compute does gradient checkpointing cost?", False),
        ("¿Cuánto cómputo cuesta el reranker?", False),
        ("What does it cost in compute?", False),
        ("¿Cuánto cuesta la API por hora?", True),
        ("How much does the A100 cost per hour?", True),
        # what is bought, described by speed or quality, still has a price
        ("How much does the high-quality plan cost?", True),
        ("¿Cuánto cuesta la instancia de alta velocidad?", True),
        ("¿Cuánto cuesta el cómputo en la nube al mes?", True),
    ],
)
def test_compute_is_a_cost_that_is_not_money(question: str, money: bool) -> None:
    assert question_kind(question).money is money


def test_a_reference_is_one_unit_and_its_initials_do_not_end_a_sentence() -> None:
    line = (
        "[1] Adeyemi, T. and Liu, M. (2023). Fast Sampling with Draft Models. [2] "
        "Leviathan, Y., Kalman, M. y Matias, Y. (2023). Fast Inference from Transformers."
    )
    texts = [u.text for u in passage_units(line)]
    assert texts == [
        "Adeyemi, T. and Liu, M. (2023). Fast Sampling with Draft Models.",
        "Leviathan, Y., Kalman, M. y Matias, Y. (2023). Fast Inference from Transformers.",
    ]
    assert split_sentences("Escrito por Liu, M. (2023). Luego otro.")[0].endswith("(2023).")


def test_the_keyword_rewrite_is_the_same_whatever_the_hash_seed() -> None:
    """Ties in word length were broken by a set's order, which follows the hash seed: the
    same question searched different words from one run to the next."""
    question = "¿Cuánta memoria usa el reranker en la GPU de staging?"
    code = (
        "from agent.tools.question_rules import keyword_query;"
        f"print(keyword_query({question!r}, 2))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert runs == {keyword_query(question, 2) + "\n"}


@pytest.mark.parametrize(
    ("question", "answer", "answers"),
    [
        # money asked by its noun, not by "¿cuánto cuesta?": a title and a date are no budget
        ("¿Cuál es el presupuesto del proyecto Atlas?", "Proyecto Atlas · enero 2025 [1]", False),
        ("What is the budget of the Atlas project?", "Project Atlas · January 2025 [1]", False),
        ("¿Cuál es el presupuesto del proyecto Atlas?", "Presupuesto: 40.000 € [1]", True),
        ("What is the price of the hosted API?", "The hosted API costs $0.50 per hour. [1]", True),
        # what "how many X?" counts: not a date, a time of day, or a quantity with a unit
        (
            "¿Cuántas GPUs tiene el CPD?",
            "[2024-05-13 11:02] lucia: el jueves 16 cortan la luz en el CPD de 8 a 14h [1]",
            False,
        ),
        (
            "How many users does the internal assistant have?",
            "Synthetic questions overestimated faithfulness by 11 points compared with "
            "questions logged from users. [1]",
            False,
        ),
        ("¿Cuántas GPUs tiene el CPD?", "El CPD tiene 4 GPUs A100 desde el 13/05/2024. [1]", True),
        ("How many hours does a full run take?", "A full run takes about 3 h. [1]", True),
        ("¿Cuántos tokens más ocupa en español?", "Ocupa un 30 % más de tokens. [1]", True),
        ("¿Cuántos alumnos hay por grupo?", "Hay de 20 a 25 alumnos. [1]", True),
        ("How many gigabytes of VRAM does it need?", "It needs 24 GB. [1]", True),
        ("How many GPU-hours did the run take?", "About 1,200 h. [1]", True),
    ],
)
def test_money_by_its_noun_and_what_a_count_counts(
    question: str, answer: str, answers: bool
) -> None:
    language = "es" if question.startswith("¿") else "en"
    assert answers_question(question, answer, language).answers is answers


def test_a_name_with_digits_states_no_number() -> None:
    assert numbers("una A100 y una RTX 3090") == {"3090"}
    assert question_kind("What is the token budget?").money is False  # tokens, not money
    assert question_kind("¿Cuál es el precio de la API?").money is True
    # a money noun that qualifies another, or is qualified by a measure, asks no price
    for question in (
        "What is the error budget of the service?",
        "¿Cuál es el presupuesto de cómputo?",
        "Which pricing tier did we choose?",
        "What is the salary range?",
        "What is the budget for the context window?",
    ):
        assert question_kind(question).money is False, question


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("Notes by K. Osei for the inference reading group", "en", "osei"),
        ("Notas tomadas por R. Ibáñez para el grupo de lectura", "es", "ibanez"),
        ("Written by J. R. Tolkien in Oxford", "en", "tolkien"),
        # a sentence that ends on a letter ("appendix A.") starts no name
        ("It is filed under appendix A. However, the author is not stated.", "en", ""),
        ("Ver el apartado B. Ninguna nota indica el autor.", "es", ""),
    ],
)
def test_a_name_after_an_initial_is_a_name(text: str, language: str, name: str) -> None:
    """An initial's period opens no sentence where a name starts ("by K. Osei"): "K.
    Osei" answers "Who took the notes?", and "appendix A. However…" answers nothing."""
    found = names(text, language, people=True)
    assert name in found if name else not found, found
    question = "Who took the notes?" if language == "en" else "¿Quién tomó las notas?"
    assert answers_question(question, f"{text} [1]", language).answers is bool(name)


@pytest.mark.parametrize(
    ("question", "answer", "names_one"),
    [
        (
            "Which chunking method did they decide to go with?",
            "Go with the recursive splitter.",
            True,
        ),
        ("¿Qué método eligieron al final?", "Al final eligieron el troceado recursivo.", True),
        ("Which method did they go with?", "We did not go with the semantic splitter.", False),
        # a speaker's label and a colon stand between the question's word and the phrase
        (
            "¿Qué dataset de NLI menciona la profesora?",
            "PROFESORA: Para la práctica 4 vais a usar NLI, un modelo de inferencia.",
            False,
        ),
        ("¿Qué método no necesita calibración?", "Este método no necesita calibración.", False),
        (
            "Which chunking method did they decide to go with?",
            "They will decide to go with the team next week.",
            False,
        ),
        (
            "Which chunking method did they decide to go with?",
            "They did not decide; go with the flow.",
            False,
        ),
        ("¿Qué método eligieron?", "Eligieron el mismo.", False),
        ("¿Qué método usaron?", "Usaron la misma configuración que antes.", False),
    ],
)
def test_a_which_answer_may_name_its_thing_by_a_definite_phrase(
    question: str, answer: str, names_one: bool
) -> None:
    language = "es" if question.startswith("¿") else "en"
    entity = question_kind(question).entity
    assert entity
    assert names_something(answer, question, language, entity) is names_one


def test_code_short_forms_meet_the_words_they_shorten() -> None:
    """ "max_seq_length" is a sequence length; "num_params" a number of parameters."""
    assert set(word_keys("sequence length", "en")) <= set(word_keys("max_seq_length", "en"))
    assert set(word_keys("number parameters", "en")) <= set(word_keys("num_params", "en"))


@pytest.mark.parametrize(
    ("text", "language", "user"),
    [
        ("answered Mar 2, 2024 at 19:47 by tkruger 18.3k", "en", "tkruger"),
        ("asked by dev_marta", "en", "dev_marta"),
        ("Respuesta publicada por lgarcia · 3 de marzo", "es", "lgarcia"),
        ("It was answered by someone on the forum.", "en", ""),
        ("Fue publicada por alumnos en el foro", "es", ""),
        ("Fue respondida por escrito el lunes", "es", ""),
        ("The parser was written by hand in C.", "en", ""),
        ("The report was posted by researchers.", "en", ""),
        ("300 questions posted by support agents", "en", ""),
        ("Escrito por defecto en UTF-8.", "es", ""),
    ],
)
def test_a_byline_names_its_user_in_lowercase(text: str, language: str, user: str) -> None:
    """Q&A pages and forums write who answered as a lowercase handle after "by"."""
    found = names(text, language, people=True)
    if user:
        assert user in found
    else:
        assert not found - {"c", "utf-8"}, found


@pytest.mark.parametrize(
    ("question", "language", "name"),
    [
        ("¿Cuál es el plan B si vLLM no cabe en la GPU?", "es", "vLLM"),
        ("What is the fallback if vLLM does not fit on the GPU?", "en", "vLLM"),
        ("Does gRPC streaming work on iOS?", "en", "gRPC"),
    ],
)
def test_a_name_opening_with_a_small_letter_is_a_key_term(
    question: str, language: str, name: str
) -> None:
    """ "vLLM" names a thing as "QLoRA" does: a passage that names it but says "L4" for
    the GPU is kept by the grader, not ruled out for lacking "GPU"."""
    from agent.tools.relevance import relevant
    from agent.tools.unit_scoring import Passage

    assert name in key_terms(question)
    if name != "vLLM":
        return
    text = {
        "es": "Arquitectura\n\nModelo: Mistral-7B servido con vLLM en una L4.\n\n"
        "Si vLLM no cabe en la L4, el plan B es llama.cpp con Q4_K_M.",
        "en": "Architecture\n\nModel: Mistral-7B served by vLLM on an L4.\n\n"
        "If vLLM does not fit on the L4, the fallback is llama.cpp with Q4_K_M.",
    }[language]
    assert relevant(question, language, [Passage(text, "", "Kickoff", language)]) == [True]
    assert key_terms("What is QLoRA?") == ["QLoRA"]  # the old shapes unchanged


@pytest.mark.parametrize(
    ("asked", "written"),
    [
        ("usan", "usamos"),
        ("usó", "usaron"),
        ("ganó", "ganaron"),
        ("jugó", "jugado"),
        ("tardó", "tardan"),
        ("pasan", "pasada"),
    ],
)
def test_a_short_rooted_ar_verb_meets_its_other_persons(asked: str, written: str) -> None:
    """ "¿Qué modelo usan ahora como juez?" over "El juez que usamos ahora es Qwen…":
    persons of a verb whose root is two to four letters differ inside five letters."""
    assert word_keys(asked, "es") == word_keys(written, "es")


def test_the_short_ar_rule_leaves_function_words_names_and_english_alone() -> None:
    assert question_keys("¿En qué puerto escucha el bot?", "es") == ["puert", "escuc", "bot"]
    assert word_keys("eran estaban", "es") == []  # stopwords stay stopwords
    assert word_keys("Lo vio Susan", "es") == ["ver", "susan"]  # a name, inside a sentence
    assert word_keys("Usamos jueces.", "es") == word_keys("usamos jueces.", "es")  # its start
    assert word_keys("gran plan", "es") == ["gran", "plan"]  # a root has a vowel
    assert word_keys("humans human", "en") == ["human", "human"]  # English is not read so


def test_the_judge_email_is_kept_for_a_question_in_another_person() -> None:
    from agent.tools.relevance import relevant
    from agent.tools.unit_scoring import Passage

    text = (
        "1) El juez que usamos ahora es Qwen2.5-7B-Instruct con la plantilla\n"
        '"pairwise-v2". Concuerda con las anotaciones humanas en un 81 % de los pares.'
    )
    passage = Passage(text, "", "Re: Evaluación con LLM como juez", "es")
    assert relevant("¿Qué modelo usan ahora como juez?", "es", [passage]) == [True]


# ------------------------------------------------- a phone, an e-mail or a web address


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("¿Cuál es el teléfono de Marcos?", "phone"),
        ("What is Lucía's phone number?", "phone"),
        ("¿Cuál es el correo de soporte?", "email"),
        ("What is Marcos's email address?", "email"),
        ("What is the URL of the dashboard?", "url"),
        ("¿Cuál es la página web del curso?", "url"),
        ("What's Ana's phone?", "phone"),
        ("What is the support team's phone number?", "phone"),
        ("¿cual es el telefono de marcos?", "phone"),
        ("¿Cuál es la web del curso?", "url"),
        ("¿Qué correo mandó Lucía el martes?", ""),  # a message, not an address
        ("What is the link between LoRA and QLoRA?", ""),  # a relation
        ("¿Cuál es el enlace entre atención y memoria?", ""),
        ("What is an email address?", ""),
        ("What is the email retention policy?", ""),  # the noun ends its phrase
        ("What is the website built with?", ""),
        ("What is the best phone for on-device ML?", ""),
        ("What is the phone's battery life?", ""),
        ("¿Cuál es el correo más reciente?", ""),
        ("What is the URL length limit?", ""),
    ],
)
def test_a_question_asking_for_an_address_is_read_so(question: str, measure: str) -> None:
    assert question_kind(question).measure == measure


@pytest.mark.parametrize(
    ("text", "measure", "held"),
    [
        ("Lucía Ferrer · Tel. +34 91 555 01 23", "phone", True),
        ("phone: (555) 010-0199", "phone", True),
        ("+1 555 010 0199", "phone", True),
        ("Phone number: (555) 010-0199", "phone", True),
        ("Tfno: 915550123", "phone", True),
        ("Date: Thu, 21 Nov 2024 18:40:12 +0100", "phone", False),  # a time zone
        ("2024-05-14 ticket #4412", "phone", False),
        ("+1.25 points over the baseline", "phone", False),
        ("Run cell 3, then the Phone 15 Pro on Mobile 5G", "phone", False),
        ("scores = q@k.transpose(-2, -1); y = A@B.shape", "email", False),
        ("Cc: Marcos Gil <marcos.gil@atlas-nlp.example>", "email", True),
        ("escríbele a Marcos por el canal", "email", False),
        ("el panel está en https://grafana.acme.io/d/rag", "url", True),
        ("see grafana.acme.io", "url", True),
        ("a ratio of 3.5", "url", False),
        ("v2.io, tf.io.gfile, self.net = Net(), funciona bien.Es decir", "url", False),
        ("[1](#ref)", "url", False),
    ],
)
def test_an_address_is_held_in_its_own_written_form(text: str, measure: str, held: bool) -> None:
    from agent.tools.answer_features import holds_measure

    assert holds_measure(text, measure) is held


def test_a_phone_is_answered_only_by_the_line_that_says_whose_it_is() -> None:
    from agent.tools.unit_scoring import Passage, score_units

    signature = (
        "Un saludo,\nLucía\n\n--\nLucía Ferrer · Equipo de Evaluación · Tel. +34 91 555 01 23"
    )
    cc = "Cc: Marcos Gil <marcos.gil@atlas-nlp.example>"
    passages = [Passage(f"{signature}\n\n{cc}", "", "Re: Evaluación", "es")]
    for question, language, answer in (
        ("¿Cuál es el teléfono de Lucía?", "es", "+34 91 555 01 23"),
        ("What is Lucía's phone number?", "en", "+34 91 555 01 23"),
        ("¿Cuál es el correo de Marcos?", "es", "marcos.gil@"),
        ("What is Marcos's email address?", "en", "marcos.gil@"),
    ):
        answering = [s.unit.text for s in score_units(question, language, passages) if s.answers]
        assert answering and all(answer in text for text in answering), (question, answering)
    for question, language in (
        ("¿Cuál es el teléfono de Marcos?", "es"),
        ("¿cual es el telefono de marcos?", "es"),  # typed without capitals or accents
        ("¿Cuál es el teléfono de Marcos Ferrer?", "es"),  # not Lucía Ferrer's
        ("What is Marcos's phone number?", "en"),
    ):
        scored = score_units(question, language, passages)
        assert not [s.unit.text for s in scored if s.answers and "+34" in s.unit.text]
        check = answers_question(question, "Tel. +34 91 555 01 23 [1]", language)
        assert not check.answers and "whom" in check.reason, question
    whose = answers_question("¿Cuál es el teléfono de Lucía?", f"{signature} [1]", "es")
    assert whose.answers, whose.reason


def test_an_email_signature_is_one_line_and_tel_is_no_sentence_end(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ingestion.loaders import load_document

    message = (
        "Subject: Resultados\nFrom: Lucía <lucia@example.org>\nTo: eval@example.org\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Hola,\n\nlos números están en la hoja.\n\n-- \nLucía Ferrer\nEquipo de Evaluación\n"
        "Tel. +34 91 555 01 23\n\nEl mié, Marcos escribió:\n> ¿Y los números?\n"
    )
    path = tmp_path / "hilo.eml"
    path.write_bytes(message.encode("utf-8"))
    body = load_document(path).sections[1].text
    assert "Lucía Ferrer · Equipo de Evaluación · Tel. +34 91 555 01 23" in body
    assert "> ¿Y los números?" in body  # what follows the signature is left as it was
    assert split_sentences("Tel. +34 91 555 01 23") == ["Tel. +34 91 555 01 23"]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # a reply header right after the signature ends it: the quoted one stays apart
        (
            "--\nPablo Ruiz\nTel. 600 44 44 44\nEl lun, 3 mar, Sara Vidal escribió:\n"
            "> --\n> Sara Vidal\n> Tel. 600 98 76 54",
            "--\nPablo Ruiz · Tel. 600 44 44 44\nEl lun, 3 mar, Sara Vidal escribió:\n"
            "> --\n> Sara Vidal\n> Tel. 600 98 76 54",
        ),
        # a "--" used as a separator in the body, with text after it, is no signature
        (
            "intro\n--\nThe deadline is\nFriday 5 pm\n\nMore text.",
            "intro\n--\nThe deadline is\nFriday 5 pm\n\nMore text.",
        ),
        ("Bye\n-- \nAna Gil\nTel 600 11 22 33", "Bye\n-- \nAna Gil · Tel 600 11 22 33"),
    ],
)
def test_only_a_signature_is_joined(text: str, joined: str) -> None:
    from ingestion.loaders.eml import joined_signature

    assert joined_signature(text) == joined


def test_units_and_camel_case_are_no_key_terms() -> None:
    assert key_terms("How many kWh a day, in dB or mAh?") == []
    assert key_terms("¿Qué valor tiene maxTokens?") == []  # code, written max_tokens too
    assert key_terms("Does it run on macOS?") == ["macOS"]


SHELLEY_EN = (
    "Following the Peterloo massacre of 1819, the poet Percy Shelley wrote The Mask of"
    " Anarchy. A version of its principle was taken up by Henry David Thoreau in his essay"
    " Civil Disobedience, and later by Gandhi in his doctrine of Satyagraha. Gandhi would"
    " often quote the poem to vast audiences during the campaign for a free India."
)
SHELLEY_ES = (
    "Tras la masacre de Peterloo de 1819, el poeta Percy Shelley escribió La máscara de la"
    " anarquía. Su principio lo retomó Henry David Thoreau en su ensayo Desobediencia civil"
    " y después Gandhi en su doctrina de la Satyagraha. Gandhi citaba a menudo el poema ante"
    " grandes audiencias durante la campaña por una India libre."
)


@pytest.mark.parametrize(
    ("question", "language", "text"),
    [
        ("Which famous Indian often quoted the poem to vast audiences?", "en", SHELLEY_EN),
        ("¿Qué famoso indio citaba a menudo el poema ante grandes audiencias?", "es", SHELLEY_ES),
    ],
)
def test_a_peoples_name_meets_its_land(
    shown_answer, question: str, language: str, text: str
) -> None:  # type: ignore[no-untyped-def]
    """ "Indian" is not written in a paragraph about Gandhi "in India", and it was the only
    name the question had: the paragraph was ruled out and the question abstained."""
    assert "Gandhi" in shown_answer(question, language, text)


HYPERBARIC_EN = (
    "Hyperbaric medicine uses special oxygen chambers to increase the pressure around the"
    " patient. Carbon monoxide poisoning, gas gangrene and decompression sickness are"
    " sometimes treated using these devices. Oxygen is poisonous to the anaerobic bacteria"
    " that cause gas gangrene."
)
HYPERBARIC_ES = (
    "La medicina hiperbárica usa cámaras especiales de oxígeno para aumentar la presión"
    " alrededor del paciente. La intoxicación por monóxido de carbono, la gangrena gaseosa"
    " y la enfermedad por descompresión a veces se tratan con estos dispositivos. El"
    " oxígeno es venenoso para las bacterias anaerobias que causan la gangrena gaseosa."
)


@pytest.mark.parametrize(
    ("question", "language", "text", "antecedent"),
    [
        (
            "What device is used to treat carbon monoxide poisoning?",
            "en",
            HYPERBARIC_EN,
            "special oxygen chambers",
        ),
        (
            "¿Qué dispositivo se usa para tratar la intoxicación por monóxido de carbono?",
            "es",
            HYPERBARIC_ES,
            "cámaras especiales de oxígeno",
        ),
    ],
)
def test_a_sentence_naming_the_asked_thing_as_these_is_quoted_with_the_one_before(
    shown_answer,  # type: ignore[no-untyped-def]
    question: str,
    language: str,
    text: str,
    antecedent: str,
) -> None:
    """ "…are sometimes treated using these devices" says which device only through the
    sentence before it, which is quoted with it."""
    answer = shown_answer(question, language, text)
    assert antecedent in answer
    assert "these devices" in answer or "estos dispositivos" in answer
