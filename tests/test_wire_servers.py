"""Drive the real provider clients against the local wire servers in ``tests/wire``.

These tests pin down two things the rest of the suite relies on: that the servers speak
each protocol well enough for the unpatched SDKs and LangChain chat models to work, and
which exception each library raises for each fault (rate limit, server error, timeout,
refused connection, broken body, unknown model, bad key), since Veraz classifies errors
by those types.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import ollama
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_google_genai.chat_models import (
    GoogleAPIError,
    GoogleInvalidRequestError,
    GoogleModelNotFoundError,
    GoogleRateLimitError,
)
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import (
    OpenAIAPIError,
    OpenAIAuthenticationError,
    OpenAIConnectionError,
    OpenAIModelNotFoundError,
    OpenAIRateLimitError,
    OpenAITimeoutError,
)
from wire import (
    DEFAULT_REPLY,
    Chunks,
    GeminiServer,
    Malformed,
    OllamaServer,
    OpenAIServer,
    Reply,
    Slow,
    Status,
    WireServer,
    closed_port,
    echo_responder,
    refused_url,
    split_tokens,
)

PROMPT = "hi there"  # two words: the servers count one prompt token per word
REPLY_WORDS = len(DEFAULT_REPLY.split())
TIMEOUT = 0.2  # seconds; Slow() below waits far longer, and is cut short at server stop


# --- how each LangChain class is pointed at its server ------------------------------------


def chat_ollama(url: str, *, timeout: float | None = None, model: str = "llama3.2") -> ChatOllama:
    """ChatOllama has no timeout/retry fields: timeout goes to httpx, there are no retries."""
    client_kwargs = {"timeout": timeout} if timeout is not None else {}
    return ChatOllama(model=model, base_url=url, client_kwargs=client_kwargs)


def chat_openai(
    url: str,
    *,
    timeout: float | None = None,
    model: str = "gpt-4o-mini",
    api_key: str = "test",
    **kwargs: Any,
) -> ChatOpenAI:
    """``max_retries=0``: the openai SDK would otherwise retry 429/5xx/timeouts twice."""
    return ChatOpenAI(
        model=model, base_url=url, api_key=api_key, timeout=timeout, max_retries=0, **kwargs
    )


def chat_gemini(
    url: str,
    *,
    timeout: float | None = None,
    model: str = "gemini-2.5-flash",
    api_key: str = "test",
) -> ChatGoogleGenerativeAI:
    """``max_retries`` is google-genai's total *attempts*; 0 and 1 both mean a single try.

    The default (6) retries 408/429/5xx, timeouts and refused connections with 1 s+
    backoff, which would make the fault tests slow and hide the first error.
    """
    return ChatGoogleGenerativeAI(
        model=model, base_url=url, api_key=api_key, timeout=timeout, max_retries=0
    )


@dataclass(frozen=True)
class Provider:
    """One provider: its server, its LangChain class, and what it raises for each fault."""

    name: str
    server: type[WireServer]
    chat: Callable[..., BaseChatModel]
    rate_limit: type[BaseException]
    server_error: type[BaseException]
    timeout: type[BaseException]
    refused: type[BaseException]
    not_found: type[BaseException]
    bad_key: type[BaseException]
    malformed: type[BaseException]
    malformed_stream: type[BaseException]


PROVIDERS = [
    Provider(
        "ollama",
        OllamaServer,
        chat_ollama,
        rate_limit=ollama.ResponseError,
        server_error=ollama.ResponseError,
        timeout=httpx.ReadTimeout,
        refused=httpx.ConnectError,  # ChatOllama streams; the stream path does not wrap it
        not_found=ollama.ResponseError,
        bad_key=ollama.ResponseError,
        malformed=json.JSONDecodeError,
        malformed_stream=json.JSONDecodeError,
    ),
    Provider(
        "openai",
        OpenAIServer,
        chat_openai,
        rate_limit=OpenAIRateLimitError,
        server_error=OpenAIAPIError,
        timeout=OpenAITimeoutError,
        refused=OpenAIConnectionError,
        not_found=OpenAIModelNotFoundError,
        bad_key=OpenAIAuthenticationError,
        malformed=json.JSONDecodeError,
        malformed_stream=json.JSONDecodeError,
    ),
    Provider(
        "gemini",
        GeminiServer,
        chat_gemini,
        rate_limit=GoogleRateLimitError,
        server_error=GoogleAPIError,
        timeout=httpx.ReadTimeout,
        refused=httpx.ConnectError,
        not_found=GoogleModelNotFoundError,
        bad_key=GoogleInvalidRequestError,  # Gemini answers a bad key with 400, not 401
        malformed=json.JSONDecodeError,
        malformed_stream=genai_errors.UnknownApiResponseError,
    ),
]


@pytest.fixture(params=PROVIDERS, ids=lambda p: p.name)
def provider(request: pytest.FixtureRequest) -> Provider:
    """Run a test once per provider."""
    return request.param


def status_of(error: BaseException) -> int | None:
    """The HTTP status an error carries, looking through LangChain's wrapper if needed."""
    for candidate in (error, error.__cause__):
        for attr in ("status_code", "code"):
            value = getattr(candidate, attr, None)
            if isinstance(value, int):
                return value
    return None


