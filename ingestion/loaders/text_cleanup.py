"""Text cleanup every format goes through: encoding damage repaired, Unicode and spaces tidied.

Texts that belong to one document are cleaned together (:func:`clean_texts`): the mojibake
ftfy leaves is repaired first, under one diagnosis for all of them
(:mod:`ingestion.loaders.mojibake`), so a section with clear evidence lets a doubtful word
in another be repaired. Then each text gets ftfy, NFC, invisible characters removed and
whitespace tidied.

Line structure is kept on purpose: Markdown list markers, table pipes, fenced code and
indentation reach the chunker (and the answerer, which reads that structure) as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import ftfy

from ingestion.loaders.mojibake import repair_mojibake

__all__ = ["clean_text", "clean_texts", "clean_title", "fold_title"]

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_HSPACE_RUN_RE = re.compile(r"(?<=\S)[^\S\n]{2,}|[^\S\n ]")
# ``(?<![^\S\n])``: a run of spaces is tried from its start only; tried from each space, a
# long run with no newline after it was read once per space (quadratic, issue 20)
_TRAILING_SPACE_RE = re.compile(r"(?<![^\S\n])[^\S\n]+\n")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def clean_texts(texts: Sequence[str]) -> list[str]:
    """Clean texts of one document: repair mojibake, normalise to NFC, tidy whitespace.

    Mac Roman and Windows-1252 mojibake is repaired word by word first ("est√°", "Ã’"):
    ftfy leaves much of it, and on a line that mixes it with clean accented words it
    mis-repairs parts of it; its quote straightening would also destroy the "’" of "Ã’".
    Then ``ftfy`` undoes the rest, such as UTF-8 read as Latin-1 ("OptimizaciÃ³n"), HTML
    entities and curly quotes. Runs of spaces collapse to one, but leading indentation
    survives so code blocks in Markdown still read as code.
    """
    unified = [text.replace("\r\n", "\n").replace("\r", "\n") for text in texts]
    return [_tidy(text) for text in repair_mojibake(unified)]


def _tidy(text: str) -> str:
    # blank lines collapse first: ftfy reads line by line, ~0.1 ms each
    text = ftfy.fix_text(_BLANK_LINES_RE.sub("\n\n", text))
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _HSPACE_RUN_RE.sub(" ", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def clean_text(text: str) -> str:
    """Clean one text that stands alone (:func:`clean_texts` of just it)."""
    return clean_texts([text])[0]


def fold_title(cleaned: str) -> str:
    """Titles are single lines: fold the line breaks of a cleaned text into spaces."""
    return " ".join(cleaned.split())


def clean_title(title: str) -> str:
    """A title that stands alone, cleaned like text and folded onto one line."""
    return fold_title(clean_text(title))
