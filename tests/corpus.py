"""A small corpus written for a test, ingested into a fresh Veraz home."""

from __future__ import annotations

from pathlib import Path

from agent import Veraz


def ingested(root: Path, documents: dict[str, str]) -> Veraz:
    """``documents`` (file name -> text) written under ``root``/docs and ingested into a
    new home at ``root``/home; the ingest must not fail on any of them."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, text in documents.items():
        (docs / name).write_text(text, encoding="utf-8")
    rag = Veraz(home=root / "home")
    assert not rag.ingest([docs]).failed
    return rag
