"""What one worker process holds while it serves: keys, engines, metrics, readiness."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from agent.api import Veraz
from agent.config import Settings
from agent.server.config import ServerSettings
from agent.server.engines import Engines
from agent.server.keys import KeyStore
from agent.server.metrics import ServerMetrics
from agent.server.thread_retention import ThreadRetention

logger = logging.getLogger("veraz.server")


@dataclass
class ServerState:
    settings: Settings
    server: ServerSettings
    keys: KeyStore
    engines: Engines
    metrics: ServerMetrics
    threads: ThreadRetention
    ready: threading.Event = field(default_factory=threading.Event)
    warm_up_error: str = ""
    _ingest_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, server: ServerSettings) -> ServerState:
        return cls(
            settings=settings,
            server=server,
            keys=KeyStore.for_home(settings.home),
            engines=Engines(settings, server.models),
            metrics=ServerMetrics(),
            threads=ThreadRetention(settings, server.max_threads_per_key),
        )

    async def engine(
        self,
        collection: str,
        answer_model: str | None = None,
        fallback_model: str | None = None,
        *,
        param: str = "collection",
        models_in: str = "veraz.",
    ) -> Veraz:
        """The Veraz for a request: from the cache at once, or built on a worker thread."""
        cached = self.engines.cached(collection, answer_model, fallback_model, models_in)
        if cached is not None:
            return cached
        return await run_in_threadpool(
            self.engines.get,
            collection,
            answer_model,
            fallback_model,
            param=param,
            models_in=models_in,
        )

    def ingest_lock(self, collection: str) -> threading.Lock:
        """One ingestion at a time per collection in this worker (the index's own file
        lock orders commits between workers and other processes)."""
        with self._locks_guard:
            return self._ingest_locks.setdefault(collection, threading.Lock())

    def warm_up(self) -> None:
        """Open the default collection (loading the embedding model) before traffic comes;
        /readyz answers 503 until this has finished."""
        try:
            if self.settings.collection in self.engines.existing():
                # the first search loads what a query needs (FAISS generation, tables)
                self.engines.get(self.settings.collection).retrieve("warm-up", 1)
            else:  # nothing to open yet: load the embedding model for the first ingest
                Veraz(settings=self.settings).embedder.encode(["warm-up"])
        except Exception as exc:  # /readyz says so; requests get their own error
            self.warm_up_error = "warm-up failed; the server log has the cause"
            logger.error("warm-up failed: %s: %s", type(exc).__name__, exc)
        finally:
            self.ready.set()
