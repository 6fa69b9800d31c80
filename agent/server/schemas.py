"""Request bodies the server accepts, validated by FastAPI (errors name the field).

OpenAI's chat request carries many sampling options (temperature, max_tokens, top_p,
…); Veraz's answers are set by its own configuration, so those are accepted and
ignored (``extra="allow"``) rather than refused, as every OpenAI-compatible client sends
some. What would change the meaning of a request and cannot be honoured (tools, n > 1)
is refused by the route with a 400. Veraz's own options travel in the extra field
``veraz``, which the ``openai`` client sends with ``extra_body={"veraz": {...}}``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

ThreadId = Field(default=None, min_length=1, max_length=200)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False


class VerazOptions(BaseModel):
    """Veraz's extra field in a chat request."""

    model_config = ConfigDict(extra="forbid")

    answer_model: str | None = Field(
        default=None, max_length=300, description="provider:model answering (an allowed one)."
    )
    fallback_model: str | None = Field(default=None, max_length=300)
    thread_id: str | None = ThreadId


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: StrictBool = False  # "yes", "1" or 1 are refused, not taken as true
    stream_options: StreamOptions | None = None
    user: str | None = ThreadId
    n: int | None = None
    tools: list[Any] | None = None
    veraz: VerazOptions | None = None


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=20_000)
    answer: str = Field(max_length=100_000)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=20_000)
    collection: str | None = Field(default=None, max_length=64)
    thread_id: str | None = ThreadId
    history: list[TurnIn] = Field(default_factory=list, max_length=200)
    answer_model: str | None = Field(default=None, max_length=300)
    fallback_model: str | None = Field(default=None, max_length=300)


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=20_000)
    k: int = Field(default=5, ge=1, le=100)
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    collection: str | None = Field(default=None, max_length=64)
