"""Text analysis of a bulk load on several connections at once.

Analysing a chunk into its keys (schema.py's ``analyse``: two ``to_tsvector`` passes,
accent folding, counting) is three quarters of a bulk load's row time, and PostgreSQL
runs an ``INSERT … SELECT`` on one backend, so a load used one core of the server
whatever its size. Parallel query does not help here: PostgreSQL plans the analysis as a
parallel scan only for ``CREATE TABLE … AS``, and measured on 20k chunks (2 cores) it took
16.3 s against 19.3 s serial, while two connections analysing half each took 9.8 s
against 9.7 s for one half alone.

So the bulk path sends each batch's texts to a pool of connections that only compute
(``SELECT analyse(…)`` over arrays: they read and write no table), takes their keys back
as JSON text, and writes them with the rows in its own transaction. The load stays one
transaction, so all-or-nothing, with nothing left behind by a crash; the price is that
the texts cross the wire twice and the keys once.
"""

from __future__ import annotations

import logging
import os
import queue
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from ingestion.cores import usable_cores
from ingestion.index.postgres import schema
from ingestion.index.postgres.connection import connect
from ingestion.index.store import StoreUnavailable

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger("veraz.index")

MAX_CONNECTIONS = 8
"""Connections the pool opens at most: past the server's cores they only queue."""

CONNECTIONS_VARIABLE = "VERAZ_ANALYSIS_CONNECTIONS"
"""Sets the pool's size (0 to ``MAX_CONNECTIONS``); 0 analyses in the load's own
transaction, on one backend, as every incremental ingest does."""

SLICE_CHUNKS = 500
"""Chunks per statement: small enough to spread a batch over every connection, large
enough that the round trip is a small part of the analysis (about 1 ms a chunk)."""

Analysed = tuple[str, int]
"""A chunk's keys as JSON text (``{"key": count, …}``) and their total count."""


def wanted_connections() -> int:
    """``VERAZ_ANALYSIS_CONNECTIONS`` if set, else one connection per core of this
    machine, at least 2 and at most ``MAX_CONNECTIONS``.

    PostgreSQL does not tell a client how many cores the server has; a bulk load runs
    where its embeddings are computed, which is sized like the database in the setups this
    serves (one machine, or an ingest machine beside a database of its class). A server
    with fewer cores only queues the extra statements."""
    raw = os.environ.get(CONNECTIONS_VARIABLE, "").strip()
    if not raw:
        return max(2, min(MAX_CONNECTIONS, usable_cores()))
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_CONNECTIONS:
        raise ValueError(
            f"{CONNECTIONS_VARIABLE}={raw!r}: expected a whole number from 0 to"
            f" {MAX_CONNECTIONS} (connections that analyse a bulk load's texts)"
        )
    return int(raw)


class PendingKeys:
    """The keys of a batch while its slices are analysed."""

    def __init__(self, slices: list[Future[list[Analysed]]]) -> None:
        self._slices = slices

    def result(self) -> list[Analysed]:
        """Every slice's keys in order, once all are done; the first failure is raised."""
        return [row for part in self._slices for row in part.result()]


class AnalysisPool:
    """Connections to ``url`` that analyse texts with the ``analyse`` function of schema
    ``schema_name``; ``analyse`` spreads a batch over them and returns its pending keys.

    The connections are opened up front, and as many as the server grants are kept: a
    role's ``CONNECTION LIMIT`` or a nearly full server gives a smaller pool, or none
    (``connections`` 0: the caller analyses in its own transaction), never a failed load.
    """

    def __init__(self, url: str, schema_name: str, connections: int | None = None) -> None:
        self._sql = (
            f"SELECT keys::text, {schema.term_count_of('keys')}::int"
            f' FROM (SELECT "{schema_name}".analyse(config::regconfig, body) AS keys, n'
            "       FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t(config, body, n)"
            "       OFFSET 0) AS analysed ORDER BY n"
        )
        wanted = wanted_connections() if connections is None else connections
        self._opened: list[psycopg.Connection] = []
        for _ in range(wanted):
            try:
                self._opened.append(connect(url))
            except StoreUnavailable as exc:
                logger.warning(
                    "bulk load: %d of %d analysis connections opened, going on with those (%s)",
                    len(self._opened),
                    wanted,
                    exc,
                )
                break
        self.connections = len(self._opened)
        self._idle: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()
        for db in self._opened:
            self._idle.put(db)
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, self.connections), thread_name_prefix="veraz-analysis"
        )

    def analyse(self, configs: Sequence[str], bodies: Sequence[str]) -> PendingKeys:
        """The keys of each body in its text-search configuration, computed in slices of
        ``SLICE_CHUNKS`` on the pool's connections; ``result()`` gives them in order."""
        if not self.connections:
            raise RuntimeError("the analysis pool has no connection: analyse in the load")
        return PendingKeys(
            [
                self._executor.submit(
                    self._analyse_slice,
                    list(configs[start : start + SLICE_CHUNKS]),
                    list(bodies[start : start + SLICE_CHUNKS]),
                )
                for start in range(0, len(bodies), SLICE_CHUNKS)
            ]
        )

    def _analyse_slice(self, configs: list[str], bodies: list[str]) -> list[Analysed]:
        # One statement per connection at a time: a slice takes an idle connection.
        db = self._idle.get()
        try:
            rows = db.execute(self._sql, (configs, bodies)).fetchall()
        finally:
            self._idle.put(db)
        return [(keys, int(count)) for keys, count in rows]

    def close(self) -> None:
        """Wait for the statements under way, then close every connection."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        opened, self._opened = self._opened, []
        for db in opened:
            db.close()

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
