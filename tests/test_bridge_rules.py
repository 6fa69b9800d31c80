"""Bridge questions read without a model (agent/tools/bridge_rules.py), the short answer a
hop passes on (agent/tools/hop_answer.py), and the checks a model's plan must pass
(agent/graphs/plan.py). Each bridge form in Spanish and English; the entities here are
not the dev set's (evals/data/chains)."""

from __future__ import annotations

import time

import pytest

from agent.graphs.plan import PlanError, check_plan, is_chain, parse_plan, resolve
from agent.models.calls import ModelCallError
from agent.tools.bridge_rules import bridge_plan
from agent.tools.hop_answer import hop_entity


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        # possessives: "the R of X", "el R de X", "X's R"
        (
            "In what year was the publisher of the magazine Vientos founded?",
            "en",
            ["What is the publisher of the magazine Vientos?", "In what year was #1 founded?"],
        ),
        (
            "¿En qué año se fundó la editorial de la revista Vientos?",
            "es",
            ["¿Cuál es la editorial de la revista Vientos?", "¿En qué año se fundó #1?"],
        ),
        (
            "Where was Marco Polo Díaz's father born?",
            "en",
            ["Who is the father of Marco Polo Díaz?", "Where was #1 born?"],
        ),
        # relative clauses and participles
        (
            "Who is the current drummer of the band that recorded the song Arena fría?",
            "en",
            ["Which band recorded the song Arena fría?", "Who is the current drummer of #1?"],
        ),
        (
            "¿Quién es el baterista actual de la banda que grabó la canción «Arena fría»?",
            "es",
            ["¿Qué banda grabó la canción «Arena fría»?", "¿Quién es el baterista actual de #1?"],
        ),
        (
            "¿Dónde nació el actor que interpretó a Lalo Gómez?",
            "es",
            ["¿Qué actor interpretó a Lalo Gómez?", "¿Dónde nació #1?"],
        ),
        (
            "In what year was the film directed by Rita Sol released?",
            "en",
            ["Which film was directed by Rita Sol?", "In what year was #1 released?"],
        ),
        (
            "¿En qué año se estrenó la película dirigida por Rita Sol?",
            "es",
            ["¿Qué película fue dirigida por Rita Sol?", "¿En qué año se estrenó #1?"],
        ),
        (
            "¿Quién es la esposa del arquitecto que diseñó el Teatro Real?",
            "es",
            ["¿Qué arquitecto diseñó el Teatro Real?", "¿Con quién está casado #1?"],
        ),
        # compositions of relations
        (
            "Who was the paternal grandfather of Eva Luna?",
            "en",
            ["Who is the father of Eva Luna?", "Who is the father of #1?"],
        ),
        (
            "When was Eva Luna's maternal grandmother born?",
            "en",
            ["Who is the mother of Eva Luna?", "Who is the mother of #1?", "When was #2 born?"],
        ),
        (
            "¿Quién fue el abuelo paterno de Eva Luna?",
            "es",
            ["¿Quién es el padre de Eva Luna?", "¿Quién es el padre de #1?"],
        ),
        (
            "Who is the father-in-law of Eva Luna?",
            "en",
            ["Who is Eva Luna married to?", "Who is the father of #1?"],
        ),
        (
            "¿Quién es el suegro de Eva Luna?",
            "es",
            ["¿Con quién está casado Eva Luna?", "¿Quién es el padre de #1?"],
        ),
        (
            "Who is the son-in-law of Eva Luna?",
            "en",
            ["Who is the daughter of Eva Luna?", "Who is #1 married to?"],
        ),
        (
            "Who is the child-in-law of Eva Luna?",
            "en",
            ["Who is the child of Eva Luna?", "Who is #1 married to?"],
        ),
    ],
)
def test_each_bridge_form_becomes_a_chain(question: str, language: str, expected: list) -> None:
    assert bridge_plan(question, language) == expected


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Who is the drummer of Los Faros?", "en"),  # the description is the whole question
        ("¿Quién es el baterista de Los Faros?", "es"),
        ("What is the capital of France?", "en"),
        ("In which year was the University of Chicago founded?", "en"),
        ("What is the name of the company that makes the Kestrel?", "en"),
        ("¿Cuánta memoria necesita QLoRA?", "es"),
        ("¿Qué diferencia hay entre LoRA y QLoRA?", "es"),
        ("How many parameters does the model have?", "en"),
    ],
)
def test_a_one_hop_question_is_no_chain(question: str, language: str) -> None:
    assert bridge_plan(question, language) == []


def test_the_chain_is_never_longer_than_allowed() -> None:
    question = "When was Eva Luna's maternal grandmother born?"
    assert len(bridge_plan(question, "en", max_steps=2)) == 2


