"""``llamacpp:PATH.gguf`` on a real (tiny, random) GGUF built and converted by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from tiny_models import tiny_gguf, tiny_llama_dir  # noqa: F401

from agent.config import Settings
from agent.models.registry import check_model, resolve_model
from agent.models.resolved import ModelSetupError

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")


@pytest.fixture(scope="module")
def resolved(tiny_gguf: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    return resolve_model(f"llamacpp:{tiny_gguf}", Settings(max_output_tokens=24))


def test_invoke_returns_text_and_exact_usage(resolved, tiny_gguf: Path) -> None:  # noqa: F811
    assert resolved.provider == "llamacpp" and resolved.name == f"llamacpp:{tiny_gguf}"
    assert resolved.context_window == Settings().llamacpp_n_ctx
    assert resolved.max_output_tokens == 24
    narrowed = resolve_model(f"llamacpp:{tiny_gguf}", Settings(context_window=1024))
    assert narrowed.context_window == 1024  # VERAZ_CONTEXT_WINDOW holds for local models too
    assert resolved.price is not None and resolved.price.cost(1000, 1000) == 0
    reply = resolved.llm.invoke([HumanMessage("¿Qué formato usa llama.cpp?")])
    assert reply.content.strip()
    usage = reply.usage_metadata
    assert usage["output_tokens"] == 24  # the tiny model never writes end-of-turn
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert reply.response_metadata["finish_reason"] == "length"


def test_prompt_is_the_gguf_chat_template_as_transformers_renders_it(
    resolved,
    tiny_llama_dir: Path,  # noqa: F811
) -> None:
    """The template travels in the GGUF metadata and renders as transformers renders it.

    Token ids may still differ from transformers' for some words: the converter gives
    a tokenizer.json vocabulary equal scores, and llama.cpp merges by score.
    """
    from transformers import AutoTokenizer

    messages = [SystemMessage("Responde en español."), HumanMessage("Hola, ¿qué tal?")]
    text, stops, add_bos = resolved.llm.prompt_text(messages)
    hf = AutoTokenizer.from_pretrained(tiny_llama_dir)
    chat = [
        {"role": "system", "content": "Responde en español."},
        {"role": "user", "content": "Hola, ¿qué tal?"},
    ]
    assert text == hf.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
    assert text.startswith("<s><|im_start|>system\n") and not add_bos
    assert "<|im_end|>" in stops
    tokens, _ = resolved.llm.prompt_tokens(messages)
    assert tokens[:2] == [hf.bos_token_id, hf.convert_tokens_to_ids("<|im_start|>")]
    reply = resolved.llm.invoke(messages)
    assert reply.usage_metadata["input_tokens"] == len(tokens)


def test_stream_yields_many_chunks_that_add_up_to_invoke(resolved) -> None:
    chunks = list(resolved.llm.stream("Hello there"))
    texts = [c.content for c in chunks if c.content]
    assert len(texts) > 1
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    reply = resolved.llm.invoke("Hello there")
    assert whole.content == reply.content  # greedy: deterministic
    assert whole.usage_metadata == reply.usage_metadata


def test_tokens_reach_langgraph_messages_stream_once_each(resolved) -> None:
    """A node that calls ``invoke`` still streams tokens to ``stream_mode="messages"``."""
    from typing import TypedDict

    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        answer: str

    def answer(state: State) -> State:
        return {"answer": resolved.llm.invoke("Hello there").content}

    graph = StateGraph(State)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    compiled = graph.compile()
    pieces = [chunk.content for chunk, _ in compiled.stream({}, stream_mode="messages")]
    assert len([p for p in pieces if p]) > 1
    assert "".join(pieces) == compiled.invoke({})["answer"]


def test_stop_strings_cut_the_reply(resolved) -> None:
    full = resolved.llm.invoke("Hello there").content
    stop = full.strip()[6:10]
    assert stop and stop in full
    cut = resolved.llm.invoke("Hello there", stop=[stop])
    assert cut.content == full[: full.index(stop)]
    assert cut.response_metadata["finish_reason"] == "stop"
    assert cut.usage_metadata["output_tokens"] < 24


def test_a_stream_abandoned_early_releases_the_model(resolved) -> None:
    for _chunk in resolved.llm.stream("Hello there"):
        break
    assert resolved.llm.invoke("Hello there").usage_metadata["output_tokens"] == 24


def test_generation_past_model_timeout_raises_timeout(tiny_gguf: Path) -> None:  # noqa: F811
    slow = resolve_model(f"llamacpp:{tiny_gguf}", Settings(model_timeout_s=1e-6))
    with pytest.raises(TimeoutError, match="time limit"):
        slow.llm.invoke("Hello there")


def test_counter_uses_the_model_tokenizer(resolved) -> None:
    counter = resolved.counter
    assert counter.exact
    assert counter.count("") == 0
    assert (
        0
        < counter.count("El modelo reduce los pesos.")
        < counter.count("El modelo reduce los pesos. The model reduces the weights.")
    )


def test_model_is_loaded_once_per_file(tiny_gguf: Path, resolved) -> None:  # noqa: F811
    again = resolve_model(f"llamacpp:{tiny_gguf}", Settings(max_output_tokens=24))
    assert again.llm._model is resolved.llm._model


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ModelSetupError, match="no such file") as err:
        resolve_model(f"llamacpp:{tmp_path / 'absent.gguf'}")
    assert "absent.gguf" in str(err.value) and "\n" not in str(err.value)


def test_a_file_that_is_not_gguf_is_refused_before_loading(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelSetupError, match="not a GGUF") as err:
        resolve_model(f"llamacpp:{fake}")
    assert str(fake) in str(err.value) and "\n" not in str(err.value)


def test_a_truncated_gguf_fails_to_load_with_a_one_line_error(
    tmp_path: Path,
    tiny_gguf: Path,  # noqa: F811
) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(tiny_gguf.read_bytes()[:4096])
    with pytest.raises(ModelSetupError, match="could not load") as err:
        resolve_model(f"llamacpp:{broken}")
    assert "broken.gguf" in str(err.value) and "\n" not in str(err.value)


def test_check_reports_without_loading(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    ok = check_model(f"llamacpp:{tiny_gguf}")
    assert ok.reachable and ok.provider == "llamacpp" and "GGUF" in ok.detail
    missing = check_model(f"llamacpp:{tmp_path / 'absent.gguf'}")
    assert not missing.reachable and "no such file" in missing.detail
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert "not a GGUF" in check_model(f"llamacpp:{text}").detail


def test_amx_workaround_sets_use_extra_bufts_off(tiny_gguf: Path) -> None:  # noqa: F811
    """The patched defaults reach llama.cpp's model params (the path taken on AMX CPUs)."""
    import llama_cpp

    from agent.models.llamacpp import _without_extra_buffer_types

    with _without_extra_buffer_types(llama_cpp):
        llm = llama_cpp.Llama(str(tiny_gguf), n_ctx=256, verbose=False)
    assert llm.model_params.use_extra_bufts is False
    assert llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts is True


def test_graph_answers_through_the_gguf_model(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    """The whole agent on a real llama.cpp model: it writes noise, but every call is real."""
    from small_corpus import write_corpus

    from agent.api import Veraz

    write_corpus(tmp_path / "docs")
    rag = Veraz(home=tmp_path / "home", model=f"llamacpp:{tiny_gguf}", max_output_tokens=32)
    try:
        assert rag.ingest([tmp_path / "docs"]).failed == []
        answer = rag.ask("What does RAG retrieve before the model answers?")
    finally:
        rag.close()
    spec = f"llamacpp:{tiny_gguf}"
    used = [s.detail.get("model") for s in answer.steps if s.node == "generate"]
    assert used == [spec], answer.to_dict()  # a real call, whatever the verifier made of it
    assert answer.answer.strip() and answer.usage.completion_tokens > 0
    assert answer.usage.prompt_tokens > 0 and not answer.usage.estimated
