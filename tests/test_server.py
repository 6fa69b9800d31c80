"""``veraz serve`` as its clients see it: the real ``openai`` library (sync, async,
streamed), LangChain's ``ChatOpenAI`` and plain httpx against a real server process on
127.0.0.1, one server shared by the module.

The server may answer with two more models than ``extractive``: an OpenAI-compatible
wire server in this process (tests/wire/, a model that quotes its first passage, or
fabricates when asked about Google) and an Ollama model on a closed port (a backend
that is down).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI
from small_corpus import write_corpus
from veraz_server import RunningServer, running_server
from wire import OpenAIServer, closed_port
from wire.base import Message

from agent import Veraz
from agent.server.keys import KeyStore

SPANISH_Q = "¿Qué formato guarda modelos cuantizados?"
ENGLISH_Q = "How does RAG find passages?"
PRIVATE_TEXT = "El presupuesto secreto de Marte asciende a 417 millones de pesos."
FABRICATION = "RAG was invented by Google in 1987 and needs 96 GPUs [1]."
WIRE_MODEL = "openai:gpt-4o-mini"
DOWN_MODEL = "ollama:qwen2.5:7b"


def wire_model(messages: list[Message]) -> str:
    """JSON for routing and grading; the first passage's first sentence cited, unless the
    question mentions Google: then a fabrication the verifier must catch."""
    prompt = messages[-1]["content"]
    if "Answer:" in prompt or "Respuesta:" in prompt:
        if "Google" in prompt.split("</passage>")[-1]:  # the question, after the passages
            return FABRICATION
        first = prompt.split('<passage n="1"', 1)[1].split("</passage>", 1)[0].split("\n", 1)[1]
        sentences = re.findall(r"[A-Z][^.!?\n]{20,}[.!?]", first)
        return f"{sentences[0]} [1]" if sentences else "I can't find this information."
    return json.dumps({"route": "retrieve", "relevant": [1, 2]})


class Served:
    def __init__(self, server: RunningServer, wire: OpenAIServer, keys: dict[str, str]) -> None:
        self.server = server
        self.wire = wire
        self.keys = keys

    def client(self, key: str = "full") -> openai.OpenAI:
        return openai.OpenAI(base_url=self.server.base_url, api_key=self.keys[key], max_retries=0)

    def http(self, key: str | None = "full") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=120)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("server")
    home = root / "home"
    write_corpus(root / "docs")
    private = root / "private"
    private.mkdir()
    (private / "marte.md").write_text(f"# Marte\n\n{PRIVATE_TEXT}\n", encoding="utf-8")
    for collection, folder in (("default", root / "docs"), ("privado", private)):
        rag = Veraz(home=home, collection=collection)
        assert rag.ingest([folder]).failed == []
        rag.close()
    store = KeyStore.for_home(home)
    keys = {"full": store.create("full")[1], "limited": store.create("d", ["default"])[1]}
    revoked, keys["revoked"] = store.create("old")
    store.revoke(revoked.id)
    env = {
        "VERAZ_SERVER_MODELS": json.dumps([WIRE_MODEL, DOWN_MODEL]),
        "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}",
        "OPENAI_API_KEY": "test",
        "VERAZ_MODEL_TIMEOUT_S": "10",
        "VERAZ_MAX_FILE_MB": "0.05",
        "VERAZ_SERVER_MAX_UPLOAD_MB": "0.5",
    }
    with OpenAIServer(responder=wire_model) as wire:
        env["OPENAI_BASE_URL"] = wire.base_url
        with running_server(home, env=env) as server:
            yield Served(server, wire, keys)


def _veraz(completion: object) -> dict:
    return completion.model_extra["veraz"]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- OpenAI protocol


def test_openai_client_gets_a_cited_verified_answer_with_footnotes(served: Served) -> None:
    completion = served.client().chat.completions.create(
        model="veraz:default", messages=[{"role": "user", "content": SPANISH_Q}]
    )
    content = completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop" and completion.model == "veraz:default"
    assert "GGUF" in content and "[^1]" in content
    assert re.search(r"^\[\^1\]: cuantizacion\.md — .*GGUF", content, re.MULTILINE)
    answer = _veraz(completion)["answer"]
    assert answer["verification"]["grounded"] and not answer["abstained"]
    assert answer["citations"][0]["source"].endswith("cuantizacion.md")
    assert [s["node"] for s in answer["steps"]][:2] == ["contextualize", "route"]
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens == 0  # extractive


def test_openai_client_streams_the_verified_answer_then_usage(served: Served) -> None:
    client = served.client()
    plain = client.chat.completions.create(
        model="veraz:default", messages=[{"role": "user", "content": ENGLISH_Q}]
    )
    chunks = list(
        client.chat.completions.create(
            model="veraz:default",
            messages=[{"role": "user", "content": ENGLISH_Q}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    with_choices = [c for c in chunks if c.choices]
    texts = [c.choices[0].delta.content for c in with_choices if c.choices[0].delta.content]
    assert len(texts) > 5  # streamed in pieces, not one blob at the end
    assert "".join(texts) == plain.choices[0].message.content
    finish = with_choices[-1]
    assert finish.choices[0].finish_reason == "stop"
    assert _veraz(finish)["answer"]["verification"]["grounded"]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 0
    assert all(c.usage is None for c in chunks[:-1])


def test_async_client_answers_and_streams(served: Served) -> None:
    async def run() -> tuple[str, str]:
        client = openai.AsyncOpenAI(
            base_url=served.server.base_url, api_key=served.keys["full"], max_retries=0
        )
        messages = [{"role": "user", "content": SPANISH_Q}]
        whole = await client.chat.completions.create(model="veraz:default", messages=messages)
        stream = await client.chat.completions.create(
            model="veraz:default", messages=messages, stream=True
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        await client.close()
        return whole.choices[0].message.content, "".join(parts)

    whole, streamed = asyncio.run(run())
    assert "[^1]" in whole and streamed == whole


def test_langchain_chat_openai_pointed_at_veraz(served: Served) -> None:
    llm = ChatOpenAI(
        model="veraz:default",
        base_url=served.server.base_url,
        api_key=served.keys["full"],
        max_retries=0,
    )
    message = llm.invoke(ENGLISH_Q)
    assert "BM25" in message.content and "[^1]: rag.txt" in message.content
    streamed = "".join(chunk.content for chunk in llm.stream(ENGLISH_Q))
    assert streamed == message.content


def test_the_models_endpoint_lists_the_collections_a_key_may_use(served: Served) -> None:
    full = sorted(m.id for m in served.client().models.list())
    limited = [m.id for m in served.client("limited").models.list()]
    assert full == ["veraz:default", "veraz:privado"] and limited == ["veraz:default"]


def test_an_llm_answers_with_its_usage_when_the_request_picks_it(served: Served) -> None:
    completion = served.client().chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": ENGLISH_Q}],
        extra_body={"veraz": {"answer_model": WIRE_MODEL}},
    )
    answer = _veraz(completion)["answer"]
    assert answer["model"] == WIRE_MODEL and not answer["fallback_used"]
    assert answer["verification"]["grounded"] and "[^1]" in completion.choices[0].message.content
    usage = completion.usage
    assert usage.prompt_tokens == answer["usage"]["prompt_tokens"] > 0
    assert usage.completion_tokens == answer["usage"]["completion_tokens"] > 0


def test_an_unverified_draft_is_never_streamed(served: Served) -> None:
    stream = served.client().chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": "What did Google do with RAG passages?"}],
        extra_body={"veraz": {"answer_model": WIRE_MODEL}},
        stream=True,
    )
    chunks = [c for c in stream if c.choices]
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    answer = _veraz(chunks[-1])["answer"]
    assert "1987" not in streamed and "Google" not in streamed  # the model did write it
    assert answer["fallback_used"] and answer["model"] == "extractive"
    assert answer["verification"]["grounded"] and streamed.strip()


def test_a_model_backend_that_is_down_falls_back_and_says_so(served: Served) -> None:
    completion = served.client().chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": SPANISH_Q}],
        extra_body={"veraz": {"answer_model": DOWN_MODEL}},
    )
    answer = _veraz(completion)["answer"]
    assert answer["fallback_used"] and answer["model"] == "extractive"
    assert "connection" in answer["fallback_reason"]
    assert answer["verification"]["grounded"] and "GGUF" in completion.choices[0].message.content


def test_a_model_the_server_does_not_allow_is_refused(served: Served) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        served.client().chat.completions.create(
            model="veraz:default",
            messages=[{"role": "user", "content": SPANISH_Q}],
            extra_body={"veraz": {"answer_model": "llamacpp:/etc/passwd"}},
        )
    error = refused.value.body
    assert error["code"] == "model_not_allowed" and "extractive" in error["message"]


def test_the_conversation_the_client_sends_is_the_history(served: Served) -> None:
    first = served.client().chat.completions.create(
        model="veraz:default", messages=[{"role": "user", "content": "¿Qué formato usa QLoRA?"}]
    )
    follow_up = served.client().chat.completions.create(
        model="veraz:default",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "¿Qué formato usa QLoRA?"},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": "¿y llama.cpp?"},
        ],
    )
    steps = _veraz(follow_up)["answer"]["steps"]
    standalone = steps[0]["detail"]["standalone"]
    assert steps[0]["node"] == "contextualize" and "llama.cpp" in standalone
    assert "formato" in standalone and "GGUF" in follow_up.choices[0].message.content


def test_a_user_id_keeps_a_server_side_thread(served: Served) -> None:
    client = served.client()
    client.chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": "¿Qué formato usa QLoRA?"}],
        user="ana-thread-1",
    )
    follow_up = client.chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": "¿y llama.cpp?"}],
        user="ana-thread-1",
    )
    veraz = _veraz(follow_up)
    assert veraz["thread_id"].endswith(":default:ana-thread-1")
    assert "formato" in veraz["answer"]["steps"][0]["detail"]["standalone"]
    other_key = served.client("limited").chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": "¿y llama.cpp?"}],
        user="ana-thread-1",
    )
    # another key naming the same thread starts its own: no history to lean on
    assert _veraz(other_key)["answer"]["steps"][0]["detail"]["method"] == "unchanged"


# --------------------------------------------------------------------------- refusals


def test_missing_bad_and_revoked_keys_get_401(served: Served) -> None:
    for key in ("vz-not-a-key", served.keys["revoked"]):
        client = openai.OpenAI(base_url=served.server.base_url, api_key=key, max_retries=0)
        with pytest.raises(openai.AuthenticationError) as refused:
            client.models.list()
        assert refused.value.body["message"] == "invalid or revoked API key"
    response = served.http(key=None).get("/v1/models")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "veraz keys create" in response.json()["error"]["message"]


def test_a_key_limited_to_one_collection_gets_403_elsewhere(served: Served) -> None:
    with pytest.raises(openai.PermissionDeniedError) as refused:
        served.client("limited").chat.completions.create(
            model="veraz:privado", messages=[{"role": "user", "content": "¿Presupuesto?"}]
        )
    assert refused.value.body["code"] == "collection_not_allowed"
    with served.http("limited") as http:
        retrieve = http.post("/v1/retrieve", json={"query": "Marte", "collection": "privado"})
        upload = http.post(
            "/v1/ingest", data={"collection": "privado"}, files={"files": ("a.md", b"# A\n\nx")}
        )
        assert retrieve.status_code == upload.status_code == 403
        assert [c["name"] for c in http.get("/v1/collections").json()["collections"]] == ["default"]


def test_unknown_models_and_collections_are_404(served: Served) -> None:
    with pytest.raises(openai.NotFoundError) as unknown:
        served.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hola"}]
        )
    assert unknown.value.body["code"] == "model_not_found"
    with served.http() as http:
        missing = http.post("/v1/ask", json={"question": "hola", "collection": "nada"})
        invalid = http.post("/v1/ask", json={"question": "hola", "collection": "../etc"})
        route = http.get("/v2/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["param"] == "collection"
    assert invalid.status_code == 400 and "collection name" in invalid.json()["error"]["message"]
    assert route.status_code == 404 and route.json()["error"]["type"] == "not_found_error"
    assert not (served.server.home / "collections" / "nada").exists()


def _chat(messages: list[dict], **extra: object) -> bytes:
    return json.dumps({"model": "veraz:default", "messages": messages, **extra}).encode()


USER_X = [{"role": "user", "content": "x"}]
IMAGE = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
MALFORMED = [
    (b'{"model": "veraz:default", "messages": [', None, "not valid JSON"),
    (b'{"model": "veraz:default"}', "messages", "messages"),
    (_chat([{"role": "robot", "content": "x"}]), "messages[0].role", "messages[0].role"),
    (_chat([{"role": "assistant", "content": "x"}]), "messages", "last message"),
    (_chat([{"role": "user", "content": "  "}]), "messages", "empty"),
    (_chat([{"role": "user", "content": IMAGE}]), "messages[0].content", "only text"),
    (_chat(USER_X, n=3), "n", "n must be 1"),
    (_chat(USER_X, veraz={"colour": "red"}), "veraz.colour", "veraz.colour"),
]


@pytest.mark.parametrize(("body", "param", "words"), MALFORMED)
def test_malformed_chat_requests_are_400_with_the_field(
    served: Served, body: bytes, param: str | None, words: str
) -> None:
    with served.http() as http:
        response = http.post(
            "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
        )
    error = response.json()["error"]
    assert response.status_code == 400 and error["type"] == "invalid_request_error"
    assert error["param"] == param and words in error["message"]
    assert "Traceback" not in response.text


def test_a_body_over_the_limit_is_413(served: Served) -> None:
    huge = {"model": "veraz:default", "messages": [{"role": "user", "content": "x" * 1_100_000}]}
    with served.http() as http:
        response = http.post("/v1/chat/completions", json=huge)
        upload = http.post("/v1/ingest", files={"files": ("big.md", b"# B\n\n" + b"y" * 600_000)})
    assert response.status_code == upload.status_code == 413
    assert "larger than this server accepts (1 MB)" in response.json()["error"]["message"]
    assert "(0.5 MB)" in upload.json()["error"]["message"]
    assert not (served.server.home / "uploads" / "default" / "big.md").exists()


# --------------------------------------------------------------------------- native routes


def test_ask_returns_the_answer_json(served: Served) -> None:
    with served.http() as http:
        response = http.post("/v1/ask", json={"question": SPANISH_Q})
    answer = response.json()
    assert response.status_code == 200 and answer["question"] == SPANISH_Q
    assert set(answer) >= {"answer", "citations", "verification", "steps", "usage", "model"}
    assert answer["verification"]["grounded"] and answer["citations"]
    assert response.headers["server-timing"].startswith("veraz;dur=")


def test_retrieve_and_collections(served: Served) -> None:
    with served.http() as http:
        hits = http.post("/v1/retrieve", json={"query": "formato GGUF", "k": 1}).json()
        private = http.post(
            "/v1/retrieve", json={"query": "presupuesto Marte", "collection": "privado"}
        ).json()
        bad_k = http.post("/v1/retrieve", json={"query": "x", "k": 0})
        listed = http.get("/v1/collections").json()["collections"]
    assert len(hits["hits"]) == 1 and hits["hits"][0]["source"].endswith("cuantizacion.md")
    assert private["hits"][0]["text"].endswith(PRIVATE_TEXT)
    assert bad_k.status_code == 400 and bad_k.json()["error"]["param"] == "k"
    assert {c["name"]: c["documents"] for c in listed} == {"default": 2, "privado": 1}


def test_uploads_are_stored_under_the_home_and_bad_files_reported(served: Served) -> None:
    files = [
        ("files", ("../../../escape.md", b"# Fuga\n\nEl gato Tomillo vive en Segovia.\n")),
        ("files", ("notas.txt", b"Las notas dicen que Tomillo come sardinas.")),
        ("files", ("roto.pdf", b"%PDF-1.4 not really a pdf")),
        ("files", ("programa.exe", b"MZ\x90\x00")),
        ("files", ("grande.md", b"# G\n\n" + b"palabra " * 8_000)),  # over 0.05 MB
        ("files", ("vacio.md", b"")),
        ("files", (".oculto.md", b"# O\n\nx")),
    ]
    with served.http() as http:
        response = http.post("/v1/ingest", data={"collection": "subidas"}, files=files)
        report = response.json()
        answer = http.post(
            "/v1/ask", json={"question": "¿Dónde vive el gato Tomillo?", "collection": "subidas"}
        ).json()
        again = http.post("/v1/ingest", data={"collection": "subidas"}, files=[files[1]]).json()
    assert response.status_code == 200 and report["collection"] == "subidas"
    assert report["added"] == 2 and report["unchanged"] == 0
    reasons = {f["path"]: f["error"] for f in report["failed"]}
    assert set(reasons) == {"roto.pdf", "programa.exe", "grande.md", "vacio.md", ".oculto.md"}
    assert "unsupported file type '.exe'" in reasons["programa.exe"]
    assert "over the limit" in reasons["grande.md"] and "VERAZ_MAX_FILE_MB" in reasons["grande.md"]
    assert reasons["vacio.md"] == "empty file" and "PDF" in reasons["roto.pdf"]
    folder = served.server.home / "uploads" / "subidas"
    # a file the loader refused is not kept (issue 20)
    assert sorted(p.name for p in folder.iterdir()) == ["escape.md", "notas.txt"]
    assert list(served.server.home.parent.rglob("escape.md")) == [folder / "escape.md"]
    # over HTTP an upload is shown by its base name, never the server's path
    assert "Segovia" in answer["answer"] and answer["citations"][0]["source"] == "escape.md"
    assert again["unchanged"] == 1 and again["added"] == 0


def test_a_request_without_files_or_not_multipart_is_400(served: Served) -> None:
    with served.http() as http:
        no_files = http.post("/v1/ingest", data={"collection": "default"}, files={"x": ("a", b"")})
        not_multipart = http.post("/v1/ingest", json={"paths": ["/etc/passwd"]})
    assert no_files.status_code == 400 and no_files.json()["error"]["param"] == "files"
    assert (
        not_multipart.status_code == 400 and "multipart" in not_multipart.json()["error"]["message"]
    )


# --------------------------------------------------------------------------- operations


def test_probes_need_no_key_and_cors_is_off(served: Served) -> None:
    with served.http(key=None) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        assert http.get("/readyz").json()["status"] == "ready"
        preflight = http.options(
            "/v1/chat/completions",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert "access-control-allow-origin" not in preflight.headers


def test_metrics_count_requests_and_answers(served: Served) -> None:
    client = served.client()
    client.chat.completions.create(
        model="veraz:default",
        messages=[{"role": "user", "content": SPANISH_Q}],
        extra_body={"veraz": {"answer_model": DOWN_MODEL}},
    )
    with served.http(key=None) as http:
        values = metric_values(http.get("/metrics").text)
    route = ("route", "/v1/chat/completions")
    ok = ("veraz_http_requests_total", ("method", "POST"), route, ("status", "200"))
    assert values[ok] >= 1
    assert values[("veraz_answers_total", ("verdict", "verified"))] >= 1
    assert values[("veraz_answers_fallback_total",)] >= 1
    assert values[("veraz_auth_failures_total", ("status", "401"))] >= 1
    bucket = ("veraz_http_request_duration_seconds_bucket", ("le", "0.5"), ("route", "/v1/ask"))
    assert bucket in values


def metric_values(text: str) -> dict[tuple, float]:
    """Prometheus text -> {(name, *sorted label pairs): value}."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        pairs = sorted(re.findall(r'(\w+)="([^"]*)"', labels))
        values[(name, *pairs)] = float(value)
    return values


def test_logs_hold_no_keys_no_document_text_and_no_tracebacks(served: Served) -> None:
    with served.http() as http:  # make sure the private text went through the server
        http.post("/v1/ask", json={"question": "¿Presupuesto de Marte?", "collection": "privado"})
    log = served.server.log()
    assert "POST /v1/ask 200" in log and "key=key_" in log
    for key in served.keys.values():
        assert key not in log
    assert "presupuesto" not in log.lower() and "Tomillo" not in log
    assert "Traceback" not in log


def test_the_question_that_once_came_back_empty_is_an_abstention_with_text(
    served: Served,
) -> None:
    # "¿Qué valores de k1 y b…?" on the sample corpus used to end abstained with no text;
    # the graph now always gives the abstention sentence (or an answer), never "".
    with served.http() as http:
        reply = http.post(
            "/v1/ask", json={"question": "¿Qué valores de k1 y b se usan habitualmente en BM25?"}
        )
    assert reply.status_code == 200
    assert reply.json()["answer"].strip()
