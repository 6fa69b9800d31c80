"""``hf:PATH`` and ``hf:BASE+adapter=PATH`` on a tiny random Llama built by the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from tiny_models import tiny_llama_dir  # noqa: F401

from agent.config import Settings
from agent.models.registry import check_model, resolve_model
from agent.models.resolved import ModelSetupError

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def resolved(tiny_llama_dir: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    return resolve_model(f"hf:{tiny_llama_dir}", Settings(max_output_tokens=16))


@pytest.fixture(scope="module")
def adapter_dir(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """A LoRA adapter with random (non-zero) B matrices, so it changes the outputs."""
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    config = peft.LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    folder = tmp_path_factory.mktemp("adapter")
    peft.get_peft_model(base, config).save_pretrained(folder)
    return folder


def logits(model, ids: list[int]):  # type: ignore[no-untyped-def]
    with torch.no_grad():
        return model(torch.tensor([ids], device=model.device)).logits.float().cpu()


def test_invoke_returns_text_usage_and_the_cpu_note(resolved, tiny_llama_dir: Path) -> None:  # noqa: F811
    assert resolved.provider == "hf" and resolved.name == f"hf:{tiny_llama_dir}"
    assert resolved.context_window == 4096 and resolved.price.cost(10**6, 10**6) == 0
    reply = resolved.llm.invoke([HumanMessage("¿Qué formato usa llama.cpp?")])
    assert reply.content.strip()
    usage = reply.usage_metadata
    ids = resolved.llm.prompt_ids([HumanMessage("¿Qué formato usa llama.cpp?")])
    assert usage["input_tokens"] == ids.shape[1] and usage["output_tokens"] == 16
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    if not CUDA:
        assert any("4-bit NF4 needs a CUDA GPU" in note for note in resolved.notes)


def test_prompt_uses_the_tokenizer_chat_template(resolved) -> None:
    ids = resolved.llm.prompt_ids([HumanMessage("hola")])[0].tolist()
    tokenizer = resolved.llm.hf_tokenizer
    text = "<s><|im_start|>user\nhola<|im_end|>\n<|im_start|>assistant\n"
    assert ids == tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids.count(tokenizer.bos_token_id) == 1  # written by the template, not added again


def test_stream_yields_many_chunks_that_add_up_to_invoke(resolved) -> None:
    chunks = list(resolved.llm.stream("Hello there"))
    assert len([c for c in chunks if c.content]) > 1
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    reply = resolved.llm.invoke("Hello there")
    assert whole.content == reply.content  # greedy at temperature 0
    assert whole.usage_metadata == reply.usage_metadata


def test_stop_strings_cut_the_reply(resolved) -> None:
    full = resolved.llm.invoke("Hello there").content
    stop = full.strip()[4:8]
    assert stop and stop in full
    cut = resolved.llm.invoke("Hello there", stop=[stop])
    assert cut.content == full[: full.index(stop)]
    assert cut.response_metadata["finish_reason"] == "stop"


def test_a_stream_abandoned_early_releases_the_model(resolved) -> None:
    for _chunk in resolved.llm.stream("Hello there"):
        break
    assert resolved.llm.invoke("Hello there").usage_metadata["output_tokens"] == 16


def test_generation_past_model_timeout_raises_timeout(tiny_llama_dir: Path) -> None:  # noqa: F811
    slow = resolve_model(f"hf:{tiny_llama_dir}", Settings(model_timeout_s=1e-6))
    with pytest.raises(TimeoutError, match="time limit"):
        slow.llm.invoke("Hello there")


def test_counter_is_the_model_tokenizer(resolved) -> None:
    counter = resolved.counter
    assert counter.exact and counter.count("") == 0
    tokenizer = resolved.llm.hf_tokenizer
    text = "El modelo reduce los pesos."
    assert counter.count(text) == len(tokenizer.tokenize(text)) == 6


def test_explicit_4bit_on_cpu_is_ignored_and_said(tiny_llama_dir: Path) -> None:  # noqa: F811
    if CUDA:
        pytest.skip("CUDA present: 4-bit is honoured")
    model = resolve_model(f"hf:{tiny_llama_dir}", Settings(hf_quantization="4bit"))
    assert any("4bit ignored" in note for note in model.notes)
    assert next(model.llm.hf_model.parameters()).dtype == torch.float32


def test_no_chat_template_falls_back_to_plain_prompt(
    tiny_llama_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(tiny_llama_dir, bare)
    (bare / "chat_template.jinja").unlink()
    model = resolve_model(f"hf:{bare}", Settings(max_output_tokens=16))
    assert any("no chat template" in note for note in model.notes)
    ids = model.llm.prompt_ids([HumanMessage("hola")])[0].tolist()
    tokenizer = model.llm.hf_tokenizer
    assert ids == tokenizer("user: hola\nassistant:")["input_ids"] and ids[0] == 1  # BOS added
    assert model.llm.invoke("hola").usage_metadata["output_tokens"] == 16


def test_adapter_is_applied_like_peft_does(tiny_llama_dir: Path, adapter_dir: Path) -> None:  # noqa: F811
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    with_adapter = resolve_model(f"hf:{tiny_llama_dir}+adapter={adapter_dir}")
    assert any("LoRA adapter" in note for note in with_adapter.notes)
    ids = with_adapter.llm.prompt_ids([HumanMessage("hola")])[0].tolist()
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    plain = logits(base, ids)
    by_hand = logits(PeftModel.from_pretrained(base, adapter_dir).eval(), ids)
    ours = logits(with_adapter.llm.hf_model, ids)
    assert not torch.allclose(ours, plain, atol=1e-3)
    assert torch.allclose(ours, by_hand, atol=1e-5)
    assert with_adapter.llm.invoke("hola").content.strip()


def test_missing_adapter_folder(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(ModelSetupError, match=r"adapter folder .* does not exist"):
        resolve_model(f"hf:{tiny_llama_dir}+adapter={tmp_path / 'nothing'}")
    not_adapter = tmp_path / "empty"
    not_adapter.mkdir()
    with pytest.raises(ModelSetupError, match=r"no adapter_config\.json"):
        resolve_model(f"hf:{tiny_llama_dir}+adapter={not_adapter}")


def test_repo_missing_offline_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelSetupError) as err:
        resolve_model("hf:veraz-tests/no-such-model")
    message = str(err.value)
    assert "veraz-tests/no-such-model" in message and "offline" in message
    assert "\n" not in message
    assert not check_model("hf:veraz-tests/no-such-model").reachable


def test_check(tiny_llama_dir: Path, adapter_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    ok = check_model(f"hf:{tiny_llama_dir}")
    assert ok.reachable and "local folder" in ok.detail
    assert check_model(f"hf:{tiny_llama_dir}+adapter={adapter_dir}").reachable
    missing = check_model(f"hf:{tmp_path / 'absent'}")
    assert not missing.reachable and "does not exist" in missing.detail
    assert "no config.json" in check_model(f"hf:{tmp_path}").detail
    assert "expected hf:" in check_model(f"hf:{tiny_llama_dir}+adapter=").detail


@pytest.mark.skipif(not CUDA, reason="4-bit NF4 (bitsandbytes) needs CUDA")
def test_4bit_nf4_on_cuda(tiny_llama_dir: Path) -> None:  # noqa: F811
    pytest.importorskip("bitsandbytes")
    model = resolve_model(f"hf:{tiny_llama_dir}", Settings(max_output_tokens=8))
    assert any("4-bit NF4" in note for note in model.notes)
    hf_model = model.llm.hf_model
    assert getattr(hf_model, "is_loaded_in_4bit", False)
    config = hf_model.config.quantization_config
    assert config.bnb_4bit_quant_type == "nf4" and config.bnb_4bit_use_double_quant
    reply = model.llm.invoke("hola")
    assert reply.usage_metadata["output_tokens"] == 8


def test_graph_answers_through_the_hf_model(tmp_path: Path, tiny_llama_dir: Path) -> None:  # noqa: F811
    """The whole agent on a real transformers model: noise out, but every call is real."""
    from small_corpus import write_corpus

    from agent.api import Veraz

    write_corpus(tmp_path / "docs")
    rag = Veraz(home=tmp_path / "home", model=f"hf:{tiny_llama_dir}", max_output_tokens=32)
    try:
        assert rag.ingest([tmp_path / "docs"]).failed == []
        answer = rag.ask("¿Qué formato usa llama.cpp para modelos cuantizados?")
    finally:
        rag.close()
    spec = f"hf:{tiny_llama_dir}"
    used = [s.detail.get("model") for s in answer.steps if s.node == "generate"]
    assert used == [spec], answer.to_dict()  # a real call, whatever the verifier made of it
    assert answer.answer.strip() and answer.usage.completion_tokens > 0
    assert answer.usage.prompt_tokens > 0 and not answer.usage.estimated
