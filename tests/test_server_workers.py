"""``veraz serve --workers 2``: answers stay consistent while one worker ingests.

Two worker processes share the collection through the files under VERAZ_HOME (SQLite WAL
+ FAISS generations). While an upload is ingested by one of them, clients keep asking
and retrieving over new connections (the kernel hands them to either worker): every
answer is cited and verified, every hit comes from a file that exists, and afterwards
both workers see the new documents. Metrics are summed over both workers.
"""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path

import httpx
import pytest
from small_corpus import write_corpus
from test_server import metric_values
from veraz_server import RunningServer, running_server

from agent import Veraz
from agent.server.keys import KeyStore

FILES = 12
QUESTION = "¿Qué formato guarda modelos cuantizados?"


def _workers_ready(server: RunningServer, wanted: int, timeout: float = 180) -> set[str]:
    """Worker pids that answered /readyz with 200, until ``wanted`` of them did."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < wanted and time.monotonic() < deadline:
        response = httpx.get(server.url + "/readyz", timeout=5)  # a new connection each time
        if response.status_code == 200:
            seen.add(response.headers["x-veraz-worker"])
        time.sleep(0.05)
    assert len(seen) == wanted, f"only workers {seen} became ready"
    return seen


@pytest.mark.slow
def test_two_workers_answer_consistently_while_one_ingests(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    home = tmp_path / "home"
    rag = Veraz(home=home)
    assert rag.ingest([docs]).failed == []
    rag.close()
    _, key = KeyStore.for_home(home).create()
    headers = {"Authorization": f"Bearer {key}"}
    uploads = [
        ("files", (f"nota{i:02d}.md", f"# Nota {i}\n\nEl adaptador {i} usa rango {i * 4}.\n"))
        for i in range(FILES)
    ]
    origin = "http://localhost:3000"
    with running_server(home, "--workers", "2", "--cors-origin", origin) as server:
        workers = _workers_ready(server, 2)
        errors: list[str] = []
        asked: dict[str, int] = {}  # answers per worker
        sent = {"/v1/ask": 0, "/v1/retrieve": 0}  # successful requests per route
        spans: list[tuple[float, float]] = []  # when each successful request ran
        lock = threading.Lock()
        done = threading.Event()

        def client(number: int) -> None:
            while not done.is_set():
                began = time.monotonic()
                try:
                    route = "/v1/ask" if number % 2 else "/v1/retrieve"
                    if number % 2:
                        response = httpx.post(
                            server.url + "/v1/ask",
                            json={"question": QUESTION},
                            headers=headers,
                            timeout=120,
                        )
                        answer = response.json()
                        assert response.status_code == 200, answer
                        assert answer["verification"]["grounded"] and answer["citations"]
                        assert answer["citations"][0]["source"].endswith("cuantizacion.md")
                    else:
                        response = httpx.post(
                            server.url + "/v1/retrieve",
                            json={"query": "adaptador rango", "k": 5},
                            headers=headers,
                            timeout=120,
                        )
                        assert response.status_code == 200, response.text
                        for hit in response.json()["hits"]:
                            # over HTTP a source is shown relative to its source folder (an
                            # upload by its file name), never as a server path (issue 20)
                            shown = Path(hit["source"])
                            assert not shown.is_absolute() and hit["text"]
                            uploaded = home / "uploads" / "default" / shown
                            assert (docs / shown).is_file() or uploaded.is_file(), shown
                    worker = response.headers["x-veraz-worker"]
                    with lock:
                        asked[worker] = asked.get(worker, 0) + 1
                        sent[route] += 1
                        spans.append((began, time.monotonic()))
                except Exception:
                    errors.append(traceback.format_exc())
                    return

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        ingest_began = time.monotonic()
        ingest = httpx.post(server.url + "/v1/ingest", files=uploads, headers=headers, timeout=300)
        ingest_ended = time.monotonic()
        time.sleep(1.0)
        done.set()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == [], errors[0]
        report = ingest.json()
        assert ingest.status_code == 200 and report["added"] == FILES and not report["failed"]
        assert set(asked) == workers, asked  # both workers answered
        # and nobody waited for the ingest: requests began and ended while it ran
        assert any(ingest_began <= a and b <= ingest_ended for a, b in spans)

        # Afterwards every worker finds the new documents.
        found: dict[str, bool] = {}
        for _ in range(200):
            response = httpx.post(
                server.url + "/v1/retrieve",
                json={"query": "adaptador 7 rango 28", "k": 1},
                headers=headers,
                timeout=60,
            )
            sent["/v1/retrieve"] += 1
            found[response.headers["x-veraz-worker"]] = response.json()["hits"][0][
                "source"
            ].endswith("nota07.md")
            if set(found) == workers:
                break
        assert found == dict.fromkeys(workers, True)

        # /metrics sums both workers, whichever of them answers the scrape
        metrics = metric_values(httpx.get(server.url + "/metrics").text)
        for route, count in sent.items():
            series = ("veraz_http_requests_total", ("method", "POST"), ("route", route))
            assert metrics[(*series, ("status", "200"))] == count, route

        allowed = httpx.options(
            server.url + "/v1/chat/completions",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        other = httpx.options(
            server.url + "/v1/chat/completions",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["access-control-allow-origin"] == origin
        assert "access-control-allow-origin" not in other.headers