def stream_text(model: BaseChatModel, **kwargs: Any) -> tuple[list[str], AIMessageChunk]:
    """Stream ``PROMPT``: the non-empty text chunks and the aggregate message."""
    texts: list[str] = []
    total: AIMessageChunk | None = None
    for chunk in model.stream(PROMPT, **kwargs):
        assert isinstance(chunk, AIMessageChunk)
        if chunk.text:
            texts.append(chunk.text)
        total = chunk if total is None else total + chunk
    assert total is not None
    return texts, total


# --- LangChain chat models, every provider ------------------------------------------------


def test_invoke_returns_reply_and_usage(provider: Provider) -> None:
    with provider.server() as server:
        message = provider.chat(server.base_url).invoke(PROMPT)
    assert message.text == DEFAULT_REPLY
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 2
    assert message.usage_metadata["output_tokens"] == REPLY_WORDS
    assert message.usage_metadata["total_tokens"] == 2 + REPLY_WORDS
    [sent] = server.chat_requests()
    assert json.dumps(sent.body).count(PROMPT) == 1


def test_stream_yields_several_tokens(provider: Provider) -> None:
    kwargs = {"stream_usage": True} if provider.name == "openai" else {}
    with provider.server() as server:
        texts, total = stream_text(provider.chat(server.base_url), **kwargs)
    assert len(texts) == REPLY_WORDS
    assert "".join(texts) == DEFAULT_REPLY
    assert total.usage_metadata is not None
    assert total.usage_metadata["input_tokens"] == 2
    assert total.usage_metadata["output_tokens"] == REPLY_WORDS


def test_scripted_replies_are_used_in_order(provider: Provider) -> None:
    script = [Reply("first answer"), Chunks(["sec", "ond"])]
    with provider.server(echo_responder, script) as server:
        model = provider.chat(server.base_url)
        assert model.invoke(PROMPT).text == "first answer"
        texts, _ = stream_text(model)
        assert texts == ["sec", "ond"]
        assert model.invoke("echo me").text == "echo me"
        assert server.script == []


def test_rate_limit_then_success(provider: Provider) -> None:
    with provider.server(script=[Status(429)]) as server:
        model = provider.chat(server.base_url)
        with pytest.raises(provider.rate_limit) as caught:
            model.invoke(PROMPT)
        assert status_of(caught.value) == 429
        if provider.name != "ollama":  # ollama's ResponseError is not a LangChain ModelError
            assert isinstance(caught.value, ModelRateLimitError)
        assert model.invoke(PROMPT).text == DEFAULT_REPLY
        assert len(server.chat_requests()) == 2  # the client did not retry on its own


def test_rate_limit_while_streaming(provider: Provider) -> None:
    with (
        provider.server(script=[Status(429)]) as server,
        pytest.raises(provider.rate_limit) as caught,
    ):
        stream_text(provider.chat(server.base_url))
    assert status_of(caught.value) == 429


@pytest.mark.parametrize("code", [500, 503])
def test_server_error(provider: Provider, code: int) -> None:
    with (
        provider.server(script=[Status(code)]) as server,
        pytest.raises(provider.server_error) as caught,
    ):
        provider.chat(server.base_url).invoke(PROMPT)
    assert status_of(caught.value) == code
    if provider.name != "ollama":
        assert isinstance(caught.value, ModelAPIError)


