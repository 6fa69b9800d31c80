"""The real LangGraph graph end to end, on the bundled samples: every path of the design.

LLM paths use LangChain's GenericFakeChatModel scripted per test (the providers issue
adds real servers); the extractive paths use no model at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from agent import Veraz
from agent.graphs.nodes.rewrite import new_query
from agent.samples import samples_dir


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("graph-home")
    rag = Veraz(home=home)
    report = rag.ingest([samples_dir()])
    assert report.failed == []
    rag.close()
    return home


def scripted(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(AIMessage(content=r) for r in replies))


class _Refused(Iterator[AIMessage]):
    """Every call to the model fails as a dead server does."""

    def __next__(self) -> AIMessage:
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def refusing() -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=_Refused())


def nodes(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.node for s in answer.steps]


def test_extractive_answers_in_spanish_with_citations(home: Path) -> None:
    answer = Veraz(home=home).ask("¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?")
    assert answer.route == "retrieve" and answer.language == "es" and not answer.abstained
    assert "48 GB" in answer.answer
    assert answer.citations and all(f"[{c.n}]" in answer.answer for c in answer.citations)
    assert any(c.section for c in answer.citations)  # the heading the passage sits under
    assert answer.verification.grounded and answer.model == "extractive"
    assert not answer.fallback_used
    assert nodes(answer)[:4] == ["contextualize", "route", "retrieve", "grade"]
    data = answer.to_dict()
    assert set(data) >= {
        "question",
        "answer",
        "language",
        "abstained",
        "route",
        "model",
        "fallback_used",
        "citations",
        "verification",
        "steps",
        "usage",
    }


def test_direct_route_greets_in_the_question_language(home: Path) -> None:
    answer = Veraz(home=home).ask("Hola, buenos días")
    assert answer.route == "direct" and "Veraz" in answer.answer and "Pregúntame" in answer.answer
    assert "retrieve" not in nodes(answer)


def test_comparison_is_decomposed_into_chained_steps(home: Path) -> None:
    answer = Veraz(home=home).ask("¿Qué diferencia hay entre LoRA y QLoRA?")
    assert answer.route == "decompose"
    solved = [s for s in answer.steps if s.node == "solve"]
    assert len(solved) == 3
    assert solved[0].detail["sub_question"] == "¿Qué es LoRA?"
    assert "synthesize" in nodes(answer) and answer.citations
    assert answer.verification.grounded


def test_sub_answers_that_find_the_same_sentence_quote_it_once(home: Path) -> None:
    from agent.tools.sentences import split_sentences, strip_citations

    answer = Veraz(home=home).ask("Compare LoRA and QLoRA memory use")
    assert answer.route == "decompose"
    quoted = [strip_citations(s) for s in split_sentences(answer.answer)]
    assert len(quoted) == len(set(quoted)) >= 2


def test_unanswerable_question_rewrites_three_times_then_abstains(home: Path) -> None:
    answer = Veraz(home=home).ask("What is the price of Claude 3 Opus?")
    assert answer.abstained and answer.answer == "I can't find this information in the documents."
    assert nodes(answer).count("rewrite") == 3 and "abstain" in nodes(answer)
    assert answer.citations == []
    # the third rewrite asks in the other language, names kept
    third = [s for s in answer.steps if s.node == "rewrite"][2]
    assert third.detail["query"] == "coste Claude 3 Opus"


def test_follow_up_in_a_thread_persists_across_instances(home: Path) -> None:
    first = Veraz(home=home).ask("¿Cuánta memoria necesita QLoRA?", thread_id="t-follow")
    assert not first.abstained
    follow = Veraz(home=home).ask("¿y LoRA?", thread_id="t-follow")
    assert follow.steps[0].detail["standalone"] == "¿Cuánta memoria necesita LoRA?"
    recap = Veraz(home=home).ask("¿Qué te pregunté antes?", thread_id="t-follow")
    assert recap.route == "direct" and "¿y LoRA?" in recap.answer
    other = Veraz(home=home).ask("¿Qué te pregunté antes?", thread_id="t-other")
    assert "¿y LoRA?" not in other.answer


def test_refusing_model_falls_back_to_extractive(home: Path) -> None:
    answer = Veraz(home=home, model=refusing()).ask("What does Q4_K_M mean?")
    assert answer.fallback_used and "connection" in answer.fallback_reason
    assert answer.model == "extractive" and answer.verification.grounded
    route = next(s for s in answer.steps if s.node == "route")
    assert route.detail["method"] == "rules"  # a simple question is routed without a call
    grade = next(s for s in answer.steps if s.node == "grade")
    assert "model failed: connection" in grade.detail["method"]


FABRICATED = "QLoRA fine-tunes a 65B model on a single 12 GB GPU [1]. It was created by Google [2]."


def test_fabricated_answer_is_caught_and_replaced_by_the_fallback(home: Path) -> None:
    llm = scripted('{"relevant": [1, 2, 3]}', FABRICATED)
    answer = Veraz(home=home, model=llm).ask("How much GPU memory does QLoRA need for 65B?")
    assert answer.fallback_used and "not supported" in answer.fallback_reason
    assert "12 GB" not in answer.answer and "Google" not in answer.answer
    assert answer.verification.grounded and answer.model == "extractive"
    assert nodes(answer).count("verify") == 2


def test_fabrication_from_both_models_never_reaches_the_user_as_verified(home: Path) -> None:
    primary = scripted('{"relevant": [1, 2]}', FABRICATED)
    backup = scripted(FABRICATED)
    answer = Veraz(home=home, model=primary, fallback_model=backup).ask(
        "How much GPU memory does QLoRA need for 65B?"
    )
    assert "12 GB" not in answer.answer and "Google" not in answer.answer
    assert answer.abstained or answer.verification.unsupported
    assert "trim" in nodes(answer)


def test_llm_answer_that_is_supported_passes_without_fallback(home: Path) -> None:
    faithful = (
        "Con esta técnica se puede ajustar un modelo de 65.000 millones de parámetros "
        "en una sola GPU de 48 GB [1]."
    )
    llm = scripted('{"relevant": [1, 2, 3, 4, 5]}', faithful)
    answer = Veraz(home=home, model=llm).ask("¿Cuánta memoria necesita QLoRA para 65B?")
    assert answer.verification.grounded and not answer.fallback_used
    assert answer.model == "custom:GenericFakeChatModel" and answer.answer == faithful


def test_malformed_router_output_falls_back_to_rules(home: Path) -> None:
    # Only a question the rules see as several parts is put to the model; its unusable
    # reply leaves the rules' decision (the later calls fail too: the script runs out).
    llm = scripted("I think you should decompose!")
    answer = Veraz(home=home, model=llm).ask("¿Qué es LoRA y qué es QLoRA?")
    route = next(s for s in answer.steps if s.node == "route")
    assert route.detail["method"] == "rules (model failed: malformed)"
    assert answer.route == "decompose" and answer.answer.strip()


def test_stream_yields_node_events_then_tokens_then_the_answer(home: Path) -> None:
    events = list(Veraz(home=home).stream("What does Q4_K_M mean?"))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "node" and kinds[-1] == "answer"
    first_token = kinds.index("token")
    assert all(k == "node" for k in kinds[:first_token])
    text = "".join(e["text"] for e in events if e["type"] == "token")
    assert text == events[-1]["answer"]["answer"]


def test_empty_question_is_refused(home: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        Veraz(home=home).ask("   ")


def test_a_model_rewrite_that_repeats_the_question_gives_way_to_keywords(home: Path) -> None:
    """SmolLM2 rewrote "¿Qué mide TruthfulQA?" as "Pregunta: ¿Qué mide TruthfulQA?": the
    same search twice, then an abstention where the keyword rewrite finds the answer."""
    question = "¿Cuál es la capital de la Atlántida?"
    replies = ['{"relevant": []}', f"Pregunta: {question}"] * 3
    answer = Veraz(home=home, model=scripted(*replies)).ask(question)
    rewrites = [s for s in answer.steps if s.node == "rewrite"]
    assert rewrites and all(s.detail["method"].startswith("keywords") for s in rewrites)
    assert all(s.detail["query"] != f"Pregunta: {question}" for s in rewrites)


@pytest.mark.parametrize(
    ("reply", "query"),
    [
        ("Pregunta: ¿Qué mide TruthfulQA?", None),  # the question again, labelled
        ("¿qué mide truthfulqa", None),
        ("Query: TruthfulQA benchmark veracidad\nmore text", "TruthfulQA benchmark veracidad"),
        ("TruthfulQA mide la veracidad", "TruthfulQA mide la veracidad"),
    ],
)
def test_new_query_reads_a_rewrite_and_refuses_a_repeat(reply: str, query: str | None) -> None:
    state = {"language": "es", "standalone": "¿Qué mide TruthfulQA?", "query": "mide TruthfulQA"}
    parse = new_query(state)  # type: ignore[arg-type]
    if query is None:
        with pytest.raises(ValueError):
            parse(reply)
    else:
        assert parse(reply) == query
