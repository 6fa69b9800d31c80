"""How well text cleanup repairs mojibake, on paragraphs of a SQuAD-format file or of the
documents in a folder.

``python -m evals.bench_mojibake FILE_OR_FOLDER... [--half first|second|all]`` prints one
JSON line per argument. Each paragraph is cleaned as the loaders clean a document
(:func:`ingestion.loaders.text_cleanup.clean_texts`), once as written and once for each
way of damaging it: its UTF-8 shown as Mac Roman, as Windows-1252 (Windows' reading,
undefined bytes as C1 controls) or as Latin-1, applied to

* ``paragraph``: the whole paragraph (ftfy alone repairs most of these);
* ``sentences``: every other sentence, so damaged and clean accents share lines;
* ``words``: every third word that has a non-ASCII letter, alone among clean words.

Figures, each next to its baseline run in the same process, ftfy alone (the cleanup
before ``ingestion/loaders/mojibake.py``):

* ``clean_changed``: paragraphs the mojibake repair changes when nothing was damaged
  (must be 0);
* ``restored``: share of damaged paragraphs that come back exactly as the clean one;
* ``words_left``: share of the damaged words still wrong afterwards.

``--half`` takes the first or second half of a file's articles (of a folder's files), to
keep a part of each data set out of tuning.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["DAMAGES", "run_mojibake_benchmark"]

CODECS = {"mac_roman": "mac_roman", "windows_1252": "sloppy-windows-1252", "latin_1": "latin-1"}
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


def _wrong(text: str, codec: str) -> str:
    return text.encode("utf-8").decode(codec)


def _damage_paragraph(text: str, codec: str) -> str:
    return _wrong(text, codec)


def _damage_sentences(text: str, codec: str) -> str:
    sentences = _SENTENCE_END_RE.split(text)
    return " ".join(_wrong(s, codec) if i % 2 == 0 else s for i, s in enumerate(sentences))


def _damage_words(text: str, codec: str) -> str:
    words = text.split(" ")
    accented = [i for i, w in enumerate(words) if not w.isascii()]
    chosen = set(accented[::3])
    return " ".join(_wrong(w, codec) if i in chosen else w for i, w in enumerate(words))


DAMAGES: dict[str, Callable[[str, str], str]] = {
    "paragraph": _damage_paragraph,
    "sentences": _damage_sentences,
    "words": _damage_words,
}


def _halves(items: list[Any], half: str) -> list[Any]:
    middle = len(items) // 2
    return {"first": items[:middle], "second": items[middle:], "all": items}[half]


def _paragraphs(dataset: Path, half: str) -> list[str]:
    """The paragraphs of a SQuAD file (split by article), or of the documents in a folder
    as :func:`~ingestion.loaders.load_document` reads them (split by file)."""
    if dataset.is_dir():
        from ingestion.loaders import SUPPORTED_EXTENSIONS, LoaderError, load_document

        paragraphs = []
        files = sorted(p for p in dataset.rglob("*") if p.suffix.lower() in SUPPORTED_EXTENSIONS)
        for path in _halves(files, half):
            try:
                text = load_document(path).text
            except LoaderError:
                continue
            paragraphs += [p for p in text.split("\n\n") if len(p) >= _MIN_PARAGRAPH_CHARS]
        return paragraphs
    articles = json.loads(dataset.read_text(encoding="utf-8"))["data"]
    return [p["context"].lstrip("\ufeff") for a in _halves(articles, half) for p in a["paragraphs"]]


_MIN_PARAGRAPH_CHARS = 20


def _wrong_words(got: str, expected: str) -> int:
    return sum(a != b for a, b in zip(got.split(), expected.split(), strict=False)) + abs(
        len(got.split()) - len(expected.split())
    )


def run_mojibake_benchmark(dataset: Path, *, half: str = "all") -> dict[str, Any]:
    """Repair figures for the paragraphs of ``dataset`` (see the module docstring)."""
    import ftfy.bad_codecs  # registers "sloppy-windows-1252"

    from ingestion.loaders.mojibake import repair_mojibake
    from ingestion.loaders.text_cleanup import clean_texts

    assert ftfy.bad_codecs  # imported for the codec it registers

    def ftfy_alone(text: str) -> str:
        return " ".join(ftfy.fix_text(text).split())

    def cleanup(text: str) -> str:
        return " ".join(clean_texts([text])[0].split())

    paragraphs = _paragraphs(dataset, half)
    expected = [cleanup(p) for p in paragraphs]
    baseline = [ftfy_alone(p) for p in paragraphs]
    result: dict[str, Any] = {
        "paragraphs": len(paragraphs),
        "half": half,
        "clean_changed": sum(repair_mojibake([p]) != [p] for p in paragraphs),
    }
    for codec_name, codec in CODECS.items():
        for damage_name, damage in DAMAGES.items():
            damaged = [damage(p, codec) for p in paragraphs]
            broken_words = sum(_wrong_words(d, p) for d, p in zip(damaged, paragraphs, strict=True))
            figures = {}
            for method, clean, reference in (
                ("cleanup", cleanup, expected),
                ("ftfy_alone", ftfy_alone, baseline),
            ):
                got = [clean(d) for d in damaged]
                figures[method] = {
                    "restored": round(
                        sum(g == e for g, e in zip(got, reference, strict=True)) / len(got), 4
                    ),
                    "words_left": round(
                        sum(_wrong_words(g, e) for g, e in zip(got, reference, strict=True))
                        / max(broken_words, 1),
                        4,
                    ),
                }
            result[f"{codec_name}/{damage_name}"] = {"broken_words": broken_words, **figures}
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_mojibake")
    parser.add_argument(
        "datasets", nargs="+", type=Path, help="SQuAD-format JSON files or folders of documents"
    )
    parser.add_argument("--half", choices=("first", "second", "all"), default="all")
    args = parser.parse_args(argv)
    for dataset in args.datasets:
        print(
            json.dumps({"dataset": str(dataset), **run_mojibake_benchmark(dataset, half=args.half)})
        )


if __name__ == "__main__":
    main(sys.argv[1:])
