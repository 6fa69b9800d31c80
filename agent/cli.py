"""The ``veraz`` command: parses arguments, calls :class:`agent.api.Veraz`, prints.

Thin on purpose: every behaviour lives in the API so the CLI, the UI and users' scripts
agree. ``--json`` prints exactly the result's ``to_dict()``; otherwise Rich tables.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    name="veraz",
    help="Veraz: ask your documents in Spanish or English; every answer checked against them.",
    no_args_is_help=True,
    add_completion=False,
)
bench_app = typer.Typer(help="Measure retrieval quality and ingestion speed.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console()
errors = Console(stderr=True)

HomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Data folder (default: VERAZ_HOME or ~/.veraz).")
]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", "-c", help="Collection name (default: 'default').")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
EmbeddingModelOpt = Annotated[
    str | None,
    typer.Option(
        "--embedding-model",
        help="multilingual-e5-small, all-MiniLM-L6-v2, or a sentence-transformers model "
        "(default: VERAZ_EMBEDDING_MODEL).",
    ),
]


def _veraz(home: Path | None, collection: str | None, **extra: Any):  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from agent.api import Veraz

    try:
        return Veraz(home=home, collection=collection, **extra)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        _fail(f"invalid configuration: {problems}")


def _fail(message: str, code: int = 2) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to ingest.")],
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove documents whose files left these folders.")
    ] = False,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents (PDF, DOCX, HTML, PPTX, EML, Markdown, text)."""
    rag = _veraz(home, collection)
    with _progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            label = {"load": "Reading files", "embed": "Embedding chunks"}[stage]
            if stage not in tasks:
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = _guarded(lambda: rag.ingest(paths, prune=prune, progress=progress))
    if as_json:
        _print_json(report.to_dict())
    else:
        console.print(
            f"[bold]{report.added}[/] added, [bold]{report.updated}[/] updated, "
            f"{report.unchanged} unchanged, {report.removed} removed; "
            f"{report.chunks} chunks ({report.embedded} embedded, "
            f"{report.embedding_cache_hits} from cache) in {report.seconds:.1f} s"
        )
        _print_errors([failure.to_dict() for failure in report.failed])
    rag.close()


