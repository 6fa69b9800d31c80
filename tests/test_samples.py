"""The bundled sample corpus loads cleanly: every file, both languages, real paragraphs."""

from __future__ import annotations

from pathlib import Path

from agent.samples import samples_dir
from ingestion.loaders import load_document


def test_every_sample_loads_with_language_and_sections() -> None:
    files = sorted(samples_dir().iterdir())
    assert len(files) >= 10
    assert {p.suffix for p in files} >= {".pdf", ".docx", ".html", ".md", ".txt"}
    for path in files:
        doc = load_document(path)
        expected = path.name.split(".")[-2]  # name.<lang>.<ext>
        assert doc.language == expected, path.name
        assert len(doc.sections) >= (1 if path.suffix == ".txt" else 3), path.name
        assert doc.title, path.name


def test_pdf_lines_set_far_apart_are_joined_into_paragraphs() -> None:
    doc = load_document(samples_dir() / "lora_qlora.es.pdf")
    paragraphs = [p for s in doc.sections for p in s.text.split("\n\n")]
    long_ones = [p for p in paragraphs if len(p) > 300]
    assert len(long_ones) >= 5, "one paragraph per line means lines were not merged"
    assert all(isinstance(s.page, int) for s in doc.sections)
    assert Path(doc.path).name == "lora_qlora.es.pdf"
