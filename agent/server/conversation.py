"""An OpenAI ``messages`` list -> the question to answer and the conversation before it.

The OpenAI protocol is stateless: each request carries the whole conversation. The last
message is the question; earlier user/assistant pairs become the history a follow-up
("¿y QLoRA?") is resolved with. System and developer messages are not instructions to
Veraz (its prompts are its own) and tool messages belong to tool calling, which Veraz
does not do: both are skipped. Footnotes Veraz added to its earlier answers are taken
off again, so the history holds the answers as Veraz wrote them.
"""

from __future__ import annotations

import re

from agent.server.errors import APIError
from agent.server.schemas import ChatMessage
from agent.types import Turn

_TEXT_PARTS = frozenset({"text", "input_text"})
_FOOTNOTE_LINE = re.compile(r"^\[\^\d+\]:.*$", re.MULTILINE)
_FOOTNOTE_MARK = re.compile(r"\[\^(\d+)\]")


def message_text(message: ChatMessage, index: int) -> str:
    """The text of one message; a 400 naming the message for images, audio, files."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts = []
    for part_index, part in enumerate(content):
        if part.type not in _TEXT_PARTS:
            raise APIError(
                400,
                f"messages[{index}].content[{part_index}]: only text is supported, "
                f"not {part.type!r}",
                param=f"messages[{index}].content",
                code="unsupported_content",
            )
        texts.append(part.text or "")
    return "\n".join(texts)


def without_footnotes(text: str) -> str:
    """An answer as Veraz wrote it: footnote definitions removed, ``[^n]`` back to ``[n]``."""
    return _FOOTNOTE_MARK.sub(r"[\1]", _FOOTNOTE_LINE.sub("", text)).strip()


def split_conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, from the user) and the turns before it."""
    last = messages[-1]
    if last.role != "user":
        raise APIError(
            400,
            f"the last message must be the user's question, not a {last.role!r} message",
            param="messages",
            code="invalid_messages",
        )
    question = message_text(last, len(messages) - 1).strip()
    if not question:
        raise APIError(400, "the question (last user message) is empty", param="messages")
    turns: list[Turn] = []
    for index, message in enumerate(messages[:-1]):
        if message.role == "user":
            turns.append(Turn(question=message_text(message, index).strip(), answer=""))
        elif message.role == "assistant" and turns and not turns[-1].answer:
            turns[-1].answer = without_footnotes(message_text(message, index))
    return question, [turn for turn in turns if turn.question]