@app.command()
def retrieve(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many chunks.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the chunks that best match a query."""
    if mode not in ("hybrid", "bm25", "dense"):
        _fail(f"--mode must be hybrid, bm25 or dense, not {mode!r}")
    rag = _veraz(home, collection)
    hits = _guarded(lambda: rag.retrieve(query, k=k, mode=mode))
    if as_json:
        _print_json([hit.to_dict() for hit in hits])
    else:
        if not hits:
            console.print("No matching chunks (is the collection empty? run `veraz ingest`).")
        for rank, hit in enumerate(hits, start=1):
            where = _where(hit.source, hit.page)
            section = f" — {hit.section}" if hit.section else ""
            console.print(
                f"[bold]{rank}.[/] [cyan]{where}[/]{section}  [dim]{hit.score:.3f}[/]",
                highlight=False,
            )
            snippet = hit.text if len(hit.text) <= 400 else hit.text[:400] + "…"
            console.print(f"   {snippet}\n", highlight=False)
    rag.close()


@app.command()
def stats(home: HomeOpt = None, collection: CollectionOpt = None, as_json: JsonOpt = False) -> None:
    """Documents, chunks and vectors in a collection."""
    rag = _veraz(home, collection)
    data = _guarded(rag.stats)
    if as_json:
        _print_json(data)
    else:
        for key, value in data.items():
            console.print(f"{key}: {value}")
    rag.close()


# --------------------------------------------------------------------------- keeping up to date


def _settings(home: Path | None, **extra: Any):  # type: ignore[no-untyped-def]
    """Settings from the environment and veraz.toml, with a configuration error as one line."""
    from pydantic import ValidationError

    from agent.config import Settings

    given = {key: value for key, value in {"home": home, **extra}.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        _fail(f"invalid configuration: {problems}")


def _start_logging(level: str) -> None:
    """Service-style logs on stderr: time, level, what happened (libraries' own chatter
    only from warnings up)."""
    import logging

    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        _fail(f"--log-level must be debug, info, warning or error, not {level!r}")
    logging.basicConfig(
        level=numeric,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for chatty in ("apscheduler", "sentence_transformers"):
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))


def _plain(text: str) -> str:
    """Text from files and folders made safe for Rich: no control characters, no markup."""
    from rich.markup import escape

    from ingestion.path_checks import printable

    return escape(printable(text))


def _run_line(run: dict[str, Any]) -> str:
    """One run as Rich markup: "papers ok: 3 added, 0 updated, … in 1.2 s"."""
    seconds = f" in {run['seconds']:.1f} s" if run["seconds"] is not None else ""
    line = (
        f"[bold]{_plain(run['source'])}[/] {run['status']}: {run['added']} added, "
        f"{run['updated']} updated, {run['unchanged']} unchanged, {run['removed']} removed, "
        f"{run['failed']} failed{seconds}"
    )
    return line + (f" — {_plain(run['message'])}" if run["message"] else "")


LogLevelOpt = Annotated[
    str, typer.Option("--log-level", help="debug, info, warning or error (logs go to stderr).")
]


@app.command()
def schedule(
    once: Annotated[
        bool, typer.Option("--once", help="Run every source once, then exit (for cron or CI).")
    ] = False,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Only this source (repeatable)."),
    ] = None,
    home: HomeOpt = None,
    log_level: LogLevelOpt = "info",
    as_json: JsonOpt = False,
) -> None:
    """Keep the configured sources in step: each on its interval or cron, in the foreground.

    Stops cleanly on SIGTERM or Ctrl-C (the current run commits what it has read).
    Sources come from [[sources]] in veraz.toml or VERAZ_SOURCES. With --once, exits 1
    if a run failed as a whole (files that fail alone are listed, exit code 0).
    """
    from ingestion.scheduler import run_once, serve

    settings = _settings(home)
    try:
        sources = [settings.source(name) for name in source] if source else settings.sources
    except KeyError as exc:
        _fail(str(exc.args[0]))
    if not sources:
        _fail(
            "no sources configured: add [[sources]] to veraz.toml or set VERAZ_SOURCES "
            "(see README, 'Keeping the index up to date')"
        )
    _start_logging(log_level)
    if not once:
        serve(settings, sources)
        return
    runs = [record.to_dict() for record in run_once(settings, sources)]
    if as_json:
        _print_json({"runs": runs})
    else:
        for run in runs:
            console.print(_run_line(run), highlight=False)
            _print_errors(run["errors"])
    if any(run["status"] == "error" for run in runs):
        raise typer.Exit(1)


def _print_errors(errors: list[dict[str, str]], limit: int | None = None) -> None:
    for error in errors[:limit]:
        console.print(
            f"  [red]failed[/] {_plain(error['path'])}: {_plain(error['error'])}", highlight=False
        )
    if limit is not None and len(errors) > limit:
        console.print(f"  … and {len(errors) - limit} more (veraz status --json)")


@app.command()
def watch(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Folders or files to watch (or use --source).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Watch a configured source instead.")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="Only files matching (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Skip files matching (repeatable).")
    ] = None,
    debounce_ms: Annotated[
        int | None,
        typer.Option(
            "--debounce-ms", min=50, help="Quiet time before a run (VERAZ_WATCH_DEBOUNCE_MS)."
        ),
    ] = None,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    log_level: LogLevelOpt = "info",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each run as one JSON line.")
    ] = False,
) -> None:
    """Re-ingest files as they change (debounced); deleted and moved files leave the index.

    Runs until Ctrl-C or SIGTERM. The first run is a full pass over the paths.
    """
    import threading

    from ingestion.scheduler import stop_on_signals
    from ingestion.sources import SourceConfig
    from ingestion.watcher import watch as watch_source

    settings = _settings(home, collection=collection)
    if source and paths:
        _fail("give PATHs or --source, not both")
    if source:
        try:
            chosen = settings.source(source)
        except KeyError as exc:
            _fail(str(exc.args[0]))
    elif paths:
        resolved = [str(p.expanduser().resolve()) for p in paths]
        chosen = SourceConfig(
            name="watch:" + ",".join(Path(p).name or p for p in resolved)[:58],
            paths=resolved,
            collection=settings.collection,
            include=include or [],
            exclude=exclude or [],
        )
    else:
        _fail("give the folders to watch, or --source NAME")
    _start_logging(log_level)

    def show(record) -> None:  # type: ignore[no-untyped-def]
        run = record.to_dict()
        if as_json:
            sys.stdout.write(json.dumps(run, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            console.print(_run_line(run), highlight=False)
            _print_errors(run["errors"], limit=10)

    stop = threading.Event()
    with stop_on_signals(stop):
        try:
            watch_source(settings, chosen, debounce_ms=debounce_ms, stop=stop, on_run=show)
        except ValueError as exc:
            _fail(str(exc))


@app.command()
def status(
    runs: Annotated[int, typer.Option("--runs", min=1, max=100, help="Runs per source.")] = 5,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The last runs of every source and the size of every collection."""
    from ingestion.status import status_report

    data = status_report(_settings(home), runs=runs)
    if as_json:
        _print_json(data)
        return
    if not data["sources"]:
        console.print("No sources configured and no runs recorded (see `veraz schedule --help`).")
    for item in data["sources"]:
        where = ", ".join(item["paths"]) or "(not configured)"
        head = f"{item['name']} → {item['collection']} · {item['schedule'] or '—'} · {where}"
        console.print(f"[bold]{_plain(head)}[/]", highlight=False)
        if not item["last_runs"]:
            console.print("  never run")
        for run in item["last_runs"]:
            console.print(f"  {run['started_at']}  " + _run_line(run), highlight=False)
        if item["last_runs"]:
            _print_errors(item["last_runs"][0]["errors"], limit=5)
    table = Table(title="Collections")
    for column in ("collection", "documents", "chunks", "MB on disk", "last change"):
        table.add_column(column)
    for c in data["collections"]:
        table.add_row(
            c["collection"],
            str(c["documents"]),
            str(c["chunks"]),
            f"{c['bytes'] / 1048576:.1f}",
            c["last_change"] or "—",
        )
    console.print(table)


@app.command()
def doctor(
    repair: Annotated[
        bool, typer.Option("--repair", help="Fix what is found, in one atomic commit.")
    ] = False,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check that SQLite, FTS5 and FAISS agree (orphan or missing vectors and rows).

    Exits 1 when problems are found and not repaired.
    """
    from ingestion.doctor import check
    from ingestion.doctor import repair as repair_collection

    rag = _veraz(home, collection)
    _guarded(lambda: rag.index)
    found = _guarded(lambda: check(rag.index))
    report = repair_collection(rag.index, rag.embedder) if repair and not found.ok else found
    data = report.to_dict()
    if as_json:
        _print_json(data)
    else:
        verdict = (
            "[green]healthy[/]"
            if report.ok
            else ("[yellow]repaired[/]" if report.repaired else "[red]problems found[/]")
        )
        console.print(
            f"{data['collection']}: {verdict} · {data['documents']} documents, "
            f"{data['chunks']} chunks, {data['vectors']} vectors",
            highlight=False,
        )
        if data["vector_file_problem"]:
            console.print(f"  {_plain(data['vector_file_problem'])}", highlight=False)
        for key, value in data.items():
            if isinstance(value, dict) and value["count"]:
                console.print(f"  {key.replace('_', ' ')}: {value['count']}", highlight=False)
    rag.close()
    if not report.ok and not report.repaired:
        raise typer.Exit(1)


@app.command()
def reindex(
    force: Annotated[
        bool, typer.Option("--force", help="Re-embed even if the model has not changed.")
    ] = False,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-embed a collection with the configured embedding model (VERAZ_EMBEDDING_MODEL).

    Uses the stored chunk text (nothing is parsed again) and switches in one commit: a
    reindex killed midway leaves the old model's index, and the next run resumes from
    the embedding cache.
    """
    rag = _veraz(home, collection)
    if not (rag.settings.collection_dir / "index.sqlite").is_file():
        _fail(f"no collection named {rag.settings.collection!r} in {rag.settings.home}")
    with _progress_bar() as bar:
        task = bar.add_task(f"Embedding with {rag.embedder.model_name}", total=None)
        report = _guarded(
            lambda: rag.reindex(
                force=force,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    if as_json:
        _print_json(report.to_dict())
    elif not report.changed:
        console.print(
            f"{_plain(report.collection)}: already embedded with "
            f"{_plain(report.model.describe())}; nothing to do (--force re-embeds)",
            highlight=False,
        )
    else:
        console.print(
            f"{_plain(report.collection)}: {report.chunks} chunks re-embedded with "
            f"{_plain(report.model.describe())} (was {_plain(report.previous_model.name)}); "
            f"{report.embedded} embedded, {report.embedding_cache_hits} from cache, "
            f"{report.seconds:.1f} s",
            highlight=False,
        )
    rag.close()


def samples_dir() -> Path:
    """The bundled sample corpus (Spanish and English documents about LLMs)."""
    return (Path(__file__).parent / "samples" / "docs").resolve()


@app.command()
def demo(
    question: Annotated[
        str, typer.Argument(help="Question to ask the sample documents.")
    ] = "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest the bundled sample documents (collection 'samples') and answer a question."""
    rag = _veraz(home, "samples")
    report = rag.ingest([samples_dir()], prune=True)
    # The collection mirrors this checkout's samples: drop copies from other checkouts.
    elsewhere = [s for s in rag.index.documents() if not Path(s).is_relative_to(samples_dir())]
    report.removed += rag.remove(elsewhere)
    answer = _guarded(lambda: rag.ask(question))
    if as_json:
        _print_json({"ingest": report.to_dict(), "answer": answer.to_dict()})
    else:
        console.print(
            f"Samples: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.removed} removed, {len(report.failed)} failed "
            f"({report.seconds:.1f} s)\n\n[bold]{question}[/]\n",
            highlight=False,
        )
        _print_answer(answer)
    rag.close()
    if report.failed:
        raise typer.Exit(1)


def _guarded(call):  # type: ignore[no-untyped-def]
    """Run ``call``; known user-facing errors become one red line, not a traceback."""
    from ingestion.index.collection import IndexMismatchError

    try:
        return call()
    except (IndexMismatchError, ValueError) as exc:  # ModelSetupError is a ValueError
        _fail(str(exc))


def _badge(abstained: bool, verification: dict[str, Any]) -> str:
    """The answer's trust label as Rich markup, the same in `ask`, `demo` and `chat`."""
    if abstained:
        return "[yellow]abstained[/]"
    score = f"({verification['score']:.2f})"
    if verification["grounded"] and not verification["unsupported"]:
        return f"[green]verified[/] {score}"
    if verification["grounded"]:
        return f"[yellow]partly verified[/] {score}"
    return f"[red]not verified[/] {score}"


def _where(source: str, page: int | None) -> str:
    return Path(source).name + (f", p. {page}" if page else "")


def _print_answer(answer, show_trace: bool = False, streamed: str = "") -> None:  # type: ignore[no-untyped-def]
    """The answer (unless ``streamed`` already showed exactly it), badge, citations, usage."""
    if answer.answer.strip() != streamed.strip():
        if streamed:
            console.print("[bold]Checked answer:[/]", highlight=False)
        console.print(answer.answer, highlight=False)
    v = answer.verification
    badge = _badge(answer.abstained, v.to_dict())
    console.print(f"\n{badge} · model {answer.model} · route {answer.route}", highlight=False)
    if answer.fallback_used:
        console.print(f"[yellow]fallback used:[/] {answer.fallback_reason}", highlight=False)
    for sentence in v.unsupported:
        console.print(f"[red]unsupported:[/] {sentence}", highlight=False)
    for c in answer.citations:
        where = _where(c.source, c.page)
        console.print(f"[cyan][{c.n}][/] {where}: {c.text[:160]}…", highlight=False)
    if show_trace:
        trace = " → ".join(f"{s.node} {s.ms:.0f}ms" for s in answer.steps)
        console.print(f"[dim]{trace}[/]", highlight=False)
    if answer.usage.prompt_tokens or answer.usage.completion_tokens:
        console.print(f"[dim]{_usage_line(answer.usage)}[/]", highlight=False)


def _usage_line(usage) -> str:  # type: ignore[no-untyped-def]
    """ "1,234 + 56 tokens · $0.0003", with "~" on estimates and "cost unknown" when unpriced."""
    approx = "~" if usage.estimated else ""
    line = f"{approx}{usage.prompt_tokens:,} + {approx}{usage.completion_tokens:,} tokens"
    if not usage.priced:
        return line + " · cost unknown (no price for this model)"
    return line + f" · ${usage.cost_usd:.4f}"


def _stream_answer(rag, question: str, thread: str | None):  # type: ignore[no-untyped-def]
    """Show the model's draft as it is written (dim: not yet verified); return the Answer
    and the streamed text, so only a changed (trimmed, fallback) answer is printed again."""
    from agent.types import Answer

    drafted: list[str] = []
    node = None
    final: dict[str, Any] = {}
    for event in rag.stream(question, thread_id=thread):
        if event["type"] == "draft_token":
            if node is not None and event["node"] != node:
                console.print(f"\n[dim]({event['node']})[/]")
                drafted.clear()
            node = event["node"]
            drafted.append(event["text"])
            console.print(event["text"], end="", style="dim", highlight=False)
        elif event["type"] == "answer":
            final = event["answer"]
    if drafted:
        console.print()
    return Answer.from_dict(final), "".join(drafted)


ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="provider:model or extractive (VERAZ_MODEL).")
]
FallbackOpt = Annotated[
    str | None, typer.Option("--fallback-model", help="Model used when the first fails.")
]


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in Spanish or English.")],
    thread: Annotated[
        str | None, typer.Option("--thread", "-t", help="Thread id to continue.")
    ] = None,
    model: ModelOpt = None,
    fallback_model: FallbackOpt = None,
    trace: Annotated[bool, typer.Option("--trace", help="Show the graph's path.")] = False,
    stream: Annotated[
        bool, typer.Option("--stream/--no-stream", help="Show the model's tokens as they come.")
    ] = True,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from your documents, with citations and verification."""
    rag = _veraz(home, collection, model=model, fallback_model=fallback_model)
    if as_json:
        _print_json(_guarded(lambda: rag.ask(question, thread_id=thread)).to_dict())
    elif stream:
        answer, streamed = _guarded(lambda: _stream_answer(rag, question, thread))
        _print_answer(answer, show_trace=trace, streamed=streamed)
    else:
        _print_answer(_guarded(lambda: rag.ask(question, thread_id=thread)), show_trace=trace)
    rag.close()


@app.command()
def models(
    model: ModelOpt = None,
    fallback_model: FallbackOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The configured models and whether each can answer now (server, key, model pulled)."""
    from agent.config import Settings
    from agent.models.registry import check_model

    settings = Settings()
    roles = {
        "model": model or settings.model,
        "fallback_model": fallback_model or settings.fallback_model,
    }
    rows = [{"role": role, **check_model(spec, settings).to_dict()} for role, spec in roles.items()]
    if as_json:
        _print_json({"models": rows})
    else:
        for row in rows:
            mark = "[green]reachable[/]" if row["reachable"] else "[red]unreachable[/]"
            console.print(
                f"{row['role']:<15} {row['model']:<32} {mark}  {row['detail']}", highlight=False
            )
    if not all(row["reachable"] for row in rows):
        raise typer.Exit(1)


@app.command()
def chat(
    thread: Annotated[
        str | None, typer.Option("--thread", "-t", help="Thread id (new one if omitted).")
    ] = None,
    model: ModelOpt = None,
    fallback_model: FallbackOpt = None,
    home: HomeOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Interactive chat in the terminal; answers stream in; the thread is remembered."""
    import uuid

    rag = _veraz(home, collection, model=model, fallback_model=fallback_model)
    thread = thread or f"chat-{uuid.uuid4().hex[:8]}"
    console.print(f"Veraz chat · thread [bold]{thread}[/] · empty line or Ctrl-D to quit")
    while True:
        try:
            question = console.input("[bold cyan]› [/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        try:
            answer, streamed = _stream_answer(rag, question, thread)
        except (ValueError, RuntimeError) as exc:
            errors.print(f"[red]error:[/] {exc}")
            continue
        _print_answer(answer, streamed=streamed)
    rag.close()


@bench_app.command("retrieval")
def bench_retrieval(
    dataset: Annotated[Path, typer.Option("--dataset", help="SQuAD-format JSON file.")],
    bm25_weight: Annotated[float | None, typer.Option(help="Override VERAZ_BM25_WEIGHT.")] = None,
    dense_weight: Annotated[float | None, typer.Option(help="Override VERAZ_DENSE_WEIGHT.")] = None,
    embedding_model: EmbeddingModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """hit@1, hit@5, MRR@10 of BM25, dense and hybrid retrieval on a SQuAD-format file.

    Also per half of the file (tune / heldout; fusion weights are chosen on "tune").
    """
    from evals.bench_retrieval import MODES, run_retrieval_benchmark

    if not dataset.is_file():
        _fail(f"dataset not found: {dataset}")
    given = {
        "bm25_weight": bm25_weight,
        "dense_weight": dense_weight,
        "embedding_model": embedding_model,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    # Vectors computed before (your VERAZ_EMBEDDING_CACHE or home cache) are reused:
    # this benchmark measures quality, not speed.
    overrides["embedding_cache"] = _settings(None).embedding_cache_path
    with _progress_bar() as bar:
        task = bar.add_task("Questions", total=None)
        result = _guarded(
            lambda: run_retrieval_benchmark(
                dataset,
                settings_overrides=overrides,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    if as_json:
        _print_json(result)
        return
    table = Table(
        title=f"{_plain(dataset.name)}: {result['questions']} questions, "
        f"{result['paragraphs']} paragraphs, {_plain(result['embedding_model'])}"
    )
    table.add_column("method")
    for part in ("all", "tune", "heldout"):
        for metric in ("hit@1", "hit@5", "mrr@10"):
            table.add_column(f"{part} {metric}", justify="right")
    for mode in MODES:
        cells = []
        for part in ("all", "tune", "heldout"):
            figures = result[mode] if part == "all" else result["parts"][part][mode]
            cells.extend(f"{figures[m]:.3f}" for m in ("hit@1", "hit@5", "mrr@10"))
        table.add_row(mode, *cells)
    console.print(table)


def _run_with_bar(label: str, run):  # type: ignore[no-untyped-def]
    with _progress_bar() as bar:
        task = bar.add_task(label, total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))


def _print_flat(result: dict[str, Any], prefix: str = "") -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            _print_flat(value, f"{prefix}{key}.")
        else:
            console.print(f"{prefix}{key}: [bold]{value}[/]", highlight=False)


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
    as_json: JsonOpt = False,
) -> None:
    """Ingestion throughput (pipeline vs the model's library vs MiniLM), re-run cost,
    memory, retrieval latency."""
    from evals.bench_ingest import run_ingest_benchmark

    try:
        latency_sizes = tuple(int(x) for x in sizes.split(",") if x.strip())
    except ValueError:
        _fail(f"--sizes must be integers separated by commas, not {sizes!r}")
    result = run_ingest_benchmark(
        documents=documents,
        incremental_documents=incremental_documents,
        latency_sizes=latency_sizes,
        queries=queries,
        memory=memory,
        embedding_model=embedding_model,
    )
    _print_json(result) if as_json else _print_flat(result)


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

    if dataset is not None and not dataset.is_file():
        _fail(f"dataset not found: {dataset}")
    try:
        result = run_verify_benchmark(dataset)
    except ValueError as exc:
        _fail(str(exc))
    _print_json(result) if as_json else _print_flat(result)


@bench_app.command("graph")
def bench_graph(
    chunks: Annotated[int, typer.Option(min=100, help="Index size (padded).")] = 10_000,
    repeats: Annotated[int, typer.Option(min=1, help="Times each question is asked.")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Answer latency with the extractive model, and the graph's overhead apart from models."""
    from evals.bench_graph import run_graph_benchmark

    result = _run_with_bar(
        "Questions",
        lambda progress: run_graph_benchmark(chunks=chunks, repeats=repeats, progress=progress),
    )
    _print_json(result) if as_json else _print_flat(result)


def _register_side_tools() -> None:
    """The UI, evaluations and fine-tuning live in their own packages with their own
    commands; their heavy imports (streamlit, ragas, peft) happen only when one runs."""
    from evals.command import eval_app
    from finetune.command import finetune_app
    from ui.command import ui as ui_command

    app.command(name="ui")(ui_command)
    app.add_typer(eval_app, name="eval")
    app.add_typer(finetune_app, name="finetune")


_register_side_tools()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