def test_the_rules_read_long_text_in_linear_time() -> None:
    """No pattern backtracks: a question ten times longer takes about ten times as long."""
    unit = "the father of the band that recorded the song of the mother of " * 20

    def timed(text: str) -> float:
        # the best of three: one run can meet a busy core (CI once read 0.75 s for 0.11)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            bridge_plan(f"Who is {text}Eva Luna?", "en")
            runs.append(time.perf_counter() - started)
        return min(runs)

    short, long = timed(unit), timed(unit * 10)
    assert long < 40 * short + 0.05


@pytest.mark.parametrize(
    ("answer", "question", "entity"),
    [
        (
            "«Arena fría» is a 1999 single by the Uruguayan band Los Médanos [1].",
            "Which band recorded the song Arena fría?",
            "Los Médanos",
        ),
        (
            "Eva Luna was born in Toledo, the daughter of the potter Gil Luna and Rosa Paz [2].",
            "Who is the father of Eva Luna?",
            "Gil Luna",
        ),
        (
            "Vientos is a magazine published since 1990 by Editorial Sol in Lima [1].",
            "What is the publisher of the magazine Vientos?",
            "Editorial Sol",
        ),
        (
            "En 1970 se casó con el arquitecto Juan Gris [1].",
            "¿Con quién está casado Eva Luna?",
            "Juan Gris",
        ),
        (
            "La editorial se fundó en 1962 en Lota [1].",
            "¿En qué año se fundó Editorial Sol?",
            "1962",
        ),
        ("The weather was fine [1].", "Which band recorded the song Arena fría?", ""),
        # "who" is not answered by a place
        ("Clara Vidal was born in Valencia in 1980 [1].", "Who is the mother of Clara Vidal?", ""),
        ("Luis Vega nació en Gijón en 1950 [1].", "¿Quién es la madre de Luis Vega?", ""),
        ("The band was founded in Madrid by Ana Ruiz [1].", "Who founded the band?", "Ana Ruiz"),
        # ... but a person after "in"/"en"/"from" that no verb of where precedes is a person
        ("Dalí drew inspiration from Picasso [1].", "Who inspired Dalí?", "Picasso"),
        ("Luis Vega se inspiró en Ana Ruiz [1].", "¿Quién inspiró a Luis Vega?", "Ana Ruiz"),
        ("Luis Vega ran into Ana Ruiz at the station [1].", "Who did Luis Vega meet?", "Ana Ruiz"),
    ],
)
def test_a_hop_passes_on_a_name_not_a_sentence(answer: str, question: str, entity: str) -> None:
    assert hop_entity(answer, question, "en") == entity


def test_a_plan_is_resolved_step_by_step() -> None:
    steps = ["Which band recorded Arena fría?", "Who is the drummer of #1?"]
    assert is_chain(steps) and not is_chain(["What is LoRA?", "What is QLoRA?"])
    assert resolve(steps[1], {1: "Los Médanos"}) == "Who is the drummer of Los Médanos?"


@pytest.mark.parametrize(
    ("steps", "why"),
    [
        ([], "no steps"),
        (["Los Médanos", "Who is the drummer of #1?"], "not a question"),
        (["Which band recorded Arena fría?", "Who is the drummer of #3?"], "not an earlier step"),
        (["Who is the drummer of #1?", "Which band recorded Arena fría?"], "not an earlier step"),
        (
            [
                "Who is the current drummer of the band that recorded Arena fría?",
                "Who is the drummer of #1?",
            ],
            "only repeats the question",
        ),
        (["What is A?", "What is B?", "Who is #1?", "Who is #3?", "And #4?"], "more than 4"),
        (["Which band recorded Arena fría?", "Who sang it?", "Who is #2?"], "never used"),
    ],
)
def test_a_bad_plan_is_refused_with_its_reason(steps: list[str], why: str) -> None:
    question = "Who is the current drummer of the band that recorded Arena fría?"
    with pytest.raises(PlanError, match=why):
        check_plan(steps, question, 4)


def test_a_models_plan_reply_is_parsed_and_checked() -> None:
    question = "¿En qué año se fundó la editorial de la revista Vientos?"
    good = '{"steps": ["¿Qué editorial publica la revista Vientos?", "¿En qué año se fundó #1?"]}'
    assert parse_plan(good, question, 4)[1] == "¿En qué año se fundó #1?"
    for bad in ('{"steps": "una"}', "no JSON here", '{"steps": ["¿Quién es #2?", "¿Y #1?"]}'):
        with pytest.raises(ModelCallError):
            parse_plan(bad, question, 4)