@pytest.mark.parametrize("streaming", [False, True], ids=["invoke", "stream"])
def test_slow_server_times_out(provider: Provider, streaming: bool) -> None:
    with provider.server(script=[Slow(30)]) as server:
        model = provider.chat(server.base_url, timeout=TIMEOUT)
        with pytest.raises(provider.timeout):
            stream_text(model) if streaming else model.invoke(PROMPT)


def test_malformed_body_raises(provider: Provider) -> None:
    with provider.server(script=[Malformed()]) as server, pytest.raises(provider.malformed):
        provider.chat(server.base_url).invoke(PROMPT)


def test_malformed_stream_raises(provider: Provider) -> None:
    with (
        provider.server(script=[Malformed()]) as server,
        pytest.raises(provider.malformed_stream),
    ):
        stream_text(provider.chat(server.base_url))


def test_refused_connection(provider: Provider) -> None:
    url = refused_url() + ("/v1" if provider.name == "openai" else "")
    with pytest.raises(provider.refused):
        provider.chat(url).invoke(PROMPT)


def test_unknown_model_is_404(provider: Provider) -> None:
    with provider.server() as server, pytest.raises(provider.not_found) as caught:
        provider.chat(server.base_url, model="no-such-model").invoke(PROMPT)
    assert status_of(caught.value) == 404
    if provider.name == "ollama":
        assert str(caught.value).startswith('model "no-such-model" not found, try pulling it')
    else:
        assert isinstance(caught.value, ModelNotFoundError)


def test_wrong_api_key_is_rejected(provider: Provider) -> None:
    with provider.server(api_key="right-key") as server:  # type: ignore[call-arg]
        if provider.name == "ollama":  # ChatOllama sends no key of its own; use a header
            model: BaseChatModel = ChatOllama(
                model="llama3.2",
                base_url=server.base_url,
                client_kwargs={"headers": {"Authorization": "Bearer wrong-key"}},
            )
        else:
            model = provider.chat(server.base_url, api_key="wrong-key")
        with pytest.raises(provider.bad_key) as caught:
            model.invoke(PROMPT)
    expected = {"ollama": 401, "openai": 401, "gemini": 400}[provider.name]
    assert status_of(caught.value) == expected
    if provider.name == "openai":
        assert isinstance(caught.value, ModelAuthenticationError)
    if provider.name == "gemini":
        assert isinstance(caught.value, ModelInvalidRequestError)
        assert "API_KEY_INVALID" in str(caught.value.__cause__)


def test_status_times_repeats_the_fault() -> None:
    with OllamaServer(script=[Status(503, times=2)]) as server:
        model = chat_ollama(server.base_url)
        for _ in range(2):
            with pytest.raises(ollama.ResponseError):
                model.invoke(PROMPT)
        assert model.invoke(PROMPT).text == DEFAULT_REPLY


# --- what the clients send -----------------------------------------------------------------


def test_clients_send_expected_requests() -> None:
    with OllamaServer() as server:
        chat_ollama(server.base_url).invoke(PROMPT)
    [sent] = server.requests
    assert sent.path == "/api/chat"
    assert sent.body["stream"] is True  # ChatOllama always streams, even for invoke()
    assert sent.body["messages"] == [{"role": "user", "content": PROMPT}]

    with OpenAIServer() as server:
        chat_openai(server.base_url).invoke(PROMPT)
    [sent] = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer test"

    with GeminiServer() as server:
        stream_text(chat_gemini(server.base_url))
    [sent] = server.requests
    assert sent.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert sent.headers["x-goog-api-key"] == "test"


# --- provider-specific behaviour -------------------------------------------------------------


def test_chat_openai_streams_usage_only_when_asked() -> None:
    """With a custom base_url, ChatOpenAI leaves stream_usage off unless told."""
    with OpenAIServer() as server:
        model = chat_openai(server.base_url)
        _, without = stream_text(model)
        _, with_usage = stream_text(model, stream_usage=True)
        first, second = server.chat_requests()
    assert without.usage_metadata is None
    assert "stream_options" not in first.body
    assert with_usage.usage_metadata is not None
    assert second.body["stream_options"] == {"include_usage": True}


def test_openai_sdk_honours_retry_after() -> None:
    with OpenAIServer(script=[Status(429, times=2, retry_after=0.01)]) as server:
        model = ChatOpenAI(
            model="gpt-4o-mini", base_url=server.base_url, api_key="test", max_retries=2
        )
        assert model.invoke(PROMPT).text == DEFAULT_REPLY
    assert len(server.chat_requests()) == 3


