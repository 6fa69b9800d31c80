"""``veraz bench serve``: a loopback load test of ``veraz serve`` with the ``extractive`` model.

The sample corpus is ingested into a temporary home, then for each worker count a real
``veraz serve`` process is started on a free 127.0.0.1 port and driven by HTTP clients
(httpx, one keep-alive connection each) through ``POST /v1/chat/completions``:

* **sequential**: every sample question once, one at a time. Each response's
  ``Server-Timing`` says how long Veraz itself answered inside the server, so the
  server's own overhead (HTTP, JSON, auth, thread hand-off, footnotes) is measured per
  request: client latency minus that time. The same questions are also asked in this
  process through ``Veraz.ask``, the in-process baseline.
* **load**: ``clients`` concurrent clients × ``questions`` each, bounded by a time limit
  (the run stops by itself), for p50/p95 latency, throughput and errors.

Timings on a shared machine are noisy; the overhead is a per-request difference taken
within one response, which the noise mostly cancels.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

QUESTIONS = Path(__file__).resolve().parent.parent / "agent" / "samples" / "questions.jsonl"
READY_TIMEOUT_S = 300


def _p(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _server(home: Path, workers: int) -> Iterator[str]:
    """``veraz serve`` with ``workers`` processes; yields its URL once every worker is ready."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "agent.cli", "serve", "--home", str(home)]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_ready(process, url, workers, log)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, workers: int, log: Any) -> None:
    """Until ``workers`` distinct worker processes have answered /readyz with 200."""
    import httpx

    ready: set[str] = set()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while len(ready) < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"veraz serve did not become ready:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(url + "/readyz", timeout=5)  # a new connection each time
            if response.status_code == 200:
                ready.add(response.headers["x-veraz-worker"])
        time.sleep(0.05)


def _chat(client: Any, question: str) -> tuple[float, float | None, bool]:
    """(client latency ms, time inside Veraz ms, ok) of one chat completion."""
    body = {"model": "veraz:default", "messages": [{"role": "user", "content": question}]}
    started = time.perf_counter()
    try:
        response = client.post("/v1/chat/completions", json=body)
    except Exception:
        return (time.perf_counter() - started) * 1000, None, False
    latency = (time.perf_counter() - started) * 1000
    ok = response.status_code == 200 and bool(response.json()["choices"][0]["message"]["content"])
    timing = response.headers.get("server-timing", "")
    inside = float(timing.split("dur=", 1)[1]) if "dur=" in timing else None
    return latency, inside, ok


def _load(
    url: str, key: str, questions: list[str], clients: int, per_client: int, time_limit_s: float
) -> dict[str, Any]:
    """``clients`` threads × ``per_client`` questions, stopping at ``time_limit_s``."""
    import httpx

    latencies: list[float] = []
    errors = 0
    sent = 0
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit_s

    def run(number: int) -> None:
        nonlocal errors, sent
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            for i in range(per_client):
                if time.monotonic() > deadline:
                    return
                question = questions[(number * per_client + i) % len(questions)]
                latency, _, ok = _chat(client, question)
                with lock:
                    sent += 1
                    if ok:
                        latencies.append(latency)
                    else:
                        errors += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": sent,
        "errors": errors,
        "stopped_by_time_limit": sent < clients * per_client,
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 2) if wall else 0.0,
        "latency_ms": {"p50": _p(latencies, 50), "p95": _p(latencies, 95)},
    }


def _sequential(url: str, key: str, questions: list[str]) -> dict[str, Any]:
    import httpx

    latencies, overheads, inside_ms = [], [], []
    errors = 0
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for question in questions:
            latency, inside, ok = _chat(client, question)
            if not ok or inside is None:
                errors += 1
                continue
            latencies.append(latency)
            inside_ms.append(inside)
            overheads.append(latency - inside)
    return {
        "requests": len(questions),
        "errors": errors,
        "latency_ms": {"p50": _p(latencies, 50), "p95": _p(latencies, 95)},
        "inside_veraz_ms": {"p50": _p(inside_ms, 50), "p95": _p(inside_ms, 95)},
        "server_overhead_ms": {"p50": _p(overheads, 50), "p95": _p(overheads, 95)},
    }


def run_serve_benchmark(
    *,
    clients: int = 4,
    questions: int = 12,
    workers: tuple[int, ...] = (1, 2),
    time_limit_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    from agent.api import Veraz
    from agent.samples import samples_dir
    from agent.server.keys import KeyStore

    asked = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    say = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="veraz-serve-bench-") as tmp:
        home = Path(tmp) / "home"
        rag = Veraz(home=home)
        report = rag.ingest([samples_dir()])
        say("in-process baseline")
        rag.ask(asked[0])  # warm-up
        in_process = []
        for question in asked:
            started = time.perf_counter()
            rag.ask(question)
            in_process.append((time.perf_counter() - started) * 1000)
        rag.close()
        _, key = KeyStore.for_home(home).create(name="bench")
        result: dict[str, Any] = {
            "chunks": report.chunks,
            "model": "extractive",
            "endpoint": "POST /v1/chat/completions",
            "in_process_ask_ms": {"p50": _p(in_process, 50), "p95": _p(in_process, 95)},
            "workers": {},
        }
        for count in workers:
            say(f"{count} worker(s): starting")
            with _server(home, count) as url:
                warm = _sequential(url, key, asked)  # untimed pass: caches, FAISS in each worker
                del warm
                say(f"{count} worker(s): sequential")
                sequential = _sequential(url, key, asked)
                say(f"{count} worker(s): {clients} clients × {questions} questions")
                load = _load(url, key, asked, clients, questions, time_limit_s)
            http_p50 = sequential["latency_ms"]["p50"]
            base_p50 = result["in_process_ask_ms"]["p50"]
            sequential["p50_vs_in_process_ms"] = (
                round(http_p50 - base_p50, 2) if http_p50 is not None else None
            )
            result["workers"][str(count)] = {"sequential": sequential, "load": load}
    return result
