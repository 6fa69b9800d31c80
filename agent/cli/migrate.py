"""``veraz migrate``: copy collections between the sqlite and postgres stores."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.app import app
from agent.cli.options import CollectionOpt, HomeOpt, JsonOpt
from agent.cli.setup import guarded, load_settings
from agent.terminal import fail, print_json, progress_bar, say


@app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Target store: a postgresql://user:password@host:port/database URL, or "
            "'sqlite' (folders under VERAZ_HOME).",
        ),
    ],
    home: HomeOpt = None,
    collection: CollectionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy collections from the configured store (VERAZ_STORE) to another, as they are.

    Documents, chunks and vectors are copied without parsing or embedding anything; the
    target builds its own lexical index. Without --collection every collection is
    copied. Run it again to resume an interrupted copy. Then set VERAZ_STORE to the target.

    A large collection copied into an empty PostgreSQL collection is loaded in one
    transaction with COPY, its indexes built once after ("bulk path"); an interrupted
    bulk copy leaves nothing and starts over.
    """
    from ingestion.index import StoreLocation, collection_names, open_store
    from ingestion.index.migrate import migrate as copy_collection

    settings = load_settings(home)
    source = settings.store_location
    target = guarded(lambda: StoreLocation.parse(to))
    if (target.kind, target.database) == (source.kind, source.database):
        fail(f"--to {target.describe()} is the store Veraz already uses (VERAZ_STORE)")
    names = guarded(lambda: collection_names(source, settings.home))
    if collection is not None:
        guarded(lambda: load_settings(home, collection=collection))  # a valid name
        if collection not in names:
            fail(f"no collection named {collection!r} in {source.describe()}")
        names = [collection]
    if not names:
        fail(f"no collection to copy in {source.describe()}")
    reports = []
    for name in names:
        origin = guarded(lambda name=name: open_store(source, settings.home, name, model=None))
        try:
            destination = guarded(
                lambda name=name, origin=origin: open_store(
                    target, settings.home, name, model=origin.model
                )
            )
            try:
                with progress_bar() as bar:
                    task = bar.add_task(f"Copying {name}", total=None)
                    report = guarded(
                        lambda origin=origin, destination=destination, task=task, bar=bar: (
                            copy_collection(
                                origin,
                                destination,
                                progress=lambda done, total: bar.update(
                                    task, completed=done, total=total
                                ),
                            )
                        )
                    )
            finally:
                destination.close()
        finally:
            origin.close()
        reports.append(report)
        if not as_json:
            say(
                "{collection}: {documents} documents, {chunks} chunks copied to {target} "
                "({copied} written, {skipped} already there; {path} path), {seconds:.1f} s",
                collection=report.collection,
                documents=report.documents,
                chunks=report.chunks,
                target=target.describe(),
                copied=report.copied,
                skipped=report.skipped,
                seconds=report.seconds,
                path=report.path,
            )
    if as_json:
        print_json({"to": target.describe(), "collections": [r.to_dict() for r in reports]})
    else:
        say(
            "Set VERAZ_STORE={store} to use the copy.",
            store=to if target.kind == "sqlite" else "<the URL you gave>",
        )
