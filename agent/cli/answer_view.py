"""How an answer looks in the terminal: the text, its trust badge, citations, usage.

The same in ``veraz ask``, ``veraz chat`` and ``veraz demo``. Answer text, citations and
reasons are document text: they are printed as plain text or escaped, never as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.terminal import console, markup, plain, say

if TYPE_CHECKING:
    from agent.api import Veraz
    from agent.types import Answer, Usage


def badge(abstained: bool, verification: dict[str, Any]) -> str:
    """The answer's trust label as Rich markup."""
    if abstained:
        return "[yellow]abstained[/]"
    score = f"({verification['score']:.2f})"
    if verification["grounded"] and not verification["unsupported"]:
        return f"[green]verified[/] {score}"
    if verification["grounded"]:
        return f"[yellow]partly verified[/] {score}"
    return f"[red]not verified[/] {score}"


def where(source: str, page: int | None) -> str:
    """ "rag.es.pdf, p. 2": a source as a reader looks it up."""
    return Path(source).name + (f", p. {page}" if page else "")


def usage_line(usage: Usage) -> str:
    """ "1,234 + 56 tokens · $0.0003", with "~" on estimates and "cost unknown" when unpriced."""
    approx = "~" if usage.estimated else ""
    line = f"{approx}{usage.prompt_tokens:,} + {approx}{usage.completion_tokens:,} tokens"
    if not usage.priced:
        return line + " · cost unknown (no price for this model)"
    return line + f" · ${usage.cost_usd:.4f}"


def print_answer(answer: Answer, show_trace: bool = False, streamed: str = "") -> None:
    """The answer (unless ``streamed`` already showed exactly it), badge, citations, usage."""
    if answer.answer.strip() != streamed.strip():
        if streamed:
            say("[bold]Checked answer:[/]")
        plain(answer.answer)
    v = answer.verification
    line = markup(" · model {model} · route {route}", model=answer.model, route=answer.route)
    console.print("\n" + badge(answer.abstained, v.to_dict()) + line, highlight=False)
    if answer.fallback_used:
        say("[yellow]fallback used:[/] {reason}", reason=answer.fallback_reason)
    for sentence in v.unsupported:
        say("[red]unsupported:[/] {sentence}", sentence=sentence)
    for hop in (s.detail for s in answer.steps if "hop" in s.detail and "question" in s.detail):
        say(
            "[dim]hop {n}:[/] {question} → {entity}",
            n=hop["hop"],
            question=hop["question"],
            entity=hop.get("entity") or "—",
        )
    for c in answer.citations:
        say(
            "[cyan]\\[{n}][/] {where}: {text}…",
            n=c.n,
            where=where(c.source, c.page),
            text=" ".join(c.text.split())[:160],
        )
    if show_trace:
        trace = " → ".join(f"{s.node} {s.ms:.0f}ms" for s in answer.steps)
        say("[dim]{trace}[/]", trace=trace)
    if answer.usage.prompt_tokens or answer.usage.completion_tokens:
        say("[dim]{usage}[/]", usage=usage_line(answer.usage))


def stream_answer(rag: Veraz, question: str, thread: str | None) -> tuple[Answer, str]:
    """Show the model's draft as it is written (dim: not yet verified); return the Answer
    and the streamed text, so only a changed (trimmed, fallback) answer is printed again."""
    from agent.types import Answer

    drafted: list[str] = []
    node = None
    final: dict[str, Any] = {}
    for event in rag.stream(question, thread_id=thread):
        if event["type"] == "draft_token":
            if node is not None and event["node"] != node:
                say("\n[dim]({node})[/]", node=event["node"])
                drafted.clear()
            node = event["node"]
            drafted.append(event["text"])
            plain(event["text"], style="dim", end="")
        elif event["type"] == "answer":
            final = event["answer"]
    if drafted:
        console.print()
    return Answer.from_dict(final), "".join(drafted)
