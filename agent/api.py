"""``Veraz``: the one public entry point (ingest, retrieve, and later ask/stream).

It wires settings to the components (embedder, collection index, chunker, retriever) and
builds each lazily, so ``import agent`` and ``veraz --help`` stay fast and a process that
only retrieves never loads a parser.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.config import Settings
from agent.graphs.node_names import ANSWERING_NODES
from agent.types import Answer, Hit, IngestReport, Turn


class Veraz:
    """A collection of documents you can ingest into and ask questions of."""

    def __init__(
        self,
        home: str | Path | None = None,
        collection: str | None = None,
        model: str | BaseChatModel | None = None,
        fallback_model: str | BaseChatModel | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        # A chat model instance is used as is; a string goes through the settings.
        self._model_objects = {
            "model": model if isinstance(model, BaseChatModel) else None,
            "fallback_model": fallback_model if isinstance(fallback_model, BaseChatModel) else None,
        }
        model = None if isinstance(model, BaseChatModel) else model
        fallback_model = None if isinstance(fallback_model, BaseChatModel) else fallback_model
        given = {
            "home": home,
            "collection": collection,
            "model": model,
            "fallback_model": fallback_model,
            **overrides,
        }
        explicit = {key: value for key, value in given.items() if value is not None}
        if settings is None:
            settings = Settings(**explicit)
        elif explicit:
            settings = settings.model_copy(update=explicit)
            settings = Settings(**settings.model_dump())  # re-validate the merged values
        self.settings = settings

    # -- components, built on first use ----------------------------------------------

    @cached_property
    def embedder(self):  # type: ignore[no-untyped-def]
        from ingestion.embedding import Embedder, EmbeddingCache

        return Embedder(
            self.settings.embedding_model,
            batch_size=self.settings.embedding_batch_size,
            precision=self.settings.embedding_precision,
            cache=EmbeddingCache(self.settings.embedding_cache_path),
            e5_engine=self.settings.embedding_engine,
        )

    @cached_property
    def index(self):  # type: ignore[no-untyped-def]
        """The collection, which must have been embedded with the configured model
        (else EmbeddingModelMismatch, naming both and ``veraz reindex``)."""
        from ingestion.index import open_store

        return open_store(
            self.settings.store_location,
            self.settings.home,
            self.settings.collection,
            model=self.embedder.record,
        )

    @cached_property
    def retriever(self):  # type: ignore[no-untyped-def]
        from agent.tools.fusion import tuned_weights
        from agent.tools.retriever import HybridRetriever

        weights = tuned_weights(self.embedder.model_name).with_overrides(
            bm25=self.settings.bm25_weight,
            dense=self.settings.dense_weight,
            per_language=self.settings.fusion_per_language,
            cross_language_bm25=self.settings.cross_language_bm25_weight,
        )
        return HybridRetriever(
            self.index, self.embedder, weights=weights, candidates=self.settings.candidates
        )

    def chunk_budget(self) -> tuple[int, int]:
        """Chunk size and overlap in tokens, capped at what the embedding model reads.

        A chunk longer than the model's input (254 text tokens for MiniLM, 507 for e5
        after its specials and "passage: " prefix) would be cut, or for e5 windowed,
        before embedding. Capping measured slightly better with MiniLM on XQuAD (es hybrid
        hit@1 0.928 vs 0.925 with 300-token chunks). The overlap shrinks in proportion.
        """
        limit = max(32, self.embedder.max_content_tokens)
        size = min(self.settings.chunk_tokens, limit)
        overlap = round(self.settings.chunk_overlap * size / self.settings.chunk_tokens)
        return size, overlap

    def pipeline(self):  # type: ignore[no-untyped-def]
        """The ingestion pipeline of this collection, for callers that drive runs themselves
        (scheduled sources, watch mode): they choose the files and may stop a run early."""
        from ingestion.chunking import Chunker
        from ingestion.pipeline import IngestionPipeline

        size, overlap = self.chunk_budget()
        chunker = Chunker(size, overlap, self.embedder.count_tokens)
        return IngestionPipeline(
            self.index,
            self.embedder,
            chunker,
            max_file_bytes=self.settings.max_file_bytes,
            ocr=self.settings.ocr,
        )

    @cached_property
    def _graphs(self):  # type: ignore[no-untyped-def]
        """The compiled graph twice: with the store's checkpointer (threads) and without."""
        from agent.graphs.rag import build_graph
        from agent.threads import open_checkpointer

        self._checkpointer = open_checkpointer(self.settings)
        return {"threads": build_graph(self._checkpointer.saver), "once": build_graph(None)}

    @cached_property
    def _graph_context(self):  # type: ignore[no-untyped-def]
        from agent.graphs.context import GraphContext
        from agent.models.registry import resolve_model
        from agent.tools.extractive import ExtractiveAnswerer
        from agent.tools.verification import Verifier

        primary = self._model_objects["model"] or self.settings.model
        fallback = self._model_objects["fallback_model"] or self.settings.fallback_model
        return GraphContext(
            retriever=self.retriever,
            collection=self.settings.collection,
            answerer=ExtractiveAnswerer(self.embedder),
            verifier=Verifier(self.embedder),
            primary=resolve_model(primary, self.settings),
            fallback=resolve_model(fallback, self.settings),
            k=self.settings.answer_passages,
            max_rewrites=self.settings.max_rewrites,
            verify_with_llm=self.settings.verify == "llm",
        )

    def _run_args(
        self, question: str, thread_id: str | None, history: Sequence[Turn] | None = None
    ) -> tuple[Any, dict, dict]:
        from agent.graphs.rag import RECURSION_LIMIT
        from agent.graphs.state import new_question

        if not question or not question.strip():
            raise ValueError("the question is empty")
        if thread_id and history:
            raise ValueError("give a thread_id (Veraz keeps the history) or a history, not both")
        graph = self._graphs["threads" if thread_id else "once"]
        config = {
            "configurable": {"thread_id": thread_id or f"once-{uuid.uuid4()}"},
            "recursion_limit": RECURSION_LIMIT,
        }
        budget = self.settings.question_timeout_s
        state = new_question(question.strip(), time.time() + budget if budget else 0.0)
        if history:
            state["history"] = _history_entries(history)
        return graph, config, state

    # -- public API --------------------------------------------------------------------

    def prepare(self) -> None:
        """Build every component now: embedder, index, graph and models.

        Components are otherwise built on first use. A server calls this once, before
        its threads share the instance, so the first request pays nothing and two
        threads never race to build the same component.
        """
        self.retriever  # noqa: B018 - builds the embedder and opens the index
        self._graphs  # noqa: B018
        self._graph_context  # noqa: B018 - resolves the models (ModelSetupError here)

    def ask(
        self,
        question: str,
        thread_id: str | None = None,
        *,
        history: Sequence[Turn] | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Answer ``question`` from the collection, with citations and a verification.

        With ``thread_id``, earlier questions of that thread are remembered (follow-ups
        like "¿y QLoRA?" work) and the thread persists under VERAZ_HOME. ``history``
        instead passes the earlier turns of a conversation the caller keeps (an HTTP
        client's messages); nothing is stored then. Once ``cancel`` is set, the question
        stops after the node running then (:class:`QuestionCancelled`).
        """
        from agent.graphs.result import to_answer

        graph, config, state = self._run_args(question, thread_id, history)
        final: dict[str, Any] = {}
        # Step by step rather than ``invoke``: a caller that gave up on the question (a
        # server past its deadline) stops it at the next node instead of letting it run.
        for values in graph.stream(
            state, config, context=self._graph_context, stream_mode="values"
        ):
            _check_not_cancelled(cancel)
            final = values
        return to_answer(final)

    def stream(
        self,
        question: str,
        thread_id: str | None = None,
        *,
        history: Sequence[Turn] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Events while answering: ``node`` as each node finishes, ``draft_token`` while an
        LLM writes (before verification), then ``token`` pieces of the final, verified
        answer and one ``answer`` event with the full :class:`Answer` dict.
        ``thread_id``, ``history`` and ``cancel`` as in :meth:`ask`."""
        from agent.graphs.result import to_answer

        graph, config, state = self._run_args(question, thread_id, history)
        final: dict[str, Any] = {}
        for mode, chunk in graph.stream(
            state,
            config,
            context=self._graph_context,
            stream_mode=["updates", "messages", "values"],
        ):
            _check_not_cancelled(cancel)
            if mode == "values":
                final = chunk
            elif mode == "updates":
                for node, update in chunk.items():
                    yield {"type": "node", "node": node, "steps": (update or {}).get("steps", [])}
            else:
                message, meta = chunk
                text = message.content if isinstance(message.content, str) else ""
                if text and meta.get("langgraph_node") in ANSWERING_NODES:
                    yield {"type": "draft_token", "node": meta["langgraph_node"], "text": text}
        answer = to_answer(final)
        for piece in re.findall(r"\S+\s*", answer.answer):
            yield {"type": "token", "text": piece}
        yield {"type": "answer", "answer": answer.to_dict()}

    def ingest(
        self, paths: Sequence[str | Path] | str | Path, *, prune: bool = False, progress=None
    ) -> IngestReport:  # type: ignore[no-untyped-def]
        """Add or update files and folders; with ``prune``, drop files gone from the folders."""
        if isinstance(paths, str | Path):
            paths = [paths]
        return self.pipeline().run(list(paths), prune=prune, progress=progress)

    def reindex(self, *, force: bool = False, progress=None):  # type: ignore[no-untyped-def]
        """Re-embed the collection's stored chunks with the configured model (one commit).

        For a collection built with another model (EmbeddingModelMismatch says so): its
        chunk texts are embedded again, nothing is parsed. Returns a ReindexReport.
        """
        from ingestion.index import open_store
        from ingestion.index.reindex import reindex

        self.close()
        self.__dict__.pop("index", None)
        self.__dict__.pop("retriever", None)
        self.__dict__.pop("_graph_context", None)
        self.__dict__.pop("_graphs", None)
        settings = self.settings
        store = open_store(settings.store_location, settings.home, settings.collection, model=None)
        try:
            return reindex(store, self.embedder, force=force, progress=progress)
        finally:
            store.close()

    def remove(self, sources: Sequence[str | Path]) -> int:
        """Remove documents by source path from both indexes; returns how many were stored."""
        stored = self.index.documents()
        wanted = [str(Path(s).expanduser().resolve()) for s in sources]
        present = [s for s in wanted if s in stored]
        self.index.commit([], removals=present)
        return len(present)

    def retrieve(self, query: str, k: int = 5, *, mode: str = "hybrid") -> list[Hit]:
        """The ``k`` chunks that best match ``query`` (hybrid BM25 + dense by default)."""
        return self.retriever.retrieve(query, k, mode=mode)  # type: ignore[arg-type]

    def stats(self) -> dict[str, Any]:
        """Documents, chunks and vectors in the collection, and where it lives."""
        return {
            "collection": self.settings.collection,
            "path": self.index.location,
            **self.index.counts(),
        }

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()
        checkpointer = self.__dict__.pop("_checkpointer", None)
        if checkpointer is not None:
            self.__dict__.pop("_graphs", None)
            checkpointer.close()


class QuestionCancelled(RuntimeError):
    """The caller cancelled the question (its deadline passed) while Veraz answered it."""


def _check_not_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise QuestionCancelled("the question was cancelled before it was answered")


def _history_entries(history: Sequence[Turn]) -> list[dict[str, Any]]:
    """Caller-kept turns in the shape the graph's thread memory has (see finalize)."""
    from agent.graphs.nodes.contextualize import question_language

    entries: list[dict[str, Any]] = []
    for turn in history:
        question = turn.question.strip()
        entries.append(
            {
                "question": question,
                "standalone": question,
                "answer": turn.answer,
                "language": question_language(question, entries),
            }
        )
    return entries
