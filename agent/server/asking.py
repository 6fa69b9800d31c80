"""One question of one request: which thread, which errors a client sees, how long it took.

Shared by ``/v1/chat/completions`` and ``/v1/ask`` so both answer the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent.api import Veraz
from agent.server.errors import APIError
from agent.types import Answer, Turn
from ingestion.index import IndexMismatchError


@dataclass
class Question:
    """What to ask: the text, the conversation before it (or a thread), where."""

    text: str
    collection: str
    history: list[Turn]
    thread_id: str | None  # server-side thread, already scoped to the key and collection


def server_thread(key_id: str, collection: str, client_thread: str | None) -> str | None:
    """The checkpointer's thread id for a client's thread name.

    Scoped by key and collection: a client names its threads freely, but can never
    continue (and so read the history of) another key's thread or mix collections.
    """
    if not client_thread:
        return None
    return f"http:{key_id}:{collection}:{client_thread}"


def _history(question: Question) -> list[Turn] | None:
    # With a server-side thread, Veraz holds the history; the client's copy is not added.
    return None if question.thread_id else (question.history or None)


def ask(rag: Veraz, question: Question) -> tuple[Answer, float]:
    """The answer and the seconds Veraz spent on it; user-caused errors become 4xx."""
    started = time.perf_counter()
    try:
        answer = rag.ask(question.text, question.thread_id, history=_history(question))
    except IndexMismatchError as exc:
        raise APIError(409, str(exc), code="index_mismatch") from None
    except ValueError as exc:  # an empty question, a model setup problem
        raise APIError(400, str(exc)) from None
    return answer, time.perf_counter() - started


def stream(rag: Veraz, question: Question) -> Iterator[dict[str, Any]]:
    """:meth:`Veraz.stream`'s events for ``question`` (errors as in :func:`ask`)."""
    try:
        yield from rag.stream(question.text, question.thread_id, history=_history(question))
    except IndexMismatchError as exc:
        raise APIError(409, str(exc), code="index_mismatch") from None
    except ValueError as exc:
        raise APIError(400, str(exc)) from None
