"""Ollama, OpenAI-compatible and Gemini models answering through the real graph.

Each provider's real client library talks HTTP to a local server that speaks its wire
protocol (tests/wire/); nothing in the libraries is patched. The servers' replies are
scripted per test: a model that quotes its first passage, one that fabricates, and the
faults a real server has (429, 5xx, slowness, broken JSON, nothing listening).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wire import GeminiServer, Malformed, OllamaServer, OpenAIServer, Slow, Status, WireServer
from wire.base import Message, Reply

from agent import Veraz
from agent.cli import app
from agent.samples import samples_dir

QUESTION = "What is QLoRA?"
FABRICATION = "QLoRA needs a 12 GB GPU and was created by Google in 2015 [1]."


@dataclass(frozen=True)
class Case:
    """How Veraz reaches one provider's test server: the model name and the environment."""

    name: str
    server: type[WireServer]
    spec: str
    env: Callable[[WireServer], dict[str, str]]
    paid: bool  # has a price in the bundled table


CASES = [
    Case("ollama", OllamaServer, "ollama:qwen2.5:7b", lambda s: {"OLLAMA_HOST": s.url}, False),
    Case(
        "openai",
        OpenAIServer,
        "openai:gpt-4o-mini",
        lambda s: {"OPENAI_BASE_URL": s.base_url, "OPENAI_API_KEY": "test"},
        True,
    ),
    Case(
        "gemini",
        GeminiServer,
        "gemini:gemini-2.5-flash",
        lambda s: {"GOOGLE_GEMINI_BASE_URL": s.url, "GOOGLE_API_KEY": "test"},
        True,
    ),
]


def quoting(messages: list[Message]) -> str:
    """A well-behaved model: JSON for routing/grading, the first passage's sentence cited."""
    prompt = messages[-1]["content"]
    if "Answer:" in prompt or "Respuesta:" in prompt:
        first = prompt.split('<passage n="1"', 1)[1].split("</passage>", 1)[0].split("\n", 1)[1]
        sentences = re.findall(r"[A-Z][^.!?\n]{30,}[.!?]", first)
        return f"{sentences[0]} [1]" if sentences else "I can't find this information."
    return json.dumps({"route": "retrieve", "relevant": [1, 2, 3]})


def fabricating(messages: list[Message]) -> str:
    prompt = messages[-1]["content"]
    if "Answer:" in prompt or "Respuesta:" in prompt:
        return FABRICATION
    return json.dumps({"route": "retrieve", "relevant": [1, 2]})


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("providers-home")
    rag = Veraz(home=home)
    assert rag.ingest([samples_dir()]).failed == []
    rag.close()
    return home


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OLLAMA_HOST",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_GEMINI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=CASES, ids=lambda c: c.name)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.fixture
def served(case: Case, monkeypatch: pytest.MonkeyPatch) -> Iterator[WireServer]:
    with case.server(responder=quoting) as server:
        for key, value in case.env(server).items():
            monkeypatch.setenv(key, value)
        yield server


def veraz(home: Path, model: str, **overrides: object) -> Veraz:
    return Veraz(home=home, model=model, fallback_model="extractive", **overrides)


def test_answers_are_cited_verified_and_costed(home: Path, case: Case, served: WireServer) -> None:
    answer = veraz(home, case.spec).ask(QUESTION)
    assert answer.model == case.spec and not answer.fallback_used
    assert re.search(r"\[1\]", answer.answer) and answer.citations
    assert answer.verification.grounded and not answer.verification.unsupported
    usage = answer.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0 and not usage.estimated
    assert usage.priced and (usage.cost_usd > 0) == case.paid
    prompts = [r.body for r in served.chat_requests()]
    assert any("Passages:" in json.dumps(body) for body in prompts)


def test_tokens_stream_before_the_answer(home: Path, case: Case, served: WireServer) -> None:
    events = list(veraz(home, case.spec).stream(QUESTION))
    drafts = [e for e in events if e["type"] == "draft_token" and e["node"] == "generate"]
    assert len(drafts) > 1
    answer_at = next(i for i, e in enumerate(events) if e["type"] == "answer")
    assert events.index(drafts[-1]) < answer_at
    final = events[answer_at]["answer"]
    assert "".join(e["text"] for e in drafts).strip() == final["answer"].strip()


def test_a_rate_limit_is_retried_and_the_primary_answers(
    home: Path, case: Case, served: WireServer
) -> None:
    served.push(Status(429))
    answer = veraz(home, case.spec).ask(QUESTION)
    assert answer.model == case.spec and not answer.fallback_used
    assert len(served.chat_requests()) >= 3  # the refused grade call, its retry, generate


