"""End to end in a real browser: ``veraz ui``'s server on 127.0.0.1, Debian's chromium
headless, driven by Playwright.

AppTest runs the script without a browser; this test proves the page itself works: the
websocket, the chat box, the streamed answer, the badge and a citation popover with the
supporting sentence highlighted. It saves a screenshot under the test's tmp dir (and,
with VERAZ_UI_SCREENSHOT=path, copies it there: that is how docs/ui.png is made).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import Veraz
from agent.samples import samples_dir
from ui.launch import streamlit_command, ui_environment

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
QUESTION = "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="needs Debian's chromium (apt-get install chromium); .ci/run installs it",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy in {seconds} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The UI as ``veraz ui --no-browser`` serves it, over an index of the samples."""
    home = tmp_path_factory.mktemp("ui_browser_home")
    rag = Veraz(home=home, collection="default")
    assert not rag.ingest([samples_dir()]).failed
    rag.close()
    port = _free_port()
    log = (home / "streamlit.log").open("wb")
    env = ui_environment(home)
    env.pop("VERAZ_COLLECTION", None)
    env.pop("VERAZ_MODEL", None)
    env.pop("VERAZ_FALLBACK_MODEL", None)
    process = subprocess.Popen(
        streamlit_command(port),
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_question_in_a_real_browser(server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page(locale="es-ES", viewport={"width": 1400, "height": 1000})
            page.goto(server)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=60_000)
            sync_api.expect(page.get_by_text("Respuestas con fuentes")).to_be_visible()
            box.fill(QUESTION)
            box.press("Enter")

            chat = page.get_by_test_id("stChatMessage")
            sync_api.expect(chat.get_by_text("verificada", exact=True)).to_be_visible(
                timeout=90_000
            )
            sync_api.expect(chat.get_by_text("48 GB").first).to_be_visible()
            # The page reruns once the answer is saved (the sidebar then lists the thread);
            # a popover opened before that rerun would close with it.
            sync_api.expect(page.get_by_text("Esta conversación:")).to_be_visible(timeout=30_000)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=stStatusWidget] button')"
            )
            citation = page.get_by_role("button", name="lora_qlora.es.pdf", exact=False)
            sync_api.expect(citation.first).to_be_visible()
            citation.first.click()
            mark = page.locator("mark.veraz-support")
            sync_api.expect(mark.first).to_be_visible(timeout=10_000)
            # The answer cites one passage for two sentences (who presented QLoRA, and the
            # 48 GB figure): some highlighted sentence of that passage holds the figure.
            marked = " ".join(mark.nth(i).inner_text() for i in range(mark.count()))
            assert "48 GB" in marked or "48 GB" in mark.first.locator("xpath=..").inner_text()

            shot = tmp_path / "ui.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            wanted = os.environ.get("VERAZ_UI_SCREENSHOT")
            if wanted:
                Path(wanted).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, wanted)
        finally:
            browser.close()
