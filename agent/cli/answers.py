"""Asking: ``veraz ask``, ``veraz chat`` and ``veraz models``."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.answer_view import print_answer, stream_answer
from agent.cli.app import app
from agent.cli.options import CollectionOpt, FallbackOpt, HomeOpt, JsonOpt, ModelOpt
from agent.cli.setup import guarded, open_veraz
from agent.terminal import console, errors, print_json, say


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
    rag = open_veraz(home, collection, model=model, fallback_model=fallback_model)
    if as_json:
        print_json(guarded(lambda: rag.ask(question, thread_id=thread)).to_dict())
    elif stream:
        answer, streamed = guarded(lambda: stream_answer(rag, question, thread))
        print_answer(answer, show_trace=trace, streamed=streamed)
    else:
        print_answer(guarded(lambda: rag.ask(question, thread_id=thread)), show_trace=trace)
    rag.close()


@app.command()
def models(
    model: ModelOpt = None,
    fallback_model: FallbackOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The configured models and whether each can answer now (server, key, model pulled)."""
    from agent.cli.setup import load_settings
    from agent.models.registry import check_model

    settings = load_settings(None)
    roles = {
        "model": model or settings.model,
        "fallback_model": fallback_model or settings.fallback_model,
    }
    rows = [{"role": role, **check_model(spec, settings).to_dict()} for role, spec in roles.items()]
    if as_json:
        print_json({"models": rows})
    else:
        for row in rows:
            mark = "[green]reachable[/]" if row["reachable"] else "[red]unreachable[/]"
            say(
                "{role:<15} {model:<32} " + mark + "  {detail}",
                role=row["role"],
                model=row["model"],
                detail=row["detail"],
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

    rag = open_veraz(home, collection, model=model, fallback_model=fallback_model)
    thread = thread or f"chat-{uuid.uuid4().hex[:8]}"
    say("Veraz chat · thread [bold]{thread}[/] · empty line or Ctrl-D to quit", thread=thread)
    while True:
        try:
            question = console.input("[bold cyan]› [/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        try:
            answer, streamed = stream_answer(rag, question, thread)
        except (ValueError, RuntimeError) as exc:
            say("[red]error:[/] {error}", to=errors, error=str(exc))
            continue
        print_answer(answer, streamed=streamed)
    rag.close()