FAULTS = {
    "server_error": lambda: Status(503, times=50),
    "timeout": lambda: Slow(30),
    "malformed": lambda: Malformed(),
}


@pytest.mark.parametrize("kind", FAULTS)
def test_a_failing_model_falls_back_and_says_why(
    home: Path, case: Case, served: WireServer, kind: str
) -> None:
    # grade succeeds (a simple question is routed by the rules); the fault hits generation
    served.push(Reply('{"relevant": [1, 2]}'))
    served.push(*[FAULTS[kind]() for _ in range(1 if kind == "server_error" else 3)])
    answer = veraz(home, case.spec, model_timeout_s=0.5, model_attempts=2).ask(QUESTION)
    assert answer.fallback_used and answer.model == "extractive"
    assert kind in answer.fallback_reason
    assert answer.verification.grounded and answer.citations


def test_nothing_listening_falls_back_with_a_hint(
    home: Path, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    with case.server() as gone:
        env = case.env(gone)
    for key, value in env.items():  # the server has stopped: nothing listens there now
        monkeypatch.setenv(key, value)
    answer = veraz(home, case.spec, model_timeout_s=2).ask(QUESTION)
    assert answer.fallback_used and "connection" in answer.fallback_reason
    assert answer.verification.grounded


def test_a_fabricating_model_is_never_shown_as_verified(
    home: Path, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    with case.server(responder=fabricating) as server:
        for key, value in case.env(server).items():
            monkeypatch.setenv(key, value)
        answer = Veraz(home=home, model=case.spec, fallback_model=case.spec).ask(QUESTION)
    assert answer.fallback_used
    if "12 GB" in answer.answer:
        assert not answer.verification.grounded
    assert all("12 GB" not in c.text for c in answer.citations)


def test_a_model_not_pulled_tells_how_to_pull_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OllamaServer(responder=quoting) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        answer = veraz(home, "ollama:mistral:7b").ask(QUESTION)
        result = CliRunner().invoke(
            app,
            ["models", "--model", "ollama:qwen2.5:7b", "--fallback-model", "ollama:mistral:7b"],
        )
    assert answer.fallback_used and "ollama pull mistral:7b" in answer.fallback_reason
    assert result.exit_code == 1
    assert "reachable" in result.output and "ollama pull mistral:7b" in result.output


def test_models_reports_each_provider(case: Case, served: WireServer) -> None:
    result = CliRunner().invoke(app, ["models", "--model", case.spec, "--json"])
    rows = {row["role"]: row for row in json.loads(result.output)["models"]}
    assert rows["model"]["reachable"], rows["model"]["detail"]
    assert rows["fallback_model"]["model"] == "extractive" and result.exit_code == 0


def test_ollama_context_window_comes_from_the_server(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.config import Settings
    from agent.models.registry import resolve_model

    with OllamaServer() as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
        small = resolve_model("ollama:qwen2.5:7b", Settings(ollama_num_ctx=65536))
        capped = resolve_model("ollama:qwen2.5:7b", Settings(ollama_num_ctx=4096))
    assert small.context_window == 32768  # the model's own length caps num_ctx
    assert capped.context_window == 4096


def test_cli_ask_streams_a_provider_answer(home: Path, case: Case, served: WireServer) -> None:
    result = CliRunner().invoke(
        app, ["ask", QUESTION, "--model", case.spec, "--home", str(home), "--trace"]
    )
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and case.spec in result.output
    assert "tokens" in result.output  # the usage line


def test_usage_counts_every_call_even_unusable_replies(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenAIServer(responder=quoting) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        server.push(Reply("I think passages 1 and 2 are relevant."))  # grade: not JSON
        answer = veraz(home, "openai:gpt-4o-mini", verify="llm").ask(QUESTION)
        sent = [r.body["messages"] for r in server.chat_requests()]
    grade = next(s for s in answer.steps if s.node == "grade")
    assert grade.detail["method"] == "rules (model failed: malformed)"
    assert grade.detail["llm_calls"] == 1 and grade.detail["prompt_tokens"] > 0
    assert answer.usage.llm_calls == len(sent)  # every call counted, the unusable one too
    verify_calls = [m for m in sent if "supported" in m[-1]["content"]]
    assert verify_calls  # the LLM judge ran, once per checked sentence
    words = sum(len(m["content"].split()) for messages in sent for m in messages)
    assert answer.usage.prompt_tokens == words  # the server counts one token per word
