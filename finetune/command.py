"""``veraz finetune …``: dataset, train, merge, export (and the memory table).

Registered by the main CLI with ``app.add_typer(finetune_app, name="finetune")``. With
``--json`` only the JSON goes to stdout; progress and notes go to stderr, so the output
can be piped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from finetune.dataset import DatasetError

finetune_app = typer.Typer(
    help="Fine-tune a local base model with LoRA / QLoRA on your data or your documents.",
    no_args_is_help=True,
)
T = TypeVar("T")


def _err(line: str) -> None:
    typer.echo(line, err=True)


def _guard(action: Callable[[], T]) -> T:
    """Known failures as one line on stderr and exit code 1, not a traceback."""
    from agent.models.resolved import ModelSetupError
    from finetune.errors import FinetuneError

    try:
        return action()
    except (FinetuneError, DatasetError, ModelSetupError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from exc


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=1, ensure_ascii=False, default=str))


@finetune_app.command()
def dataset(
    out: Annotated[Path, typer.Argument(help="Folder for train.jsonl and val.jsonl.")],
    jsonl: Annotated[
        list[Path] | None,
        typer.Option("--jsonl", help="Alpaca or chat JSONL file (repeatable)."),
    ] = None,
    pairs: Annotated[
        str | None,
        typer.Option(
            help="Examples from the ingested collection: 'structure' (offline pairs from "
            "headings and sentences), 'llm' (pairs written by --model) or 'text' (continued "
            "pre-training on the chunks' text; --val-fraction of them held out)."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Model for --pairs llm (default: the configured model).")
    ] = None,
    per_chunk: Annotated[int, typer.Option(help="Pairs per chunk with --pairs llm.")] = 2,
    limit: Annotated[int | None, typer.Option(help="At most this many chunks.")] = None,
    home: Annotated[Path | None, typer.Option(help="Veraz home (collection location).")] = None,
    collection: Annotated[str | None, typer.Option(help="Collection name.")] = None,
    base: Annotated[
        str | None,
        typer.Option(
            help="Base model (folder, HF repo or .gguf) whose tokenizer filters by length."
        ),
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="Drop examples longer than this.")] = 1024,
    val_fraction: Annotated[float, typer.Option(help="Share held out for validation.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Shuffle seed of the split.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Build a deduplicated, length-filtered train/validation split."""
    from finetune import corpus_pairs, corpus_text
    from finetune import dataset as ds

    if not jsonl and not pairs:
        _err("error: give --jsonl FILE and/or --pairs structure|llm|text")
        raise typer.Exit(2)
    if pairs not in (None, "structure", "llm", "text"):
        _err(f"error: --pairs {pairs}: use 'structure', 'llm' or 'text'")
        raise typer.Exit(2)

    def run() -> dict[str, Any]:
        examples: list[ds.Example] = []
        for path in jsonl or []:
            examples += ds.read_jsonl(path)
        summary: dict[str, Any] = {}
        if pairs:
            from agent.api import Veraz

            rag = Veraz(home=home, collection=collection)
            try:
                chunks = corpus_pairs.read_chunks(rag.index)
                if not chunks:
                    raise DatasetError("the collection is empty: run `veraz ingest` first")
                if pairs == "structure":
                    made = corpus_pairs.structure_pairs(chunks[:limit] if limit else chunks)
                elif pairs == "text":
                    made = corpus_text.text_examples(chunks[:limit] if limit else chunks)
                else:
                    from agent.models.registry import resolve_model

                    spec = model or rag.settings.model
                    resolved = resolve_model(spec, rag.settings)
                    if resolved.llm is None:
                        raise DatasetError(
                            f"--pairs llm needs a language model; {spec} has none (--model)"
                        )
                    report = corpus_pairs.LLMPairsReport()
                    made = list(
                        corpus_pairs.llm_pairs(
                            chunks, resolved, per_chunk=per_chunk, limit=limit, report=report
                        )
                    )
                    summary["llm"] = report.to_dict()
            finally:
                rag.close()
            summary["corpus_pairs"] = len(made)
            examples += made
        tokenizer = None
        if base:
            from finetune.base_model import load_tokenizer

            tokenizer = load_tokenizer(base)
        built = ds.build(
            examples,
            out,
            tokenizer=tokenizer,
            max_tokens=max_tokens,
            val_fraction=val_fraction,
            seed=seed,
        )
        return {**built.to_dict(), **summary, "length_filtered": tokenizer is not None}

    result = _guard(run)
    if as_json:
        _print_json(result)
        return
    typer.echo(
        f"{result['n_train']} training and {result['n_val']} validation examples "
        f"({result['duplicates']} duplicates, {result['too_long']} too long left out)"
    )
    typer.echo(f"  {result['train']}\n  {result['val']}")
    if not result["length_filtered"]:
        typer.echo("  (no --base given: not filtered by token length; train filters anyway)")


