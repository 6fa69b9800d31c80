"""``veraz eval``: run an evaluation, compare two runs, bootstrap a test set.

Registered by agent/cli.py with ``app.add_typer(eval_app, name="eval")``. Thin: parses,
calls evals.evaluate / evals.compare / evals.testset, prints (Rich or ``--json``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.terminal import console, fail, markup, plain, say

eval_app = typer.Typer(
    help="Evaluate answers and retrieval (ragas + retrieval metrics), compare runs, "
    "bootstrap a test set.",
    invoke_without_command=True,
    no_args_is_help=False,
)
HomeOpt = Annotated[Path | None, typer.Option("--home", help="VERAZ_HOME (default ~/.veraz).")]
CollectionOpt = Annotated[str | None, typer.Option("--collection", help="Collection name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
JudgeOpt = Annotated[
    str | None,
    typer.Option(
        "--judge",
        help="LLM judge for ragas' LLM metrics: openai:MODEL or ollama:MODEL "
        "(env VERAZ_EVAL_JUDGE). Without one, only the metrics that need no LLM run.",
    ),
]
JudgeUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--judge-base-url",
        help="OpenAI-compatible /v1 URL of the judge (env VERAZ_EVAL_JUDGE_BASE_URL).",
    ),
]


def _rag(home: Path | None, collection: str | None, model: str | None = None):  # type: ignore[no-untyped-def]
    from agent import Veraz

    try:
        return Veraz(home=home, collection=collection, model=model)
    except Exception as exc:  # invalid settings: say so, no traceback
        fail(str(exc))


def _judge(spec: str | None, base_url: str | None):  # type: ignore[no-untyped-def]
    from evals.metrics_ragas import JudgeConfig

    spec = spec or os.environ.get("VERAZ_EVAL_JUDGE")
    base_url = base_url or os.environ.get("VERAZ_EVAL_JUDGE_BASE_URL")
    return JudgeConfig(spec, base_url) if spec else None


def _summary_table(summary: dict[str, Any]) -> Table:
    from evals.metric_info import SCORE_ORDER, fmt

    table = Table("metric", "value")
    for name in SCORE_ORDER:
        if name in summary:
            table.add_row(markup("{name}", name=name), markup("{value}", value=fmt(summary[name])))
    return table


@eval_app.callback()
def run_eval(
    ctx: typer.Context,
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", help="JSONL (question, ground_truth, ...) or SQuAD JSON."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Report folder (default VERAZ_HOME/evals/RUN_ID)."),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="provider:model to answer.")] = None,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    judge: JudgeOpt = None,
    judge_base_url: JudgeUrlOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="First N questions.")] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", help="Questions at once (default 4 for servers, else 1)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the graph on every question of --dataset, score it, write an HTML report."""
    if ctx.invoked_subcommand is not None:
        return
    if dataset is None:
        plain(ctx.get_help())
        fail("--dataset is required (or use: compare, generate)")
    from evals.evaluate import evaluate

    rag = _rag(home, collection, model)
    if rag.index.counts().get("chunks", 0) == 0:
        fail("the collection is empty: run `veraz ingest PATH` first")
    try:
        with Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=as_json,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            run, paths = evaluate(
                dataset,
                rag=rag,
                report_dir=report,
                judge=_judge(judge, judge_base_url),
                limit=limit,
                concurrency=concurrency,
                progress=progress,
            )
    except ValueError as exc:
        fail(str(exc))
    finally:
        rag.close()
    if as_json:
        print(
            json.dumps(
                {
                    "run_id": run.name,
                    "report_html": str(paths["report_html"]),
                    "summary_md": str(paths["summary_md"]),
                    "run_json": str(paths["run_json"]),
                    "summary": run.summary,
                    "metrics_ran": run.metrics_ran,
                    "metrics_skipped": run.metrics_skipped,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    console.print(_summary_table(run.summary))
    for name, why in run.metrics_skipped.items():
        say("[yellow]not run[/yellow] {name}: {why}", name=name, why=why)
    say("Report: {path}", path=paths["report_html"])


@eval_app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="Run folder (or its run.json): the baseline.")],
    run_b: Annotated[Path, typer.Argument(help="Run folder (or its run.json): the candidate.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write compare.html (default: RUN_B).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Two runs side by side: metric deltas and the questions that changed outcome."""
    from evals.compare import write_comparison
    from evals.run_record import load_run

    try:
        a, b = load_run(run_a), load_run(run_b)
    except ValueError as exc:
        fail(str(exc))
    target = out or (run_b if run_b.is_dir() else run_b.parent)
    result, html = write_comparison(a, b, target)
    if as_json:
        print(json.dumps({**result, "report_html": str(html)}, ensure_ascii=False, indent=2))
        return
    table = Table("metric", "A", "B", "B − A")
    for name, d in result["deltas"].items():
        table.add_row(
            markup("{name}", name=name), f"{d['a']:.3f}", f"{d['b']:.3f}", f"{d['delta']:+.3f}"
        )
    console.print(table)
    say("{n} question(s) changed outcome. Report: {html}", n=len(result["changed"]), html=html)


@eval_app.command("generate")
def generate(
    n: Annotated[int, typer.Option("--n", help="How many questions.", min=1)] = 50,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="JSONL file (default VERAZ_HOME/evals/testset.jsonl)."),
    ] = None,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="provider:model to write the questions (default: offline sentences)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Bootstrap a test set from the collection: an LLM writes questions per chunk, or
    (offline, without --model) templated questions from the documents' own sentences."""
    from evals.dataset import write_jsonl
    from evals.testset import (
        GENERATOR,
        generate_offline,
        generate_with_model,
        llm_generator_label,
    )

    rag = _rag(home, collection)
    generator, problems = GENERATOR, {}
    try:
        if model and model.strip().lower() != "extractive":
            from agent.models.registry import resolve_model
            from agent.models.resolved import ModelSetupError

            try:
                resolved = resolve_model(model, rag.settings)
            except ModelSetupError as exc:
                fail(str(exc))
            items, problems = generate_with_model(rag, resolved, n, seed=seed)
            generator = llm_generator_label(resolved.name)
        else:
            items = generate_offline(rag, n, seed=seed)
    finally:
        rag.close()
    if not items:
        why = problems.get("first_error") or "no usable reply" if problems else ""
        fail(
            "no questions generated: is the collection ingested?"
            + (f" (model: {why})" if why else "")
        )
    target = out or rag.settings.home / "evals" / "testset.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(items, target)
    if as_json:
        summary = {"path": str(target), "questions": len(items), "generator": generator}
        print(json.dumps({**summary, **({"model_report": problems} if problems else {})}))
        return
    say("Wrote {n} questions to {target}", n=len(items), target=target)
    if problems:
        say(
            "Generated by {generator}. Chunks tried {chunks}, replies without a question "
            "{empty}, failed calls {errors}. The questions inherit the model's mistakes: "
            "review a sample.",
            generator=generator,
            chunks=problems["chunks"],
            empty=problems["empty_replies"],
            errors=problems["errors"],
        )
        return
    say(
        "[yellow]Limits:[/yellow] questions are templated from source sentences and reuse "
        "their words; they test retrieval of stated facts, not reasoning, and are easier "
        "than real questions. Review and edit them before trusting the scores."
    )


def register(app: typer.Typer) -> None:
    """Entry point ``veraz.commands``: ``veraz eval``."""
    app.add_typer(eval_app, name="eval")
