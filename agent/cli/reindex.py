"""``veraz reindex``: re-embed a collection with the configured embedding model."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.app import app
from agent.cli.options import CollectionOpt, HomeOpt, JsonOpt
from agent.cli.setup import guarded, open_veraz
from agent.terminal import fail, print_json, progress_bar, say


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
    rag = open_veraz(home, collection)
    from ingestion.index import collection_names

    settings = rag.settings
    names = guarded(lambda: collection_names(settings.store_location, settings.home))
    if settings.collection not in names:
        where = settings.home if settings.store_location.kind == "sqlite" else None
        fail(
            f"no collection named {settings.collection!r} in "
            f"{where or settings.store_location.describe()}"
        )
    with progress_bar() as bar:
        task = bar.add_task("Embedding chunks", total=None)
        report = guarded(
            lambda: rag.reindex(
                force=force,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    rag.close()
    if as_json:
        print_json(report.to_dict())
    elif not report.changed:
        say(
            "{collection}: already embedded with {model}; nothing to do (--force re-embeds)",
            collection=report.collection,
            model=report.model.describe(),
        )
    else:
        say(
            "{collection}: {chunks} chunks re-embedded with {model} (was {previous}); "
            "{embedded} embedded, {cached} from cache, {seconds:.1f} s",
            collection=report.collection,
            chunks=report.chunks,
            model=report.model.describe(),
            previous=report.previous_model.name,
            embedded=report.embedded,
            cached=report.embedding_cache_hits,
            seconds=report.seconds,
        )
