"""The bundled sample corpus: Spanish and English documents about LLMs, and questions on them.

Used by ``veraz demo``, the evaluation examples, the benchmarks and the tests, so it lives
here rather than in the CLI.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def samples_dir() -> Path:
    """The folder of sample documents (PDF, DOCX, HTML, Markdown, text; es and en)."""
    return _HERE / "docs"


def sample_questions() -> Path:
    """The sample questions (JSONL: question, ground_truth, reference_sources)."""
    return _HERE / "questions.jsonl"
