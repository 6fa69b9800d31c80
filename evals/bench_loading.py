"""The ``loading`` part of ``veraz bench ingest``: what loading files costs, and how much of
it the mojibake repair adds (ingestion/loaders/mojibake.py).

Runs in the benchmark's process on the throughput corpus (clean Spanish and English
Markdown and plain-text files), against baselines timed in the same process:

* ``load``: :func:`ingestion.loaders.load_document` over every file;
* ``repair``: :func:`ingestion.loaders.mojibake.repair_mojibake` over each loaded
  document's sections and section titles, grouped per document as the loaders group
  them: its cost on clean text, where it diagnoses and finds nothing to do;
* ``ftfy``: ``ftfy.fix_text`` over the same texts, the cleanup that ran before it, for scale.

``repair_share`` is ``repair / load``: the share of loading time the repair adds on
clean text. Then two damaged copies of the corpus, every other line as a program shows
UTF-8 it took for Mac Roman or for Windows-1252, are loaded: ``*_vs_clean`` is the
time ratio to loading the clean corpus, ``*_repaired_files`` how many files came back
exactly as the clean file loads.

Noise control: one warm-up pass, then ``rounds`` rounds whose order of the five timings
alternates (forward, then backward); each figure is the best round.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_loading_benchmark"]

DAMAGED_CODECS = {"mac_roman": "mac_roman", "windows_1252": "sloppy-windows-1252"}


def _damage(text: str, codec: str) -> str:
    """Every other line of ``text`` as a program that took its UTF-8 for ``codec`` shows it."""
    lines = text.split("\n")
    return "\n".join(
        line.encode("utf-8").decode(codec) if i % 2 == 0 else line for i, line in enumerate(lines)
    )


def _write_damaged_copy(files: Sequence[Path], folder: Path, codec: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in files:
        copy = folder / path.name
        copy.write_text(_damage(path.read_text(encoding="utf-8"), codec), encoding="utf-8")
        copies.append(copy)
    return copies


def _seconds(fn: Callable[[], Any]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def run_loading_benchmark(corpus: Path, work: Path, *, rounds: int = 3) -> dict[str, Any]:
    """Time loading the files of ``corpus`` (clean) and of damaged copies made in ``work``."""
    import ftfy
    import ftfy.bad_codecs  # registers "sloppy-windows-1252"

    from ingestion.loaders import load_document
    from ingestion.loaders.mojibake import repair_mojibake

    assert ftfy.bad_codecs  # imported for the codec it registers
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    if not files:
        raise ValueError(f"no files in {corpus}")
    damaged = {
        name: _write_damaged_copy(files, work / name, codec)
        for name, codec in DAMAGED_CODECS.items()
    }
    clean_docs = [load_document(path) for path in files]  # also the warm-up
    for copies in damaged.values():
        for path in copies:
            load_document(path)
    groups = [
        [s.text for s in doc.sections] + [s.title for s in doc.sections] for doc in clean_docs
    ]
    texts = [text for group in groups for text in group]

    def load(paths: Sequence[Path]) -> Callable[[], Any]:
        return lambda: [load_document(path) for path in paths]

    steps: dict[str, Callable[[], Any]] = {
        "load": load(files),
        "repair": lambda: [repair_mojibake(group) for group in groups],
        "ftfy": lambda: [ftfy.fix_text(text) for text in texts],
        **{f"load_{name}": load(copies) for name, copies in damaged.items()},
    }
    best = dict.fromkeys(steps, float("inf"))
    for number in range(rounds):
        order = list(steps) if number % 2 == 0 else list(reversed(steps))
        for name in order:
            best[name] = min(best[name], _seconds(steps[name]))

    result: dict[str, Any] = {
        "files": len(files),
        "characters": sum(len(text) for text in texts),
        "load_ms_per_file": round(1000 * best["load"] / len(files), 3),
        "repair_ms_per_file": round(1000 * best["repair"] / len(files), 3),
        "ftfy_ms_per_file": round(1000 * best["ftfy"] / len(files), 3),
        "repair_share": round(best["repair"] / best["load"], 4),
        "ftfy_share": round(best["ftfy"] / best["load"], 4),
    }
    for name, copies in damaged.items():
        repaired = sum(
            load_document(copy).text == doc.text
            for copy, doc in zip(copies, clean_docs, strict=True)
        )
        result[f"{name}_vs_clean"] = round(best[f"load_{name}"] / best["load"], 3)
        result[f"{name}_repaired_files"] = repaired
    for name in damaged:
        shutil.rmtree(work / name, ignore_errors=True)
    return result
