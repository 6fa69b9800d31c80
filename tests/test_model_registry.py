"""Naming, setup errors, prices, token counting, retries and context packing of models.

These are the provider-independent parts; tests/test_providers.py drives the real
client libraries against local servers that speak each wire protocol.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import Settings
from agent.graphs.answering import format_passages, pack_passages
from agent.models.dependencies import require
from agent.models.pricing import Price, PriceTableError, lookup_price, price_table
from agent.models.registry import check_model, parse_spec, resolve_model
from agent.models.resolved import (
    MissingDependencyError,
    ModelSetupError,
    ResolvedModel,
    UnknownModelError,
)
from agent.models.retry import RetryPolicy, with_retries
from agent.tools.token_counter import EstimatedCounter, TiktokenCounter
from agent.types import Usage


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ollama:qwen2.5:7b-instruct", ("ollama", "qwen2.5:7b-instruct")),
        ("llamacpp:/models/phi-3:mini.Q4_K_M.gguf", ("llamacpp", "/models/phi-3:mini.Q4_K_M.gguf")),
        ("OpenAI:gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("gemini:gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("hf:org/model+adapter=/runs/a", ("hf", "org/model+adapter=/runs/a")),
        (" Extractive ", ("extractive", "")),
    ],
)
def test_model_names_split_at_the_first_colon(spec: str, expected: tuple[str, str]) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("gpt-4o-mini", "unknown provider 'gpt-4o-mini'"),
        ("anthropic:claude", "unknown provider 'anthropic'"),
        ("ollama:", "empty"),
        ("ollama:  ", "empty"),
    ],
)
def test_bad_model_names_are_one_line_errors(spec: str, says: str) -> None:
    with pytest.raises(UnknownModelError) as info:
        resolve_model(spec)
    assert says in str(info.value)
    assert "\n" not in str(info.value)
    assert check_model(spec).reachable is False


def test_missing_api_keys_name_the_variable(no_keys: None) -> None:
    with pytest.raises(ModelSetupError, match="OPENAI_API_KEY"):
        resolve_model("openai:gpt-4o-mini")
    with pytest.raises(ModelSetupError, match="GOOGLE_API_KEY"):
        resolve_model("gemini:gemini-2.5-flash")
    report = check_model("openai:gpt-4o-mini")
    assert not report.reachable and "OPENAI_API_KEY" in report.detail


def test_a_local_openai_compatible_server_needs_no_key(
    no_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = resolve_model(
        "openai:my-local-model",
        Settings(model_attempts=2, max_output_tokens=100, context_window=2048),
    )
    assert model.provider == "openai" and model.retry.attempts == 2
    assert model.max_output_tokens == 100 and model.context_window == 2048
    assert model.price is None  # unknown: costs are not claimed to be zero
    assert any("no price known" in note for note in model.notes)


def test_missing_client_library_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match=r"pip install 'veraz\[gguf\]'"):
        require("llama_cpp_not_installed_anywhere", "gguf", "llamacpp")


def test_prices_match_by_longest_prefix_and_user_entries_win(tmp_path: Path) -> None:
    assert lookup_price("openai", "gpt-4o-mini-2024-07-18") == lookup_price("openai", "gpt-4o-mini")
    assert lookup_price("openai", "gpt-4o-2024-08-06").input_per_million == 2.5
    assert lookup_price("gemini", "models/gemini-2.5-flash") is not None
    assert lookup_price("openai", "llama-3-70b") is None
    mine = tmp_path / "prices.toml"
    mine.write_text('[openai."gpt-4o-mini"]\ninput = 1.0\noutput = 2.0\n', encoding="utf-8")
    assert lookup_price("openai", "gpt-4o-mini", mine) == Price(1.0, 2.0)
    assert lookup_price("openai", "gpt-4o", mine).input_per_million == 2.5  # bundled kept
    price_table.cache_clear()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('[openai."x"]\ninput = 1.0\n', "openai.x: missing field 'output'"),
        ('[openai."x"]\ninput = "cheap"\noutput = 1\n', "openai.x"),
        ("[openai\n", "prices.toml"),
        ('openai = "free"\n', "[openai] must be a table"),
    ],
)
def test_a_broken_price_file_names_the_file_and_field(
    tmp_path: Path, content: str, says: str
) -> None:
    bad = tmp_path / "prices.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(PriceTableError, match="price file") as info:
        lookup_price("openai", "x", bad)
    assert says in str(info.value)


def test_cost_and_usage_sums_keep_estimates_and_unpriced_calls_visible() -> None:
    assert Price(0.15, 0.60).cost(1_000_000, 500_000) == pytest.approx(0.45)
    total = Usage(10, 5, 0.001) + Usage(3, 2, estimated=True, priced=False)
    assert (total.prompt_tokens, total.completion_tokens) == (13, 7)
    assert total.estimated and not total.priced
    assert Usage.from_dict(total.to_dict()) == total


def test_tiktoken_counts_offline_and_estimates_say_so() -> None:
    exact = TiktokenCounter("gpt-4o-mini")
    assert exact.exact and exact.count("Hola, ¿qué tal?") == len(
        exact._encoding.encode("Hola, ¿qué tal?")
    )
    assert not TiktokenCounter("some-vllm-model").exact
    estimate = EstimatedCounter()
    assert not estimate.exact
    text = "La cuantización reduce la memoria que necesita un modelo. " * 20
    assert estimate.count(text) >= exact.count(text)  # errs on the safe (large) side


class Flaky:
    """Raises the given exceptions in order, then returns "ok"."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


