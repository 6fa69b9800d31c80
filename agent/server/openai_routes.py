"""The OpenAI-compatible routes: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Each collection is a model, ``veraz:<collection>``. The reply's ``message.content`` is
the checked answer with its citations as Markdown footnotes; the full
:class:`agent.types.Answer` (citations, verification, steps, fallback) travels in the
extra field ``veraz`` of the response (of the last chunk when streamed).

Streaming carries only verified text. Veraz first answers and checks, then the checked
answer streams as ``delta.content`` chunks; an LLM's unverified draft never reaches the
client, because a chat client shows whatever arrives as the answer. While the graph
works, SSE comment lines (``: node retrieve``) show progress and keep proxies from
closing an idle connection; clients ignore them.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from agent.server import asking
from agent.server.auth import CallerKey, require_collection
from agent.server.conversation import split_conversation
from agent.server.errors import APIError, error_body, where_raised
from agent.server.footnotes import pieces, with_footnotes
from agent.server.metrics import ServerMetrics
from agent.server.schemas import ChatCompletionRequest, VerazOptions
from agent.server.shown_sources import SourceRoots
from agent.server.state import ServerState
from agent.types import Answer

MODEL_PREFIX = "veraz:"
logger = logging.getLogger("veraz.server")
router = APIRouter()


def model_id(collection: str) -> str:
    return MODEL_PREFIX + collection


def collection_of(model: str) -> str:
    if not model.startswith(MODEL_PREFIX) or not model[len(MODEL_PREFIX) :]:
        raise APIError(
            404,
            f"model {model!r} does not exist: models are collections, named "
            "'veraz:<collection>' (GET /v1/models lists them)",
            param="model",
            code="model_not_found",
        )
    return model[len(MODEL_PREFIX) :]


@router.get("/v1/models")
def list_models(request: Request, key: CallerKey) -> dict[str, Any]:
    state: ServerState = request.app.state.veraz
    data = []
    summaries = state.engines.summaries()
    for name, summary in summaries.items():
        if key.allows(name) and "error" not in summary:  # a broken one is skipped
            created = int(summary.get("last_change") or 0)
            data.append(
                {"id": model_id(name), "object": "model", "created": created, "owned_by": "veraz"}
            )
    return {"object": "list", "data": data}


def _usage(answer: Answer) -> dict[str, int]:
    """Tokens Veraz's language models spent on the answer (all calls: routing, grading,
    generation); ``extractive`` runs no model, so 0."""
    prompt, completion = answer.usage.prompt_tokens, answer.usage.completion_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _veraz_field(answer: Answer, question: asking.Question) -> dict[str, Any]:
    return {
        "collection": question.collection,
        "thread_id": question.thread_id,
        "answer": answer.to_dict(),
    }


def _timing(seconds: float) -> dict[str, str]:
    """Time spent inside Veraz, so a client can tell it from HTTP overhead."""
    return {"Server-Timing": f"veraz;dur={seconds * 1000:.2f}"}


@router.post("/v1/chat/completions")
async def chat_completions(body: ChatCompletionRequest, request: Request, key: CallerKey) -> Any:
    state: ServerState = request.app.state.veraz
    collection = collection_of(body.model)
    require_collection(request, key, collection, "model")
    state.engines.require_existing(collection, "model")
    if body.n not in (None, 1):
        raise APIError(400, "n must be 1: Veraz gives one checked answer", param="n")
    if body.tools:
        raise APIError(400, "tools are not supported: Veraz answers from documents", param="tools")
    text, history = split_conversation(body.messages)
    options = body.veraz or VerazOptions()
    question = asking.Question(
        text=text,
        collection=collection,
        history=history,
        thread_id=asking.server_thread(key.id, collection, options.thread_id or body.user),
    )
    rag = await state.engine(
        collection, options.answer_model, options.fallback_model, param="model"
    )
    if question.thread_id:  # recorded for retention; expired and surplus threads go
        await run_in_threadpool(state.threads.used, question.thread_id, key.id)
    completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        chunks = _sse(
            rag, question, state.metrics, completion_id, created, body.model, include_usage
        )
        return StreamingResponse(
            chunks,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer, seconds = await asking.ask_within(rag, question, rag.settings.question_timeout_s)
    answer = SourceRoots(rag.settings, collection).answer(answer)
    state.metrics.observe_answer(answer, seconds)
    completion = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": with_footnotes(answer)},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(answer),
        "veraz": _veraz_field(answer, question),
    }
    return JSONResponse(completion, headers=_timing(seconds))


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _sse(
    rag: Any,
    question: asking.Question,
    metrics: ServerMetrics,
    completion_id: str,
    created: int,
    model: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    """The SSE body: role, progress comments, verified content, finish, usage, [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        if include_usage:
            data["usage"] = None
        return _event({**data, **extra})

    yield chunk({"role": "assistant", "content": ""})
    started = time.perf_counter()
    final: dict[str, Any] | None = None
    try:
        async for event in asking.stream_within(rag, question, rag.settings.question_timeout_s):
            if event["type"] == "node":
                yield f": node {event['node']}\n\n"
            elif event["type"] == "answer":
                final = event["answer"]
    except APIError as exc:
        yield _event(error_body(exc.status, exc.message, exc.param, exc.code))
        yield "data: [DONE]\n\n"
        return
    except Exception as exc:  # the response has started: report in the stream, not a 500
        logger.error("stream failed: %s at %s", type(exc).__name__, where_raised(exc))
        yield _event(error_body(500, "internal error while answering; see the server log"))
        yield "data: [DONE]\n\n"
        return
    if final is None:  # the graph ended without an answer event: never an empty reply
        yield _event(error_body(500, "the answer could not be produced"))
        yield "data: [DONE]\n\n"
        return
    answer = SourceRoots(rag.settings, question.collection).answer(Answer.from_dict(final))
    metrics.observe_answer(answer, time.perf_counter() - started)
    for piece in pieces(with_footnotes(answer)):
        yield chunk({"content": piece})
    yield chunk({}, "stop", veraz=_veraz_field(answer, question))
    if include_usage:
        yield _event(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": _usage(answer),
            }
        )
    yield "data: [DONE]\n\n"
