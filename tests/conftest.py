"""Shared test setup: the suite runs offline, as Veraz does in production.

Set at import time, before any test module imports a library that reads these variables once.

The embedding cache is shared by every test of a session (VERAZ_EMBEDDING_CACHE): the
suite ingests the same small corpora many times, and the default multilingual-e5-small
embeds about 4x slower than MiniLM did. Each text is embedded once per session; the
vectors are the ones the product computes. Tests that count what a run embeds give their
Veraz a cache of its own.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

if "VERAZ_EMBEDDING_CACHE" not in os.environ:
    _cache_dir = tempfile.mkdtemp(prefix="veraz-tests-cache-")
    atexit.register(shutil.rmtree, _cache_dir, ignore_errors=True)
    os.environ["VERAZ_EMBEDDING_CACHE"] = os.path.join(_cache_dir, "embeddings.sqlite")


import pytest


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL 16 + pgvector server for the whole session (tests/postgres_server.py)."""
    from postgres_server import start_server

    server, url = start_server(tmp_path_factory.mktemp("postgres"))
    yield url
    server.cleanup()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def store_setting(request: pytest.FixtureRequest) -> str:
    """VERAZ_STORE for each backend: tests taking it run once per store."""
    if request.param == "sqlite":
        return "sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def shown_answer():  # type: ignore[no-untyped-def]
    """``shown_answer(question, language, text)``: what the graph would show for a
    question over one passage with the offline default — the grader, the extractive
    answerer and the "does it answer?" check, real, as the graph runs them — or "" where
    it would abstain."""
    from agent.tools.extractive import ExtractiveAnswerer
    from agent.tools.relevance import relevant
    from agent.tools.unit_scoring import Passage
    from agent.tools.verification.answers_question import answers_question
    from ingestion.embedding import Embedder

    answerer = ExtractiveAnswerer(Embedder())

    def shown(question: str, language: str, text: str) -> str:
        passages = [Passage(text, "", "notes")]
        if not any(relevant(question, language, passages)):
            return ""
        answer = answerer.answer(question, language, passages).text
        return answer if answers_question(question, answer, language, [text]).answers else ""

    return shown