class Status(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def test_rate_limits_and_server_errors_are_retried_with_growing_delays() -> None:
    from agent.models.calls import classify_error

    slept: list[float] = []
    call = Flaky(Status(429), Status(503))
    result, tries = with_retries(call, RetryPolicy(attempts=3), classify_error, slept.append)
    assert (result, tries, call.calls) == ("ok", 3, 3)
    assert len(slept) == 2 and slept[1] > slept[0]


@pytest.mark.parametrize(
    "failure",
    [ConnectionRefusedError("refused"), TimeoutError("timed out"), Status(401), Status(404)],
)
def test_failures_that_will_not_heal_go_straight_to_the_fallback(failure: Exception) -> None:
    from agent.models.calls import classify_error

    call = Flaky(failure)
    with pytest.raises(type(failure)):
        with_retries(call, RetryPolicy(attempts=5), classify_error, lambda _: None)
    assert call.calls == 1


def test_retries_stop_after_the_last_attempt() -> None:
    from agent.models.calls import classify_error

    call = Flaky(Status(429), Status(429), Status(429))
    with pytest.raises(Status):
        with_retries(call, RetryPolicy(attempts=2), classify_error, lambda _: None)
    assert call.calls == 2


def passages(n: int, words: int) -> list[dict[str, object]]:
    text = " ".join(f"palabra{i}" for i in range(words))
    return [{"source": f"/docs/d{i}.txt", "page": None, "text": text} for i in range(n)]


def test_passages_are_packed_to_the_context_window_best_first() -> None:
    counter = EstimatedCounter()
    roomy = ResolvedModel("m", None, context_window=100_000, counter=counter)
    assert len(pack_passages(roomy, passages(5, 200), "¿Qué?", "es")) == 5
    tight = ResolvedModel("m", None, context_window=1500, max_output_tokens=256, counter=counter)
    packed = pack_passages(tight, passages(5, 200), "¿Qué?", "es")
    assert 1 <= len(packed) < 5
    assert packed == passages(5, 200)[: len(packed)]  # numbering of kept passages unchanged
    tiny = ResolvedModel("m", None, context_window=700, max_output_tokens=256, counter=counter)
    (cut,) = pack_passages(tiny, passages(3, 2000), "¿Qué?", "es")
    assert cut["text"].endswith("…") and counter.count(format_passages([cut])) < 700
    unknown = ResolvedModel("m", None, context_window=None, counter=counter)
    assert len(pack_passages(unknown, passages(5, 2000), "q", "en")) == 5


def test_every_model_message_reads_in_both_languages() -> None:
    import ast
    import string

    from agent.models.messages import LANGUAGES, MESSAGES

    for code, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), code
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in LANGUAGES
        ]
        assert fields[0] == fields[1], f"{code}: the translations use different values"
    # every code the providers use exists (a typo would raise only on that failure path)
    root = Path(__file__).resolve().parents[1] / "agent" / "models"
    used = {
        node.args[0].value
        for path in root.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "message"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert used and used <= set(MESSAGES)


def test_reachability_speaks_the_users_language() -> None:
    report = check_model("extractive")
    assert report.describe("es") == "integrado: responde citando frases de las fuentes"
    assert report.detail == "embedded: answers by quoting the sources"
    missing = check_model("llamacpp:/nowhere/model.gguf")
    assert "no existe el archivo" in missing.describe("es")
    assert "no such file" in missing.detail
