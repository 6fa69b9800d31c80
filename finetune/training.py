"""LoRA / QLoRA training: a plain PyTorch loop over a peft-wrapped causal LM.

A hand-written loop rather than ``transformers.Trainer``: the run folder, the resume
rule and the report are ours, and the loop is short enough to read in one sitting.

Run folder ``OUT``::

    train_config.json   the configuration (a resumed run must match it)
    data/               the deduplicated, length-filtered train/validation split used
    train_log.jsonl     one line per optimizer step: step, loss, learning rate, seconds
    checkpoints/step-N/ adapter, optimizer, scheduler and RNG state every --save-every
    adapter/            the final adapter (adapter_model.safetensors + adapter_config.json)
    report.json, loss_curve.png

Resume: rerunning the same command picks up from the newest checkpoint, with the
optimizer, learning-rate schedule, data order and dropout RNG restored, so 5 + 5 steps
give the adapter 10 steps give. The schedule is warmup then constant precisely so that
``--steps`` can be raised on resume without changing the steps already taken.

QLoRA (``qlora=True``) loads the base in 4-bit NF4 with double quantisation and trains
with paged AdamW (bitsandbytes); it needs CUDA. Without CUDA :class:`QLoRANeedsGPU` is
raised before anything loads: bitsandbytes would otherwise run 4-bit on the CPU, slower
than float32 and not what QLoRA means.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finetune import base_model, dataset, memory, targets
from finetune.errors import FinetuneError, QLoRANeedsGPU

Log = Callable[[str], None]
# Fields that must match for a resume to continue the same run.
_RESUME_KEYS = (
    "base",
    "data",
    "val_data",
    "batch_size",
    "grad_accum",
    "lr",
    "warmup_steps",
    "rank",
    "alpha",
    "dropout",
    "targets",
    "max_tokens",
    "val_fraction",
    "qlora",
    "seed",
)


@dataclass
class TrainConfig:
    """Everything that defines a run; saved as ``train_config.json``."""

    base: str
    data: str
    out: str
    val_data: str | None = None
    steps: int = 100
    batch_size: int = 1
    grad_accum: int = 1
    lr: float = 2e-4
    warmup_steps: int = 5
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    targets: list[str] | None = None
    max_tokens: int = 1024
    val_fraction: float = 0.1
    gradient_checkpointing: bool = True
    qlora: bool = False
    seed: int = 0
    save_every: int = 50
    max_val_examples: int = 200


@dataclass
class TrainResult:
    """What a run measured; ``to_dict`` is ``train --json`` and ``report.json``."""

    run_dir: str
    adapter: str
    base: str
    mode: str
    device: str
    steps: int
    steps_this_run: int
    resumed_from: int
    train_examples: int
    val_examples: int
    target_modules: list[str]
    train_loss_first: float
    train_loss_last: float
    val_loss_before: float | None
    val_loss_after: float | None
    val_ppl_before: float | None
    val_ppl_after: float | None
    seconds: float
    steps_per_s: float
    tokens_per_s: float
    peak_memory_mb: float
    peak_memory_source: str
    estimate: dict[str, float]
    losses: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _torch() -> Any:
    import torch

    return torch


def device_for(qlora: bool) -> str:
    torch = _torch()
    if torch.cuda.is_available():
        return "cuda"
    if qlora:
        raise QLoRANeedsGPU(
            "QLoRA needs a CUDA GPU (bitsandbytes 4-bit NF4 and paged AdamW); this machine "
            "has none. Run without --qlora to train plain LoRA in float32 on the CPU."
        )
    return "cpu"


def _load(config: TrainConfig, device: str, say: Log) -> tuple[Any, Any, list[str]]:
    """Tokenizer, model and notes; QLoRA's 4-bit load on CUDA, float32 on CPU.

    ``config.base`` may be a GGUF file: dequantised (a note says into what, and the
    memory it takes), with the file's own tokenizer and chat template.
    """
    torch = _torch()
    tokenizer = base_model.load_tokenizer(config.base)
    notes = []
    if device == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        args: dict[str, Any] = {"dtype": dtype, "device_map": {"": 0}}
        if config.qlora:
            from agent.models.dependencies import require

            require("bitsandbytes", "gpu", "finetune")
            from transformers import BitsAndBytesConfig

            args["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype,
            )
            notes.append("QLoRA: base in 4-bit NF4 with double quantisation, paged AdamW")
        else:
            notes.append(f"LoRA on CUDA, base in {str(dtype).removeprefix('torch.')}")
    else:
        args = {"dtype": torch.float32}
        notes.append("LoRA on CPU in float32 (QLoRA needs a CUDA GPU)")
    model, load_notes = base_model.load_model(config.base, **args)
    for line in load_notes:
        say(line)
    notes = load_notes + notes
    if not tokenizer.chat_template:
        notes.append("the base has no chat template: examples use the plain 'role: text' form")
    return tokenizer, model, notes


def _prepare_data(
    config: TrainConfig, tokenizer: Any, out: Path
) -> tuple[list[dataset.Tokenized], list[dataset.Tokenized], list[str]]:
    """Train and validation examples, tokenized; the split is written under ``out/data``."""
    notes = []
    rows = dataset.read_jsonl(config.data)
    if config.val_data:
        train_rows = dataset.deduplicate(rows)
        val_rows = dataset.deduplicate(dataset.read_jsonl(config.val_data))
        keys = {dataset._key(e) for e in val_rows}
        train_rows = [e for e in train_rows if dataset._key(e) not in keys]
        train_rows, train_ids, long_train = dataset.filter_by_length(
            tokenizer, train_rows, config.max_tokens
        )
        val_rows, val_ids, long_val = dataset.filter_by_length(
            tokenizer, val_rows, config.max_tokens
        )
        dataset.write_jsonl(train_rows, out / "data" / "train.jsonl")
        dataset.write_jsonl(val_rows, out / "data" / "val.jsonl")
        too_long = long_train + long_val
    else:
        built = dataset.build(
            rows,
            out / "data",
            tokenizer=tokenizer,
            max_tokens=config.max_tokens,
            val_fraction=config.val_fraction,
            seed=config.seed,
        )
        too_long = built.too_long
        train_ids = [dataset.tokenize(tokenizer, e) for e in dataset.read_jsonl(built.train)]
        val_ids = (
            [dataset.tokenize(tokenizer, e) for e in dataset.read_jsonl(built.val)]
            if built.n_val
            else []
        )
    if too_long:
        notes.append(f"{too_long} example(s) longer than {config.max_tokens} tokens left out")
    if not train_ids:
        raise FinetuneError("no training examples left after filtering")
    if not val_ids:
        notes.append("no validation examples: validation loss is not measured")
    return train_ids, val_ids[: config.max_val_examples], notes


def _batch(examples: Sequence[dataset.Tokenized], pad_id: int, device: str) -> dict[str, Any]:
    """Right-padded tensors; padding is masked out of attention and of the loss."""
    torch = _torch()
    width = max(len(e.input_ids) for e in examples)
    ids, labels, mask = [], [], []
    for e in examples:
        gap = width - len(e.input_ids)
        ids.append(e.input_ids + [pad_id] * gap)
        labels.append(e.labels + [dataset.IGNORE] * gap)
        mask.append([1] * len(e.input_ids) + [0] * gap)
    return {
        "input_ids": torch.tensor(ids, device=device),
        "labels": torch.tensor(labels, device=device),
        "attention_mask": torch.tensor(mask, device=device),
    }


def _micro_batch(
    examples: Sequence[dataset.Tokenized], index: int, size: int, seed: int
) -> list[dataset.Tokenized]:
    """Micro-batch number ``index`` of an endless, per-epoch reshuffled stream.

    A pure function of ``index``, so a resumed run sees exactly the batches it would
    have seen without the interruption.
    """
    per_epoch = math.ceil(len(examples) / size)
    epoch, position = divmod(index, per_epoch)
    order = list(range(len(examples)))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    picked = order[position * size : (position + 1) * size]
    return [examples[i] for i in picked]


def validation_loss(
    model: Any, examples: Sequence[dataset.Tokenized], pad_id: int, device: str
) -> float | None:
    """Token-weighted mean cross-entropy over the reply tokens of ``examples``."""
    if not examples:
        return None
    torch = _torch()
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for e in examples:
            batch = _batch([e], pad_id, device)
            n = int((batch["labels"][:, 1:] != dataset.IGNORE).sum())
            if n:
                total += float(model(**batch).loss) * n
                count += n
    model.train(was_training)
    return total / count if count else None


def _checkpoints(out: Path) -> list[Path]:
    folder = out / "checkpoints"
    found = [p for p in folder.glob("step-*") if (p / "state.json").is_file()]
    return sorted(found, key=lambda p: int(p.name.removeprefix("step-")))


def _check_resumable(config: TrainConfig, out: Path) -> None:
    saved_path = out / "train_config.json"
    if not saved_path.is_file():
        return
    saved = json.loads(saved_path.read_text())
    changed = [k for k in _RESUME_KEYS if saved.get(k) != asdict(config).get(k)]
    if changed and _checkpoints(out):
        raise FinetuneError(
            f"{out} holds a run with other settings ({', '.join(changed)}); resuming would mix "
            "two runs. Use another --out, or --fresh to start this folder over"
        )


def _save_checkpoint(
    out: Path, step: int, model: Any, optimizer: Any, scheduler: Any, state: dict[str, Any]
) -> None:
    """Write ``checkpoints/step-N`` atomically (a folder renamed into place), keep two."""
    torch = _torch()
    folder = out / "checkpoints" / f"step-{step:06d}"
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    torch.save(optimizer.state_dict(), staging / "optimizer.pt")
    torch.save(scheduler.state_dict(), staging / "scheduler.pt")
    rng = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    torch.save(rng, staging / "rng.pt")
    (staging / "state.json").write_text(json.dumps(state, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    for old in _checkpoints(out)[:-2]:
        shutil.rmtree(old, ignore_errors=True)


def _restore(folder: Path, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    torch = _torch()
    weights = load_file(str(folder / "adapter_model.safetensors"))
    set_peft_model_state_dict(model, weights)
    optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=False))
    scheduler.load_state_dict(torch.load(folder / "scheduler.pt", weights_only=False))
    rng = torch.load(folder / "rng.pt", weights_only=False)
    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return json.loads((folder / "state.json").read_text())


def _optimizer(config: TrainConfig, params: list[Any]) -> Any:
    if config.qlora:
        import bitsandbytes as bnb

        return bnb.optim.PagedAdamW32bit(params, lr=config.lr, weight_decay=0.0)
    return _torch().optim.AdamW(params, lr=config.lr, weight_decay=0.0)


def _wrap(config: TrainConfig, model: Any, names: list[str]) -> Any:
    import peft

    if config.qlora:
        model = peft.prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.gradient_checkpointing
        )
    elif config.gradient_checkpointing:
        kwargs = {"use_reentrant": False}
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x name
            model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
        model.enable_input_require_grads()
    model.config.use_cache = False
    lora = peft.LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=names,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return peft.get_peft_model(model, lora)


def train(
    config: TrainConfig, *, fresh: bool = False, log: Log | None = None, progress: bool = True
) -> TrainResult:
    """Train (or resume) the run in ``config.out``; write the adapter and the report."""
    torch = _torch()
    say: Log = log or (lambda _line: None)
    out = Path(config.out)
    if fresh and out.exists():
        for name in ("checkpoints", "adapter", "train_log.jsonl", "report.json", "data"):
            path = out / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    if config.steps < 1:
        raise FinetuneError("--steps must be at least 1")
    device = device_for(config.qlora)
    _check_resumable(config, out)
    out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(config.seed)
    random.seed(config.seed)
    tokenizer, model, notes = _load(config, device, say)
    pad_id = tokenizer.pad_token_id
    pad_id = tokenizer.eos_token_id if pad_id is None else pad_id
    train_set, val_set, data_notes = _prepare_data(config, tokenizer, out)
    notes += data_notes

    names, how = (config.targets, "given") if config.targets else targets.find_targets(model)
    notes.append(f"LoRA targets: {how}")
    longest = max(len(e.input_ids) for e in train_set)
    estimate = memory.for_model(
        model,
        names,
        rank=config.rank,
        batch=config.batch_size,
        seq_len=longest,
        mode="qlora" if config.qlora else "lora",
        weight_bytes=4 if device == "cpu" else 2,
        gradient_checkpointing=config.gradient_checkpointing,
    )
    say(f"memory estimate (batch {config.batch_size}, longest example {longest} tokens):")
    for line in estimate.lines():
        say("  " + line)

    model = _wrap(config, model, names)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = _optimizer(config, trainable)
    warmup = max(0, config.warmup_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (warmup + 1)) if warmup else 1.0
    )
    (out / "train_config.json").write_text(json.dumps(asdict(config), indent=1))

    log_path = out / "train_log.jsonl"
    history: list[dict[str, Any]] = []
    start_step = 0
    val_before: float | None
    if fresh or not _checkpoints(out):
        log_path.unlink(missing_ok=True)
        val_before = validation_loss(model, val_set, pad_id, device)
    else:
        latest = _checkpoints(out)[-1]
        state = _restore(latest, model, optimizer, scheduler)
        start_step, val_before = int(state["step"]), state["val_loss_before"]
        history = [json.loads(x) for x in log_path.read_text().splitlines() if x.strip()]
        history = [h for h in history if h["step"] <= start_step]
        log_path.write_text("".join(json.dumps(h) + "\n" for h in history))
        say(f"resuming from {latest.name} (step {start_step} of {config.steps})")
    if val_before is not None:
        say(f"validation loss before: {val_before:.4f} (perplexity {math.exp(val_before):.2f})")

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model.train()
    began = time.perf_counter()
    tokens_seen = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.steps, initial=start_step, desc="training", unit="step")
    with log_path.open("a", encoding="utf-8") as log_file:
        for step in range(start_step + 1, config.steps + 1):
            optimizer.zero_grad(set_to_none=True)
            step_loss = 0.0
            for micro in range(config.grad_accum):
                index = (step - 1) * config.grad_accum + micro
                examples = _micro_batch(train_set, index, config.batch_size, config.seed)
                batch = _batch(examples, pad_id, device)
                tokens_seen += int(batch["attention_mask"].sum())
                loss = model(**batch).loss / config.grad_accum
                loss.backward()
                step_loss += float(loss.detach())
            if not math.isfinite(step_loss):
                raise FinetuneError(
                    f"the loss became {step_loss} at step {step}; lower --lr and use --fresh"
                )
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            entry = {
                "step": step,
                "loss": round(step_loss, 6),
                "lr": scheduler.get_last_lr()[0],
                "seconds": round(time.perf_counter() - began, 3),
            }
            history.append(entry)
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{step_loss:.4f}")
            if step % config.save_every == 0 or step == config.steps:
                state = {"step": step, "val_loss_before": val_before}
                _save_checkpoint(out, step, model, optimizer, scheduler, state)
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - began
    trained = config.steps - start_step

    val_after = validation_loss(model, val_set, pad_id, device)
    if val_after is not None:
        say(f"validation loss after: {val_after:.4f} (perplexity {math.exp(val_after):.2f})")
    adapter = out / "adapter"
    shutil.rmtree(adapter, ignore_errors=True)
    model.save_pretrained(adapter)
    _record_base(adapter, config.base)
    peak, source = memory.peak_memory_mb(device)
    say(f"peak memory: {peak:,.0f} MB ({source}); estimated {estimate.to_dict()['total_mb']:,} MB")

    losses = [h["loss"] for h in history]
    result = TrainResult(
        run_dir=str(out.resolve()),
        adapter=str(adapter.resolve()),
        base=config.base,
        mode="qlora" if config.qlora else "lora",
        device=device,
        steps=config.steps,
        steps_this_run=trained,
        resumed_from=start_step,
        train_examples=len(train_set),
        val_examples=len(val_set),
        target_modules=names,
        train_loss_first=losses[0],
        train_loss_last=losses[-1],
        val_loss_before=val_before,
        val_loss_after=val_after,
        val_ppl_before=_ppl(val_before),
        val_ppl_after=_ppl(val_after),
        seconds=round(elapsed, 3),
        steps_per_s=round(trained / elapsed, 3) if trained and elapsed else 0.0,
        tokens_per_s=round(tokens_seen / elapsed, 1) if elapsed else 0.0,
        peak_memory_mb=round(peak, 1),
        peak_memory_source=source,
        estimate=estimate.to_dict(),
        losses=losses,
        notes=notes,
    )
    from finetune.report import write_report

    write_report(out, result)
    return result


def _ppl(loss: float | None) -> float | None:
    return round(math.exp(loss), 4) if loss is not None and loss < 50 else None


def _record_base(adapter: Path, base: str) -> None:
    """Record the base the adapter belongs to: an absolute folder or GGUF file (so merge
    and export work from any directory) or the Hub repo id as given."""
    path = adapter / "adapter_config.json"
    data = json.loads(path.read_text())
    data["base_model_name_or_path"] = base_model.describe(base)
    path.write_text(json.dumps(data, indent=2))
