"""Jupyter notebooks: read as their Markdown export, outputs under their cells, and asked
through the real pipeline and graph (ingestion/loaders/notebook.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent import Veraz
from ingestion.loaders import LoaderError, load_document
from ingestion.loaders.notebook import MAX_OUTPUT_LINES


def _cell(kind: str, source: str | list[str], outputs: list[dict] | None = None) -> dict:
    cell: dict = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=1, outputs=outputs or [])
    return cell


def _notebook(cells: list[dict], language: str = "python") -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"language_info": {"name": language}},
            "cells": cells,
        }
    )


SWEEP = _notebook(
    [
        _cell("markdown", ["# LoRA sweep on the ticket classifier\n", "\n", "Run on the A10G."]),
        _cell(
            "code",
            ["import torch, transformers\n", "print(transformers.__version__)"],
            [{"output_type": "stream", "name": "stdout", "text": ["4.41.2\n"]}],
        ),
        _cell("markdown", "## Sweep"),
        _cell(
            "code",
            'for r in [4, 8]:\n    print(f"r={r} macro_f1={run(r):.3f}")',
            [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": "\x1b[32mr=4 macro_f1=0.812\x1b[0m\nr=8 macro_f1=0.836\n",
                }
            ],
        ),
        _cell(
            "code",
            "plot(losses)",
            [
                {
                    "output_type": "display_data",
                    "data": {"image/png": "iVBORw0KGgo="},
                    "metadata": {},
                }
            ],
        ),
        _cell(
            "code",
            "df.describe()",
            [
                {
                    "output_type": "execute_result",
                    "execution_count": 3,
                    "data": {"text/plain": ["count 10\n", "mean 3.2"], "text/html": "<table/>"},
                    "metadata": {},
                }
            ],
        ),
        _cell(
            "code",
            "1 / 0",
            [
                {
                    "output_type": "error",
                    "ename": "ZeroDivisionError",
                    "evalue": "division by zero",
                    "traceback": ["\x1b[31m---\x1b[0m", "ZeroDivisionError"],
                }
            ],
        ),
    ]
)


def test_a_notebook_reads_as_its_markdown_export(tmp_path: Path) -> None:
    path = tmp_path / "lora_sweep.ipynb"
    path.write_text(SWEEP, encoding="utf-8")
    doc = load_document(path)
    assert doc.file_type == "ipynb"
    assert doc.title == "LoRA sweep on the ticket classifier"
    assert [s.title for s in doc.sections] == ["LoRA sweep on the ticket classifier", "Sweep"]
    text = doc.text
    assert "```python\nimport torch, transformers\nprint(transformers.__version__)\n```" in text
    assert "\n    4.41.2" in text  # the output, indented under its cell
    assert "    r=4 macro_f1=0.812" in text and "\x1b" not in text  # colours stripped
    assert "    count 10\n    mean 3.2" in text and "<table/>" not in text
    assert "ZeroDivisionError: division by zero" in text
    assert doc.notes == ["1 image or HTML output(s) of the notebook were left out"]


def test_a_long_output_keeps_its_last_lines(tmp_path: Path) -> None:
    log = "".join(f"step {i} loss {1 / (i + 1):.4f}\n" for i in range(5000))
    path = tmp_path / "train.ipynb"
    path.write_text(
        _notebook([_cell("code", "train()", [{"output_type": "stream", "text": log}])]),
        encoding="utf-8",
    )
    doc = load_document(path)
    assert "step 4999 loss" in doc.text and "step 0 loss" not in doc.text
    assert doc.text.count("\n    step ") == MAX_OUTPUT_LINES
    assert any("cut to their last lines" in n for n in doc.notes)


def test_a_code_cell_holding_a_fence_keeps_its_own(tmp_path: Path) -> None:
    path = tmp_path / "prompts.ipynb"
    source = 'PROMPT = """\n```json\n{"a": 1}\n```\n"""'
    path.write_text(_notebook([_cell("code", source)]), encoding="utf-8")
    assert f"````python\n{source}\n````" in load_document(path).text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"nbformat": 3, "worksheets": []}', 'no "cells" list'),
        (json.dumps({"cells": [{"cell_type": "code", "source": 5}]}).encode(), "cell 1"),
        (json.dumps({"cells": ["just text"]}).encode(), "cell 1"),
        (
            json.dumps({"cells": [{"cell_type": "code", "source": "x", "outputs": 3}]}).encode(),
            "cell 1's outputs",
        ),
    ],
)
def test_a_broken_notebook_is_a_clear_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(LoaderError) as info:
        load_document(path)
    assert info.value.path == path and reason in str(info.value)
    assert "\n" not in str(info.value)


def test_a_question_about_a_printed_value_is_answered_from_the_notebook(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lora_sweep.ipynb").write_text(SWEEP, encoding="utf-8")
    (docs / "broken.ipynb").write_bytes(b"{not json")
    rag = Veraz(home=tmp_path / "home")
    report = rag.ingest([docs])
    assert [Path(f.path).name for f in report.failed] == ["broken.ipynb"]
    answer = rag.ask("¿Qué versión de transformers se usó?")
    assert "4.41.2" in answer.answer and answer.verification.grounded
    answer = rag.ask("What macro-F1 did r=8 reach?")
    assert "0.836" in answer.answer
    rag.close()