def test_chat_gemini_accepts_client_options_alias() -> None:
    with GeminiServer() as server:
        model = ChatGoogleGenerativeAI(
            model="gemini-2.5-flash",
            client_options={"api_endpoint": server.url},
            api_key="test",
            max_retries=1,
        )
        assert model.invoke(PROMPT).text == DEFAULT_REPLY


def test_refused_connection_maps_to_model_connection_error() -> None:
    with pytest.raises(ModelConnectionError):
        chat_openai(refused_url() + "/v1").invoke(PROMPT)


def test_openai_timeout_is_also_a_connection_error() -> None:
    """openai.APITimeoutError subclasses APIConnectionError: test for timeout first."""
    with OpenAIServer(script=[Slow(30)]) as server, pytest.raises(OpenAITimeoutError) as caught:
        chat_openai(server.base_url, timeout=TIMEOUT).invoke(PROMPT)
    assert isinstance(caught.value, openai.APIConnectionError)
    assert isinstance(caught.value, ModelTimeoutError)


# --- raw SDKs ------------------------------------------------------------------------------


def test_ollama_client_lists_shows_and_chats() -> None:
    with OllamaServer() as server:
        client = ollama.Client(host=server.base_url)
        assert [m.model for m in client.list().models] == ["llama3.2:latest", "qwen2.5:7b"]
        shown = client.show("llama3.2")
        assert shown.modelinfo is not None
        assert shown.modelinfo["llama.context_length"] == 131072
        assert client.show("qwen2.5:7b").modelinfo["qwen2.context_length"] == 32768  # type: ignore[index]
        reply = client.chat("llama3.2", messages=[{"role": "user", "content": PROMPT}])
        assert reply.message.content == DEFAULT_REPLY
        assert (reply.prompt_eval_count, reply.eval_count) == (2, REPLY_WORDS)
        assert reply.done_reason == "stop"
        parts = list(
            client.chat("llama3.2", messages=[{"role": "user", "content": PROMPT}], stream=True)
        )
        assert "".join(p.message.content or "" for p in parts) == DEFAULT_REPLY
        assert parts[-1].done and not parts[0].done
        assert httpx.get(f"{server.url}/api/version").json()["version"]
        with pytest.raises(ollama.ResponseError) as caught:
            client.show("missing")
        assert caught.value.status_code == 404


def test_ollama_client_refused_is_builtin_connection_error() -> None:
    """Non-streaming calls turn httpx.ConnectError into the builtin ConnectionError."""
    client = ollama.Client(host=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(ConnectionError):
        client.list()


def test_openai_sdk_chat_and_models() -> None:
    with OpenAIServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        messages: Any = [{"role": "user", "content": PROMPT}]
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        assert completion.choices[0].message.content == DEFAULT_REPLY
        assert completion.usage is not None
        assert completion.usage.total_tokens == 2 + REPLY_WORDS
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == DEFAULT_REPLY
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == REPLY_WORDS
        assert [m.id for m in client.models.list()] == ["gpt-4o-mini", "gpt-4.1-mini"]
        server.push(Status(429))
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        missing_key = httpx.post(f"{server.base_url}/chat/completions", json={})
        assert missing_key.status_code == 401
        assert missing_key.json()["error"]["type"] == "invalid_request_error"


def test_genai_sdk_generate_stream_and_model_info() -> None:
    with GeminiServer() as server:
        client = genai.Client(
            api_key="test",
            http_options=genai_types.HttpOptions(base_url=server.url, timeout=5_000),
        )
        response = client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
        assert response.text == DEFAULT_REPLY
        assert response.usage_metadata is not None
        assert response.usage_metadata.total_token_count == 2 + REPLY_WORDS
        parts = [
            c.text
            for c in client.models.generate_content_stream(
                model="gemini-2.5-flash", contents=PROMPT
            )
        ]
        assert parts == split_tokens(DEFAULT_REPLY)
        info = client.models.get(model="gemini-2.5-flash")
        assert (info.input_token_limit, info.output_token_limit) == (1_048_576, 65_536)
        server.push(Status(429))
        with pytest.raises(genai_errors.ClientError) as caught:
            client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
        assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
