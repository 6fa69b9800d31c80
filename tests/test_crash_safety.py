"""SIGKILL at random moments of real ingest runs: the index always holds exactly the last
committed run, opens, answers, passes the doctor, and the next run completes."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent import Veraz
from agent.config import Settings
from agent.scheduling.runner import SourceRunner
from ingestion.doctor import check
from ingestion.run_log import RunLog
from ingestion.sources import SourceConfig

FILES = 50
KILLS = 20

RUN_SOURCE = """
import sys
from agent.config import Settings
from agent.scheduling.runner import SourceRunner
from ingestion.sources import SourceConfig

runner = SourceRunner(Settings(home=sys.argv[1]))
runner.veraz("default").index  # the model and the index are loaded before the clock starts
print("READY", flush=True)
record = runner.run(SourceConfig(name="docs", paths=[sys.argv[2]]), "schedule")
print("DONE", record.status, record.seconds, flush=True)
"""


def write_version(docs: Path, round_: int, rng: random.Random) -> dict[str, str]:
    """Rewrite every file for this round (one deleted, one new): a run has 50 files of work.

    Returns the state a completed run must leave: source path -> content hash.
    """
    for path in docs.glob("*.md"):
        path.unlink()
    numbers = sorted(rng.sample(range(FILES + 10), FILES))
    expected = {}
    for n in numbers:
        path = docs / f"nota{n:03d}.md"
        text = (
            f"# Nota {n}, ronda {round_}\n\n"
            f"En la ronda {round_} el sensor {n} marcó {n * 13 + round_} grados. "
            f"El lote {n} pertenece al almacén {round_ % 7}.\n"
        )
        path.write_text(text, encoding="utf-8")
        expected[str(path.resolve())] = hashlib.sha256(text.encode()).hexdigest()
    return expected


def start_run(home: Path, docs: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A source run in its own process, returned once it is about to start (READY)."""
    child = subprocess.Popen(
        [sys.executable, "-c", RUN_SOURCE, str(home), str(docs)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "READY"
    return child


def stored_state(home: Path) -> dict[str, str]:
    rag = Veraz(home=home)
    try:
        return {source: doc.content_hash for source, doc in rag.index.documents().items()}
    finally:
        rag.close()


@pytest.mark.slow
def test_sigkill_at_twenty_random_moments_of_a_fifty_file_run(tmp_path: Path) -> None:
    home, docs = tmp_path / "home", tmp_path / "docs"
    docs.mkdir()
    rng = random.Random(20)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    source = SourceConfig(name="docs", paths=[str(docs)])
    runner = SourceRunner(Settings(home=home))
    write_version(docs, -1, rng)
    assert runner.run(source, "once").added == FILES  # loads the model
    committed = write_version(docs, 0, rng)
    child = start_run(home, docs, env)
    done = child.stdout.readline().split()  # type: ignore[union-attr]
    child.wait(timeout=60)
    assert done[:2] == ["DONE", "ok"] and stored_state(home) == committed
    run_seconds = float(done[2])  # a 50-file run in a fresh process, model loaded
    outcomes = {"before commit": 0, "after commit": 0}

    for round_ in range(1, KILLS + 1):
        new = write_version(docs, round_, rng)
        child = start_run(home, docs, env)
        time.sleep(rng.uniform(0, 1.2 * run_seconds))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)

        state = stored_state(home)
        assert state in (committed, new), f"round {round_}: a mix of two runs"
        outcomes["after commit" if state == new else "before commit"] += 1
        rag = Veraz(home=home)
        health = check(rag.index)
        assert health.ok, health.to_dict()
        hit = rag.retrieve("¿Qué temperatura marcó el sensor 7?", k=1)
        assert hit and hit[0].text
        rag.close()

        finished = runner.run(source, "schedule")  # the next run completes
        assert finished.status == "ok", finished
        assert stored_state(home) == new
        committed = new

    runs = RunLog(home / "runs.sqlite").last_runs("docs", 2 * KILLS + 1)
    assert all(r.status in ("ok", "interrupted") for r in runs)
    assert outcomes["before commit"] >= 1, outcomes  # the kills did land mid-run
    print(f"kills: {outcomes}")
    runner.close()
