"""Start a real ``veraz serve`` on 127.0.0.1 for a test, and stop it.

The server runs as its own process, exactly as a user starts it (``veraz serve …``),
with its stderr (uvicorn's messages and the access log) in a file the test can read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from wire import closed_port

# Variables of the environment that would point the server's models somewhere else.
_PROVIDER_VARIABLES = (
    "OLLAMA_HOST",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "PROMETHEUS_MULTIPROC_DIR",
)


@dataclass
class RunningServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as ``base_url``."""
        return self.url + "/v1"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"veraz serve exited ({server.process.returncode}):\n{server.log()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"veraz serve was not ready after {timeout:.0f} s:\n{server.log()}")


@contextlib.contextmanager
def running_server(
    home: Path,
    *args: str,
    env: dict[str, str] | None = None,
    ready_timeout: float = 180,
) -> Iterator[RunningServer]:
    """``veraz serve --home HOME --port <free> ARGS…`` until the block ends (then SIGTERM)."""
    port = closed_port()
    log_path = home.parent / f"serve-{port}.log"
    environment = {k: v for k, v in os.environ.items() if k not in _PROVIDER_VARIABLES}
    environment.update(env or {})
    command: Sequence[str] = [sys.executable, "-m", "agent.cli", "serve"]
    command = [*command, "--home", str(home), "--port", str(port), *args]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=home.parent
        )
    server = RunningServer(f"http://127.0.0.1:{port}", home, process, log_path)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
