"""The conversation: earlier turns of the thread, the question box, the streamed answer.

An answer is streamed from ``Veraz.stream``: node events move the status line (so a slow
model shows where it is), an LLM's draft is shown dimmed as it is written (not verified
yet), then the checked answer streams into the chat and its evidence is drawn below.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import streamlit as st

from agent.types import Answer
from ui import rendering
from ui.answer_view import show_answer
from ui.sidebar import PENDING_THREAD_KEY, Choice
from ui.texts import text


def history(choice: Choice) -> None:
    """The current thread's earlier questions and answers, drawn like live ones."""
    if not choice.thread_id:
        return
    for turn in choice.registry.turns(choice.thread_id):
        answer = Answer.from_dict(turn)
        with st.chat_message("user"):
            st.markdown(rendering.escape_markdown(answer.question))
        with st.chat_message("assistant"):
            show_answer(answer, choice.lang)


def _events(choice: Choice, question: str, thread_id: str, result: dict[str, Any]) -> Iterator[str]:
    """Answer text pieces for st.write_stream; status and draft are updated on the side."""
    lang = choice.lang
    status = st.status(text(lang, "thinking"), expanded=False)
    draft_box = st.empty()
    draft: list[str] = []
    for event in choice.engine.rag.stream(question, thread_id=thread_id):
        kind = event["type"]
        if kind == "node":
            status.update(label=text(lang, "running", node=event["node"]))
            status.write(f"`{event['node']}`")
        elif kind == "draft_token":
            draft.append(event["text"])
            draft_box.caption(
                f"{text(lang, 'draft')}\n\n{rendering.escape_markdown(''.join(draft))}"
            )
        elif kind == "token":
            draft_box.empty()
            yield rendering.escape_markdown(event["text"])
        elif kind == "answer":
            result["answer"] = event["answer"]
    draft_box.empty()
    status.update(label=text(lang, "done"), state="complete")


def ask(choice: Choice, question: str) -> None:
    """Stream one answer into a new thread or the current one, then save it there."""
    lang = choice.lang
    with st.chat_message("user"):
        st.markdown(rendering.escape_markdown(question))
    with st.chat_message("assistant"):
        thread_id = choice.thread_id
        if thread_id is None:
            thread_id = choice.registry.create(question, choice.settings.collection).thread_id
        result: dict[str, Any] = {}
        try:
            with choice.engine.lock:
                st.write_stream(_events(choice, question, thread_id, result))
        except Exception as exc:  # any failure is a message in the page, never a traceback
            st.error(text(lang, "error", error=_reason(exc)), icon="⚠️")
            if not choice.registry.turns(thread_id):
                choice.registry.delete(thread_id)
            return
        answer = Answer.from_dict(result["answer"])
        show_answer(answer, lang, streamed=True)
        choice.registry.add_turn(thread_id, result["answer"])
    # Rerun so the sidebar lists a new thread and adds this answer to the thread's usage.
    st.session_state[PENDING_THREAD_KEY] = thread_id
    st.rerun()


def _reason(exc: Exception) -> str:
    """The exception in one line: our own errors are already worded for users."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ValueError) and message:
        return message
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def chat(choice: Choice) -> None:
    """The main column: empty-collection notice, the thread so far, the question box."""
    lang = choice.lang
    empty = choice.chunks == 0
    if empty:
        st.info(text(lang, "empty_collection", collection=choice.settings.collection), icon="📂")
    history(choice)
    question = st.chat_input(text(lang, "ask"), disabled=empty)
    if question and question.strip():
        ask(choice, question.strip())