@finetune_app.command()
def train(
    base: Annotated[
        str,
        typer.Option(help="Base model: a local folder, a cached HF repo id or a .gguf file."),
    ],
    data: Annotated[Path, typer.Option(help="Training JSONL (Alpaca or chat form).")],
    out: Annotated[Path, typer.Option(help="Run folder (adapter, checkpoints, report).")],
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = 100,
    val_data: Annotated[
        Path | None, typer.Option(help="Validation JSONL (default: split off --data).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Examples per micro-batch.")] = 1,
    grad_accum: Annotated[int, typer.Option(help="Micro-batches per step.")] = 1,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 2e-4,
    warmup_steps: Annotated[int, typer.Option(help="Linear warmup steps.")] = 5,
    rank: Annotated[int, typer.Option(help="LoRA rank r.")] = 8,
    alpha: Annotated[int, typer.Option(help="LoRA alpha (scale alpha/r).")] = 16,
    dropout: Annotated[float, typer.Option(help="LoRA dropout.")] = 0.05,
    targets: Annotated[
        str | None, typer.Option(help="Comma-separated module names (default: per architecture).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest example kept, in tokens.")] = 1024,
    val_fraction: Annotated[float, typer.Option(help="Validation share of --data.")] = 0.1,
    gradient_checkpointing: Annotated[
        bool, typer.Option(help="Recompute activations: less memory, ~30 % slower.")
    ] = True,
    qlora: Annotated[bool, typer.Option(help="4-bit NF4 base + paged AdamW (CUDA only).")] = False,
    seed: Annotated[int, typer.Option(help="Seed for initialisation, order and dropout.")] = 0,
    save_every: Annotated[int, typer.Option(help="Checkpoint every N steps.")] = 50,
    fresh: Annotated[bool, typer.Option(help="Ignore checkpoints in --out; start over.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Train a LoRA adapter (resumes from the newest checkpoint in --out)."""
    from finetune.training import TrainConfig
    from finetune.training import train as run_training

    config = TrainConfig(
        base=base,
        data=str(data),
        out=str(out),
        val_data=str(val_data) if val_data else None,
        steps=steps,
        batch_size=batch_size,
        grad_accum=grad_accum,
        lr=lr,
        warmup_steps=warmup_steps,
        rank=rank,
        alpha=alpha,
        dropout=dropout,
        targets=[t.strip() for t in targets.split(",") if t.strip()] if targets else None,
        max_tokens=max_tokens,
        val_fraction=val_fraction,
        gradient_checkpointing=gradient_checkpointing,
        qlora=qlora,
        seed=seed,
        save_every=save_every,
    )
    progress = sys.stderr.isatty()
    try:
        result = _guard(lambda: run_training(config, fresh=fresh, log=_err, progress=progress))
    except typer.Exit:
        if not qlora:
            raise
        # QLoRA refused for want of CUDA: offer plain LoRA when someone can answer.
        if (
            as_json
            or not sys.stdin.isatty()
            or not typer.confirm("Train plain LoRA (float32, CPU) instead?", default=True, err=True)
        ):
            raise
        config.qlora = False
        result = _guard(lambda: run_training(config, fresh=fresh, log=_err, progress=progress))
    if as_json:
        data_out = result.to_dict()
        data_out.pop("losses")
        _print_json(data_out)
        return
    typer.echo(f"adapter: {result.adapter}")
    typer.echo(f"training loss: {result.train_loss_first:.4f} -> {result.train_loss_last:.4f}")
    if result.val_loss_before is not None:
        typer.echo(
            f"validation loss: {result.val_loss_before:.4f} -> {result.val_loss_after:.4f} "
            f"(perplexity {result.val_ppl_before} -> {result.val_ppl_after})"
        )
    typer.echo(f"peak memory: {result.peak_memory_mb:,.0f} MB ({result.peak_memory_source})")
    typer.echo(f"report: {Path(result.run_dir) / 'report.json'}")
    typer.echo(f"use it: veraz ask --model 'hf:{result.base}+adapter={result.adapter}' \"...\"")


@finetune_app.command()
def merge(
    run: Annotated[Path, typer.Argument(help="Run folder (or adapter folder).")],
    out: Annotated[Path | None, typer.Option(help="Output folder (default RUN/merged).")] = None,
    base: Annotated[str | None, typer.Option(help="Base model (default: as recorded).")] = None,
    dtype: Annotated[
        str | None, typer.Option(help="float32, float16 or bfloat16 (default per device).")
    ] = None,
) -> None:
    """Merge the adapter into the base and save plain safetensors weights."""
    from finetune.merge import merge as run_merge

    target = _guard(lambda: run_merge(run, out, base=base, dtype=dtype, log=_err))
    typer.echo(f"merged weights: {target}")
    typer.echo(f"use it: veraz ask --model 'hf:{target}' \"...\"")


@finetune_app.command()
def export(
    run: Annotated[Path, typer.Argument(help="Run folder (or adapter folder).")],
    to_ollama: Annotated[
        bool, typer.Option("--ollama", help="Write an Ollama Modelfile and the steps.")
    ] = False,
    to_gguf: Annotated[
        bool, typer.Option("--gguf", help="Merge and convert to GGUF with llama.cpp.")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            help="Base (default: as recorded in the adapter): the Modelfile's FROM with "
            "--ollama, the weights merged with --gguf (folder, HF repo or .gguf file)."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="Name for `ollama create`.")] = "veraz-tuned",
    outtype: Annotated[str, typer.Option(help="GGUF type: f32, f16, bf16, q8_0.")] = "f16",
    converter: Annotated[
        Path | None,
        typer.Option(help="llama.cpp checkout or llama-cpp-python sdist (or VERAZ_LLAMA_CPP)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output file or folder.")] = None,
) -> None:
    """Export for Ollama (--ollama) and/or llama.cpp (--gguf)."""
    from finetune import export as ex

    if not to_ollama and not to_gguf:
        _err("error: choose --ollama and/or --gguf")
        raise typer.Exit(2)
    if to_ollama:
        modelfile, warnings = _guard(lambda: ex.ollama(run, base=base, name=name))
        typer.echo(f"Modelfile: {modelfile}")
        typer.echo((modelfile.parent / "OLLAMA.md").read_text())
        for warning in warnings:
            _err(f"warning: {warning}")
    if to_gguf:
        path = _guard(
            lambda: ex.gguf(run, outtype=outtype, converter=converter, out=out, base=base, log=_err)
        )
        typer.echo(f"GGUF: {path}")
        typer.echo(f"use it: veraz ask --model 'llamacpp:{path}' \"...\"")


@finetune_app.command("memory")
def memory_table(
    rank: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    seq_len: Annotated[int, typer.Option(help="Tokens per example.")] = 1024,
    batch_size: Annotated[int, typer.Option(help="Examples per micro-batch.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Estimated peak memory for 1B, 3B and 7B bases (LoRA and QLoRA)."""
    from finetune.memory import reference_table

    rows = reference_table(rank=rank, batch=batch_size, seq_len=seq_len)
    if as_json:
        _print_json(rows)
        return
    typer.echo(f"rank {rank}, batch {batch_size} x {seq_len} tokens, gradient checkpointing on")
    typer.echo("base                  LoRA CPU fp32   LoRA GPU bf16   QLoRA GPU nf4   (GiB)")
    for r in rows:
        typer.echo(
            f"{r['base']:<22}{r['lora_cpu_fp32_gib']:>13}{r['lora_gpu_bf16_gib']:>16}"
            f"{r['qlora_gpu_nf4_gib']:>16}"
        )


def register(app: typer.Typer) -> None:
    """Entry point ``veraz.commands``: ``veraz finetune``."""
    app.add_typer(finetune_app, name="finetune")
