"""A two-document corpus (Spanish Markdown, English text) shared by fast tests."""

from __future__ import annotations

from pathlib import Path

SPANISH = (
    "# Cuantización\n\nLa cuantización reduce la precisión de los pesos a 4 bits. "
    "El formato NF4 de QLoRA usa una distribución normal.\n\n## GGUF\n\n"
    "El formato GGUF de llama.cpp guarda modelos cuantizados como Q4_K_M.\n"
)
ENGLISH = (
    "Retrieval-augmented generation\n\nRAG retrieves passages with BM25 and dense vectors "
    "before the model answers, and cites them.\n"
)


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cuantizacion.md").write_text(SPANISH, encoding="utf-8")
    (folder / "rag.txt").write_text(ENGLISH, encoding="utf-8")
