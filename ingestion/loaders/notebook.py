"""Jupyter notebooks (``.ipynb``): read as the Markdown ``nbconvert`` writes, outputs kept.

A notebook is JSON (nbformat 4): Markdown cells hold the notes, code cells the code, and
each code cell keeps what it printed. People who work with LLMs keep their experiments
this way ("r=8 macro_f1=0.836" is in an output, not in the text). The notebook is turned
into the Markdown an export would give — a Markdown cell as it is, a code cell as a
fenced block in the notebook's language, its text output as an indented block right
under it — so the answerer reads it as it reads an exported notebook
(agent/tools/answer_units.py ties each output line to the statement that printed it).
Images and HTML-only outputs are left out and the ingest report says how many; a long
log keeps its last lines, where a training run says how it ended.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ingestion.loaders.document import Section
from ingestion.loaders.errors import LoaderError, one_line_cause
from ingestion.loaders.markdown import markdown_sections
from ingestion.loaders.notes import note

__all__ = ["load_notebook", "notebook_markdown"]

MAX_OUTPUT_LINES = 200
"""Lines kept of one cell's output: a training log of 50,000 lines is not notes."""

_ANSI = re.compile(r"\x1b\[[0-9;?]{0,32}[A-Za-z]")  # terminal colours in logs and tracebacks
_BACKTICKS = re.compile(r"`{3,}")


def _text(value: Any, path: Path, where: str) -> str:
    """A notebook string: nbformat stores one as a string or a list of lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    if value is None:
        return ""
    raise LoaderError(path, f"not a readable Jupyter notebook: {where} is not text")


def _output_lines(outputs: Any, path: Path, cell: int) -> tuple[list[str], int]:
    """The text a code cell printed, line by line, and how many outputs had no text
    (images, HTML)."""
    if outputs is None:
        return [], 0
    if not isinstance(outputs, list):
        raise LoaderError(path, f"not a readable Jupyter notebook: cell {cell}'s outputs")
    lines: list[str] = []
    left_out = 0
    for output in outputs:
        if not isinstance(output, dict):
            raise LoaderError(path, f"not a readable Jupyter notebook: cell {cell}'s outputs")
        kind = output.get("output_type")
        where = f"cell {cell}'s output"
        if kind == "stream":
            text = _text(output.get("text"), path, where)
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if "text/plain" not in data:
                left_out += 1
                continue
            text = _text(data["text/plain"], path, where)
        elif kind == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        else:
            continue
        lines.extend(_ANSI.sub("", text).splitlines())
    return lines, left_out


def notebook_markdown(path: Path, data: bytes) -> str:
    """The Markdown an export of the notebook would be (see the module docstring)."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LoaderError(
            path, f"not a Jupyter notebook (invalid JSON: {one_line_cause(exc)})"
        ) from exc
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise LoaderError(
            path,
            'not a Jupyter notebook: no "cells" list (nbformat 4 is read; open and save '
            "an older notebook in Jupyter to convert it)",
        )
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    language = str(info.get("name") or "python").split()[0].lower()
    parts: list[str] = []
    left_out = cut = 0
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            raise LoaderError(path, f"not a readable Jupyter notebook: cell {number}")
        source = _text(cell.get("source"), path, f"cell {number}'s source").strip("\n")
        if cell.get("cell_type") != "code":
            parts.append(source)  # markdown and raw cells are the notes themselves
            continue
        if source.strip():
            longest = max((len(m[0]) for m in _BACKTICKS.finditer(source)), default=2)
            fence = "`" * (longest + 1)
            parts.append(f"{fence}{language}\n{source}\n{fence}")
        printed, images = _output_lines(cell.get("outputs"), path, number)
        left_out += images
        if len(printed) > MAX_OUTPUT_LINES:
            cut += 1
            printed = printed[-MAX_OUTPUT_LINES:]
        if printed and source.strip():
            parts.append("\n".join(f"    {line}" for line in printed))
    if left_out:
        note(f"{left_out} image or HTML output(s) of the notebook were left out")
    if cut:
        note(f"{cut} long output(s) of the notebook were cut to their last lines")
    return "\n\n".join(part for part in parts if part.strip())


def load_notebook(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the notebook's Markdown headings; its first heading is its title."""
    return markdown_sections(notebook_markdown(path, data))
