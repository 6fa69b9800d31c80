"""``GET /metrics``: Prometheus text for requests, latencies and what answers turned out to be.

With ``--workers N`` each worker is its own process, and a scrape reaches only one of
them. ``veraz serve`` therefore sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder)
before any worker starts; prometheus_client then keeps every worker's values in
memory-mapped files there and ``/metrics`` sums them, whichever worker answers. Without
that variable (one process, e.g. ``uvicorn --factory`` by hand) values live in memory.

Labels are bounded on purpose: the route template (never the raw path), the status
code, the verdict; never a collection, key or question.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from agent.types import Answer

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


def answer_verdict(answer: Answer) -> str:
    """verified / partly_verified / not_verified / abstained: the badge the UI shows."""
    if answer.abstained:
        return "abstained"
    if answer.verification.grounded and not answer.verification.unsupported:
        return "verified"
    return "partly_verified" if answer.verification.grounded else "not_verified"


class ServerMetrics:
    """The server's counters and histograms, registered in a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "veraz_http_requests_total",
            "HTTP requests by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "veraz_http_request_duration_seconds",
            "Time from request to the end of the response, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "veraz_answers_total",
            "Answers by verdict: verified, partly_verified, not_verified, abstained.",
            ["verdict"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "veraz_answers_fallback_total",
            "Answers the fallback model gave because the primary failed or was not supported.",
            registry=self.registry,
        )
        self.answer_latency = Histogram(
            "veraz_answer_duration_seconds",
            "Time spent answering inside Veraz (the graph), without HTTP.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "veraz_ingested_files_total",
            "Files sent to /v1/ingest by result: added, updated, unchanged, failed.",
            ["result"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "veraz_auth_failures_total",
            "Requests refused: missing or unknown key (401), collection not allowed (403).",
            ["status"],
            registry=self.registry,
        )

    def observe_answer(self, answer: Answer, seconds: float) -> None:
        self.answers.labels(answer_verdict(answer)).inc()
        if answer.fallback_used:
            self.fallbacks.inc()
        self.answer_latency.observe(seconds)

    def render(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(merged)
        return generate_latest(merged)
