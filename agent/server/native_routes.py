"""Veraz's own routes: ``/v1/ask`` (the Answer), ``/v1/retrieve``, ``/v1/collections``.

Same contracts as the Python API and ``veraz … --json``: the bodies are the results'
``to_dict()``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from agent.server import asking
from agent.server.auth import CallerKey, require_collection
from agent.server.keys import ApiKey
from agent.server.openai_routes import model_id
from agent.server.schemas import AskRequest, RetrieveRequest
from agent.server.shown_sources import SourceRoots
from agent.server.state import ServerState
from agent.types import Turn

router = APIRouter()


def _collection(request: Request, key: ApiKey, given: str | None) -> str:
    """The request's collection (default: the server's), allowed for ``key`` and existing."""
    state: ServerState = request.app.state.veraz
    collection = given or state.settings.collection
    state.engines.settings_for(collection, "collection")  # a valid name, or a 400
    require_collection(request, key, collection, "collection")
    state.engines.require_existing(collection, "collection")
    return collection


@router.post("/v1/ask")
async def ask(body: AskRequest, request: Request, key: CallerKey) -> Any:
    state: ServerState = request.app.state.veraz
    collection = _collection(request, key, body.collection)
    question = asking.Question(
        text=body.question,
        collection=collection,
        history=[Turn(t.question, t.answer) for t in body.history],
        thread_id=asking.server_thread(key.id, collection, body.thread_id),
    )
    rag = await state.engine(collection, body.answer_model, body.fallback_model, models_in="")
    if question.thread_id:  # recorded for retention; expired and surplus threads go
        await run_in_threadpool(state.threads.used, question.thread_id, key.id)
    answer, seconds = await asking.ask_within(rag, question, rag.settings.question_timeout_s)
    answer = SourceRoots(rag.settings, collection).answer(answer)
    state.metrics.observe_answer(answer, seconds)
    return JSONResponse(
        answer.to_dict(), headers={"Server-Timing": f"veraz;dur={seconds * 1000:.2f}"}
    )


@router.post("/v1/retrieve")
async def retrieve(body: RetrieveRequest, request: Request, key: CallerKey) -> dict[str, Any]:
    state: ServerState = request.app.state.veraz
    collection = _collection(request, key, body.collection)
    rag = await state.engine(collection)
    hits = await run_in_threadpool(rag.retrieve, body.query, body.k, mode=body.mode)
    roots = SourceRoots(rag.settings, collection)
    return {"collection": collection, "hits": [roots.hit(hit).to_dict() for hit in hits]}


@router.get("/v1/collections")
def collections(request: Request, key: CallerKey) -> dict[str, Any]:
    """The collections this key may use, with their size (read without opening them); a
    collection that cannot be read is listed with its ``error``."""
    state: ServerState = request.app.state.veraz
    listed = []
    for name, summary in state.engines.summaries().items():
        if not key.allows(name):
            continue
        if "error" in summary:  # listed so its owner sees why, but it cannot be used
            listed.append({"name": name, "model": model_id(name), "error": summary["error"]})
            continue
        listed.append(
            {
                "name": name,
                "model": model_id(name),
                "documents": summary.get("documents", 0),
                "chunks": summary.get("chunks", 0),
                "last_change": summary.get("last_change"),
            }
        )
    return {"collections": listed}
