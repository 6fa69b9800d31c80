"""Text cleanup every format goes through: encoding damage repaired, Unicode and spaces tidied.

Line structure is kept on purpose: Markdown list markers, table pipes, fenced code and
indentation reach the chunker (and the answerer, which reads that structure) as written.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

__all__ = ["clean_text", "clean_title"]

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_HSPACE_RUN_RE = re.compile(r"(?<=\S)[^\S\n]{2,}|[^\S\n ]")
_TRAILING_SPACE_RE = re.compile(r"[^\S\n]+\n")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Repair mojibake, normalise to NFC and tidy whitespace, keeping line structure.

    ``ftfy`` undoes both UTF-8-read-as-Latin-1 ("OptimizaciÃ³n") and UTF-8-read-as-Mac-Roman
    ("Optimizaci√≥n"). Runs of spaces collapse to one, but leading indentation survives so
    code blocks in Markdown still read as code.
    """
    text = ftfy.fix_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _HSPACE_RUN_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def clean_title(title: str) -> str:
    """Titles are single lines: clean them like text and fold line breaks into spaces."""
    return " ".join(clean_text(title).split())
