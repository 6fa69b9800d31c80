"""Start the Streamlit server for ``veraz ui``, wait for it, and open the browser ourselves.

Streamlit must own its process (it installs signal handlers and runs its own event
loop), so the UI runs as ``python -m streamlit run ui/app.py`` in a child process bound
to 127.0.0.1: the app reads the user's documents and must not be reachable from the
network unless the user puts it there on purpose.

The child always runs headless. A non-headless Streamlit that has never run on the
machine (no ``~/.streamlit/credentials.toml``) first prints a "Welcome… Email:" prompt
and waits on stdin: under a service manager, over SSH without a TTY or with stdin closed
the server never came up. So Veraz opens the browser itself, once the server answers
its health check.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path

APP = Path(__file__).with_name("app.py")
HEALTH_TIMEOUT_S = 120.0


def streamlit_command(port: int) -> list[str]:
    """The command line that serves the app on 127.0.0.1:``port``, never prompting."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--browser.serverAddress",
        "127.0.0.1",
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "none",
    ]


def ui_environment(home: Path | None) -> dict[str, str]:
    """The child's environment: VERAZ_HOME when given, the project importable, no telemetry."""
    env = dict(os.environ)
    if home is not None:
        env["VERAZ_HOME"] = str(Path(home).expanduser().resolve())
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """Poll Streamlit's health endpoint until it answers "ok", the child exits, or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _open_when_ready(url: str, process: subprocess.Popen) -> None:
    if wait_until_healthy(url, process, HEALTH_TIMEOUT_S):
        # No browser on this machine: the URL is printed already.
        with contextlib.suppress(webbrowser.Error):
            webbrowser.open(url, new=2)


def run_ui(port: int, home: Path | None, open_browser: bool) -> None:
    """Serve the UI until the user stops it (Ctrl+C); exits with Streamlit's status."""
    process = subprocess.Popen(
        streamlit_command(port), env=ui_environment(home), stdin=subprocess.DEVNULL
    )
    if open_browser:
        url = f"http://127.0.0.1:{port}"
        threading.Thread(target=_open_when_ready, args=(url, process), daemon=True).start()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A service manager stops `veraz ui` with SIGTERM: the server goes with it, not orphaned.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code not in (0, -2, -15, 130):
        raise SystemExit(code)
