"""One question of one request: which thread, which errors a client sees, how long it took.

Shared by ``/v1/chat/completions`` and ``/v1/ask`` so both answer the same way.

Every question has a hard deadline. The graph already stops calling models once
VERAZ_QUESTION_TIMEOUT_S is spent and answers offline, in milliseconds; the deadline is
that budget plus a short grace for the offline answer. Questions run on their own
threads (:data:`QUESTIONS`), so the worker's event loop keeps answering other requests
(``/healthz`` included) while one is worked on; at the deadline the request answers 504
and the question is told to stop at its next node (:class:`agent.api.QuestionCancelled`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
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


DEADLINE_GRACE_S = 5.0
"""Past the question budget, at most this long (a tenth of the budget if less) for the
offline answer before the request answers 504."""

QUESTIONS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="veraz-question")
"""The threads questions run on. A question past its deadline keeps its thread until its
current node ends; a pool of its own keeps those from starving the routes' threads."""


def deadline_s(budget_s: float) -> float | None:
    """Seconds a request may take for a question with ``budget_s`` (0: no limit)."""
    if budget_s <= 0:
        return None
    return budget_s + min(DEADLINE_GRACE_S, budget_s / 10)


def _timed_out(limit: float) -> APIError:
    return APIError(
        504,
        f"the question was not answered within its deadline ({limit:g} s, set by "
        "VERAZ_QUESTION_TIMEOUT_S); ask a shorter or simpler question",
        code="question_timeout",
    )


async def ask_within(rag: Veraz, question: Question, budget_s: float) -> tuple[Answer, float]:
    """:func:`ask` on a question thread, answered 504 at the deadline of ``budget_s``."""
    cancel = threading.Event()
    limit = deadline_s(budget_s)
    running = asyncio.get_running_loop().run_in_executor(QUESTIONS, ask, rag, question, cancel)
    try:
        return await asyncio.wait_for(running, timeout=limit)
    except TimeoutError:
        cancel.set()  # the thread stops at the question's next node
        raise _timed_out(limit or 0.0) from None


async def stream_within(
    rag: Veraz, question: Question, budget_s: float
) -> AsyncIterator[dict[str, Any]]:
    """:func:`stream`'s events, each awaited on a question thread, until the deadline of
    ``budget_s``; past it, :class:`APIError` 504 (and the question is told to stop)."""
    cancel = threading.Event()
    limit = deadline_s(budget_s)
    ends = None if limit is None else time.monotonic() + limit
    events = stream(rag, question, cancel)
    loop = asyncio.get_running_loop()
    done = object()
    try:
        while True:
            left = None if ends is None else max(0.0, ends - time.monotonic())
            following = loop.run_in_executor(QUESTIONS, next, events, done)
            try:
                event = await asyncio.wait_for(following, timeout=left)
            except TimeoutError:
                cancel.set()
                raise _timed_out(limit or 0.0) from None
            if event is done:
                return
            yield event
    finally:
        cancel.set()


def ask(
    rag: Veraz, question: Question, cancel: threading.Event | None = None
) -> tuple[Answer, float]:
    """The answer and the seconds Veraz spent on it; user-caused errors become 4xx."""
    started = time.perf_counter()
    try:
        answer = rag.ask(
            question.text, question.thread_id, history=_history(question), cancel=cancel
        )
    except IndexMismatchError as exc:
        raise APIError(409, str(exc), code="index_mismatch") from None
    except ValueError as exc:  # an empty question, a model setup problem
        raise APIError(400, str(exc)) from None
    return answer, time.perf_counter() - started


def stream(
    rag: Veraz, question: Question, cancel: threading.Event | None = None
) -> Iterator[dict[str, Any]]:
    """:meth:`Veraz.stream`'s events for ``question`` (errors as in :func:`ask`)."""
    try:
        yield from rag.stream(
            question.text, question.thread_id, history=_history(question), cancel=cancel
        )
    except IndexMismatchError as exc:
        raise APIError(409, str(exc), code="index_mismatch") from None
    except ValueError as exc:
        raise APIError(400, str(exc)) from None
