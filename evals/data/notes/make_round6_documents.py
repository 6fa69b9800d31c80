"""Writes round 6's generated documents (XLSX, Jupyter notebook) of the notes set.

Kept beside the data so a reader can see their content without Excel or Jupyter: run it
from the repository root (``python evals/data/notes/make_round6_documents.py``) and it
rewrites ``docs/encuesta_modelos.xlsx`` and ``docs/eda_consultas.ipynb``. The committed
files are what the benchmark reads.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).parent / "docs"


def write_xlsx(path: Path) -> None:
    """A survey workbook as a department keeps one: a results sheet with a title row
    above the header and a total row, and a notes sheet of free text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Resultados"
    sheet.append(["Encuesta de modelos locales — laboratorio de PLN, noviembre 2024"])
    sheet.append([])
    sheet.append(["Modelo", "Votos", "% preferencia", "Uso principal", "VRAM mínima (GB)"])
    for row in (
        ["Llama-3.1-8B-Instruct", 14, 0.35, "chat y resúmenes", 6],
        ["Qwen2.5-7B-Instruct", 11, 0.275, "código y SQL", 6],
        ["Mistral-7B-Instruct-v0.3", 7, 0.175, "clasificación", 5],
        ["Phi-3.5-mini", 5, 0.125, "portátiles sin GPU", 3],
        ["Gemma-2-9B-it", 3, 0.075, "traducción", 8],
    ):
        sheet.append(row)
    sheet.append(["Total", 40, 1.0, "", ""])
    for cell in sheet["C"][3:]:
        cell.number_format = "0.0%"
    notes = book.create_sheet("Notas")
    notes.append(["Comentarios de la encuesta"])
    notes.append(["Respondieron 40 de las 52 personas del laboratorio (77 %)."])
    notes.append(
        ["Varias personas piden un servidor compartido con vLLM en vez de Ollama en cada portátil."]
    )
    notes.append(["Quien votó Phi-3.5-mini trabaja casi siempre sin GPU."])
    notes.append(["Próxima encuesta: mayo de 2025, organiza Carla Duarte."])
    book.save(path)


def _cell(kind: str, source: str, outputs: list[dict] | None = None) -> dict:
    cell: dict = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = outputs or []
    return cell


def _printed(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text.splitlines(keepends=True)}


def write_notebook(path: Path) -> None:
    """An exploratory notebook: markdown cells between code cells whose printed outputs
    hold the numbers, as people leave them after running."""
    cells = [
        _cell(
            "markdown",
            "# EDA of support-bot queries\n\n"
            "Quick look at the January query log before we build the eval set. — Dev",
        ),
        _cell(
            "code",
            "import pandas as pd\n"
            "df = pd.read_parquet('queries_2025_01.parquet')\n"
            "print(len(df), df['lang'].value_counts().to_dict())",
            [_printed("18342 {'es': 11027, 'en': 6204, 'pt': 1111}\n")],
        ),
        _cell(
            "markdown",
            "Mostly Spanish. Portuguese is new (the Lisbon office came online on Jan 13).",
        ),
        _cell(
            "code",
            "df['n_words'] = df['text'].str.split().str.len()\n"
            "print(df['n_words'].describe()[['mean', '50%', 'max']])",
            [_printed("mean     9.8\n50%      7.0\nmax    412.0\nName: n_words, dtype: float64\n")],
        ),
        _cell(
            "markdown",
            "Median query is 7 words. The 412-word one is a pasted stack trace.\n\n## Repeats",
        ),
        _cell(
            "code",
            "dup = df.duplicated('text_norm').mean()\n"
            "print(f'{dup:.1%} exact repeats after normalising')",
            [_printed("23.4% exact repeats after normalising\n")],
        ),
        _cell(
            "markdown",
            "So a cache keyed on the normalised text would answer almost a quarter of queries "
            "without retrieval.\n\n"
            "**TODO:** ask Ana whether the log includes the bot's own test queries.",
        ),
    ]
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_xlsx(DOCS / "encuesta_modelos.xlsx")
    write_notebook(DOCS / "eda_consultas.ipynb")
