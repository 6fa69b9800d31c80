"""What the in-process chat models (``llamacpp:``, ``hf:``) share.

Both render LangChain messages with the model's own chat template, generate token by
token, and must themselves do what a server does for hosted models: cut the text at
stop strings (without streaming a half-written stop string to the user), bound the
call in time, and report token usage. LangChain core forwards every chunk ``_stream``
yields to the callbacks (LangGraph's ``stream_mode="messages"``), so ``_stream`` here
only yields; calling ``on_llm_new_token`` as well would send each token twice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage, ChatMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def chat_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """``[{"role", "content"}]`` as chat templates expect, text content only."""
    result = []
    for message in messages:
        role = message.role if isinstance(message, ChatMessage) else _ROLES.get(message.type)
        result.append({"role": role or message.type, "content": message_text(message)})
    return result


def message_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(c if isinstance(c, str) else str(c.get("text", "")) for c in content)


def plain_prompt(chat: Iterable[dict[str, str]]) -> str:
    """A template-free prompt for models that ship without a chat template."""
    lines = [f"{turn['role']}: {turn['content']}" for turn in chat]
    return "\n".join([*lines, "assistant:"])


class StopScanner:
    """Cuts streamed text at the first stop string, holding back a possible prefix of one.

    ``feed`` returns the text that is safe to show now and whether a stop string was
    found; ``flush`` returns what was held back once generation ends without one.
    """

    def __init__(self, stops: Iterable[str]) -> None:
        self.stops = sorted({s for s in stops if s}, key=len, reverse=True)
        self.buffer = ""

    def feed(self, piece: str) -> tuple[str, bool]:
        self.buffer += piece
        found = [i for s in self.stops if (i := self.buffer.find(s)) >= 0]
        if found:
            text, self.buffer = self.buffer[: min(found)], ""
            return text, True
        keep = self._pending()
        cut = len(self.buffer) - keep
        text, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return text, False

    def flush(self) -> str:
        text, self.buffer = self.buffer, ""
        return text

    def _pending(self) -> int:
        """Length of the longest end of the buffer that begins some stop string."""
        best = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(self.buffer)), best, -1):
                if self.buffer.endswith(stop[:size]):
                    best = size
                    break
        return best


# The whole question's deadline (epoch seconds, 0: none), set by the graph around each
# model call (agent.models.calls.call_model) so an in-process model stops generating
# when the question's time budget (VERAZ_QUESTION_TIMEOUT_S) runs out, not only at its
# own per-call timeout.
_QUESTION_DEADLINE: ContextVar[float] = ContextVar("veraz_question_deadline", default=0.0)


@contextlib.contextmanager
def question_deadline(deadline: float) -> Iterator[None]:
    token = _QUESTION_DEADLINE.set(deadline)
    try:
        yield
    finally:
        _QUESTION_DEADLINE.reset(token)


class Deadline:
    """Wall-clock bound for one local generation (``model_timeout_s``, and the question's
    time budget when that ends sooner).

    A local model has no server to time out; without this a large model on a slow CPU
    would hold the graph for minutes. Raises :class:`TimeoutError`, which the graph
    classifies as a timeout and answers with the fallback model.
    """

    def __init__(self, seconds: float | None, what: str) -> None:
        ends = []
        if seconds:
            ends.append(time.monotonic() + seconds)
        if question := _QUESTION_DEADLINE.get():
            ends.append(time.monotonic() + (question - time.time()))
        self.end = min(ends) if ends else None
        self.seconds = seconds
        self.what = what

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise TimeoutError(f"{self.what}: generation stopped at its time limit")


def text_chunk(text: str) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def usage_chunk(
    input_tokens: int, output_tokens: int, finish_reason: str, model: str
) -> ChatGenerationChunk:
    """The last chunk of a stream: no text, the call's token usage and why it ended."""
    usage = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            usage_metadata=usage,
            response_metadata={"finish_reason": finish_reason, "model_name": model},
        ),
        generation_info={"finish_reason": finish_reason},
    )


class StreamingChatModel(BaseChatModel):
    """A chat model whose only real path is ``_stream``: a whole reply is the joined stream.

    In-process models generate token by token anyway; one path means streamed and
    non-streamed replies are the same text with the same usage.
    """

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop=stop, **kwargs))
