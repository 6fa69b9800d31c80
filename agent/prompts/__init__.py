"""Prompt templates, one file per task and language (``es/`` and ``en/``).

Prompts are text, not code: keeping them in files lets a reviewer read and translate
them without touching Python. Placeholders use ``str.format`` names, e.g. ``{question}``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).parent
LANGUAGES = ("es", "en")


@lru_cache(maxsize=64)
def _template(name: str, language: str) -> str:
    lang = language if language in LANGUAGES else "en"
    path = _DIR / lang / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} for language {lang!r} ({path})")
    return path.read_text(encoding="utf-8")


def render(name: str, language: str, **values: str) -> str:
    """The prompt ``name`` in ``language`` (English for other languages), filled in."""
    return _template(name, language).format(**values)
