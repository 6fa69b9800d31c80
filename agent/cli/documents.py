"""Documents in a collection: ``veraz ingest``, ``retrieve``, ``stats`` and ``demo``.

Exit codes of ``veraz ingest`` (README, "Your own documents"): 0 when the run did its
work (files that failed alone are listed), 1 when nothing could be ingested (every file
failed, or there were no files), 2 for a usage error (a path that does not exist, a bad
option or configuration), so a cron job or a script can tell that nothing was ingested.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.answer_view import print_answer, where
from agent.cli.app import app
from agent.cli.options import CollectionOpt, HomeOpt, JsonOpt
from agent.cli.setup import guarded, open_veraz
from agent.samples import samples_dir
from agent.terminal import errors, fail, plain, print_json, progress_bar, say

if TYPE_CHECKING:
    from agent.api import Veraz
    from agent.types import IngestReport


def print_failures(failures: list[dict[str, str]], limit: int | None = None) -> None:
    """Each file that failed, with its reason (at most ``limit``)."""
    for failure in failures[:limit]:
        say("  [red]failed[/] {path}: {error}", path=failure["path"], error=failure["error"])
    if limit is not None and len(failures) > limit:
        say("  … and {more} more (veraz status --json)", more=len(failures) - limit)


def _nothing_ingested(report: IngestReport) -> bool:
    return not (report.added or report.updated or report.unchanged or report.removed)


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
    """Add or update documents: PDF, DOCX, HTML, PPTX, EML, Markdown, text, and tables
    as documents: CSV/TSV, XLSX, ODS.

    Tables in every format are read row by row with their header (a long table is
    chunked by rows, its header repeated in each chunk).

    Exit code 0: done (files that failed alone are listed); 1: nothing could be ingested;
    2: a path does not exist, or a bad option.
    """
    missing = [str(p) for p in paths if not (p.expanduser().exists() or p.is_symlink())]
    if missing:
        fail("no such file or folder: " + ", ".join(missing) + " (nothing was ingested)")
    rag = open_veraz(home, collection)
    with progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            label = {"load": "Reading files", "embed": "Embedding chunks"}[stage]
            if stage not in tasks:
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = guarded(lambda: rag.ingest(paths, prune=prune, progress=progress))
    rag.close()
    if as_json:
        print_json(report.to_dict())
    else:
        say(
            "[bold]{added}[/] added, [bold]{updated}[/] updated, {unchanged} unchanged, "
            "{removed} removed; {chunks} chunks ({embedded} embedded, {cached} from cache) "
            "in {seconds:.1f} s",
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            removed=report.removed,
            chunks=report.chunks,
            embedded=report.embedded,
            cached=report.embedding_cache_hits,
            seconds=report.seconds,
        )
        print_failures([failure.to_dict() for failure in report.failed])
        for note in report.notes:
            say("  [yellow]note[/] {path}: {note}", path=note.path, note=note.note)
    if _nothing_ingested(report):
        why = "every file failed" if report.failed else "no files found"
        say("[red]nothing was ingested:[/] {why}", why=why, to=errors)
        raise typer.Exit(1)


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
        fail(f"--mode must be hybrid, bm25 or dense, not {mode!r}")
    rag = open_veraz(home, collection)
    hits = guarded(lambda: rag.retrieve(query, k=k, mode=mode))
    if as_json:
        print_json([hit.to_dict() for hit in hits])
    else:
        if not hits:
            say("No matching chunks (is the collection empty? run: veraz ingest PATH).")
        for rank, hit in enumerate(hits, start=1):
            say(
                "[bold]{rank}.[/] [cyan]{where}[/]{section}  [dim]{score:.3f}[/]",
                rank=rank,
                where=where(hit.source, hit.page),
                section=f" — {hit.section}" if hit.section else "",
                score=hit.score,
            )
            snippet = hit.text if len(hit.text) <= 400 else hit.text[:400] + "…"
            plain(f"   {snippet}\n")
    rag.close()


@app.command()
def stats(home: HomeOpt = None, collection: CollectionOpt = None, as_json: JsonOpt = False) -> None:
    """Documents, chunks and vectors in a collection."""
    rag = open_veraz(home, collection)
    data = guarded(rag.stats)
    if as_json:
        print_json(data)
    else:
        for key, value in data.items():
            say("{key}: {value}", key=key, value=value)
    rag.close()


def _reindex_samples_if_needed(rag: Veraz) -> None:
    """The samples collection is Veraz's own: one embedded with another model (MiniLM,
    before e5 became the default) is re-embedded here, saying so, instead of failing."""
    from ingestion.index import EmbeddingModelMismatch

    try:
        _ = rag.index
    except EmbeddingModelMismatch as exc:
        say(
            "[yellow]The samples collection was embedded with {old}; re-embedding its "
            "{chunks} chunks with {new} (once).[/]",
            old=exc.stored.name,
            chunks=exc.chunks,
            new=exc.wanted.name,
            to=errors,
        )
        guarded(rag.reindex)


@app.command()
def demo(
    question: Annotated[
        str, typer.Argument(help="Question to ask the sample documents.")
    ] = "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest the bundled sample documents (collection 'samples') and answer a question."""
    rag = open_veraz(home, "samples")
    _reindex_samples_if_needed(rag)
    report = guarded(lambda: rag.ingest([samples_dir()], prune=True))
    # The collection mirrors this checkout's samples: drop copies from other checkouts.
    elsewhere = [s for s in rag.index.documents() if not Path(s).is_relative_to(samples_dir())]
    report.removed += rag.remove(elsewhere)
    answer = guarded(lambda: rag.ask(question))
    if as_json:
        print_json({"ingest": report.to_dict(), "answer": answer.to_dict()})
    else:
        say(
            "Samples: {added} added, {updated} updated, {unchanged} unchanged, {removed} "
            "removed, {failed} failed ({seconds:.1f} s)\n\n[bold]{question}[/]\n",
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            removed=report.removed,
            failed=len(report.failed),
            seconds=report.seconds,
            question=question,
        )
        print_answer(answer)
    rag.close()
    if report.failed:
        raise typer.Exit(1)
