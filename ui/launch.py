"""Start the Streamlit server for ``veraz ui`` and wait for it.

Streamlit must own its process (it installs signal handlers and runs its own event
loop), so the UI runs as ``python -m streamlit run ui/app.py`` in a child process bound
to 127.0.0.1: the app reads the user's documents and must not be reachable from the
network unless the user puts it there on purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, open_browser: bool) -> list[str]:
    """The command line that serves the app on 127.0.0.1:``port``."""
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
        "false" if open_browser else "true",
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


def run_ui(port: int, home: Path | None, open_browser: bool) -> None:
    """Serve the UI until the user stops it (Ctrl+C); exits with Streamlit's status."""
    process = subprocess.Popen(streamlit_command(port, open_browser), env=ui_environment(home))
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    if code not in (0, -2, 130):
        raise SystemExit(code)
