"""Cross-language claims for the verifier, built from the parallel XQuAD halves.

A sentence of one language's paragraph, checked against the *other* language's version
of that paragraph, is a faithful claim made across languages (the translation says the
same). The same sentence with a number changed, or a name swapped for one from another
article, is a fabrication. Deterministic: re-running writes the same files.

Two files from two disjoint sets of articles:

- ``verify_cross_language_dev.jsonl`` (odd articles): looked at while the verifier's
  cross-language rules were written (names that translate, "England" / "Inglaterra");
  part of the tuned sets.
- ``verify_cross_language_heldout.jsonl`` (even articles): never looked at while tuning.

``python -m evals.cross_language_claims odd evals/data/verify_cross_language_dev.jsonl``
``python -m evals.cross_language_claims even evals/data/verify_cross_language_heldout.jsonl``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from agent.tools.sentences import split_sentences

DATA = Path(__file__).resolve().parent / "data" / "xquad"
_NUMBER = re.compile(r"(?<![\w.,])(\d{2,4})(?![\w.,]\d)")
_NAME = re.compile(r"(?<=\s)([A-ZÁÉÍÓÚÑ][a-záéíóúñ]{3,})(?=[\s,.])")
PER_DIRECTION = 12


def _paragraphs(language: str) -> list[list[str]]:
    data = json.loads((DATA / f"xquad.{language}.dev.json").read_text(encoding="utf-8"))
    return [
        [p["context"].lstrip("\ufeff").strip() for p in article["paragraphs"]]
        for article in data["data"]
    ]


def _altered(sentence: str, other_names: list[str]) -> str | None:
    """The sentence with its first number changed, or else its first name swapped."""
    number = _NUMBER.search(sentence)
    if number:
        value = int(number.group(1))
        changed = str(value + 7 if value < 1000 else value + 13)
        return sentence[: number.start(1)] + changed + sentence[number.end(1) :]
    name = _NAME.search(sentence)
    if name:
        rival = next((n for n in other_names if n != name.group(1)), None)
        if rival:
            return sentence[: name.start(1)] + rival + sentence[name.end(1) :]
    return None


def build(first_article: int) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    by_language = {"es": _paragraphs("es"), "en": _paragraphs("en")}
    for claim, source in (("en", "es"), ("es", "en")):
        made = 0
        articles = list(range(first_article, len(by_language[claim]), 2))
        for a in articles:
            elsewhere = by_language[claim][(a + 2) % len(by_language[claim])]
            names_elsewhere = _NAME.findall(" ".join(elsewhere))
            pairs = zip(by_language[claim][a], by_language[source][a], strict=True)
            for claim_text, source_text in pairs:
                sentences = [s for s in split_sentences(claim_text) if 10 <= len(s.split()) <= 35]
                usable = [s for s in sentences if _altered(s, names_elsewhere)]
                if not usable or made >= PER_DIRECTION:
                    continue
                sentence = usable[0]
                items.append({"sentence": sentence, "sources": [source_text], "supported": True})
                fabricated = _altered(sentence, names_elsewhere)
                items.append({"sentence": fabricated, "sources": [source_text], "supported": False})
                made += 1
                break
    return items


if __name__ == "__main__":
    parity, target = sys.argv[1], Path(sys.argv[2])
    with target.open("w", encoding="utf-8") as out:
        for item in build(1 if parity == "odd" else 0):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
