"""SQuAD-format datasets (XQuAD and friends) as plain paragraphs and questions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SquadQuestion:
    question: str
    paragraph: int  # index into SquadDataset.paragraphs
    answers: list[str]


@dataclass
class SquadDataset:
    paragraphs: list[str]
    titles: list[str]
    questions: list[SquadQuestion]


def load_squad(path: Path) -> SquadDataset:
    """Read ``data[].paragraphs[].context`` and ``qas[]``; strip the U+FEFF some texts carry."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = raw["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a SQuAD-format JSON file ({exc})") from exc
    paragraphs: list[str] = []
    titles: list[str] = []
    questions: list[SquadQuestion] = []
    for article in articles:
        for paragraph in article.get("paragraphs", []):
            index = len(paragraphs)
            paragraphs.append(paragraph["context"].lstrip("\ufeff").strip())
            titles.append(str(article.get("title", "")))
            for qa in paragraph.get("qas", []):
                questions.append(
                    SquadQuestion(
                        question=qa["question"].lstrip("\ufeff").strip(),
                        paragraph=index,
                        answers=[a["text"] for a in qa.get("answers", [])],
                    )
                )
    if not paragraphs or not questions:
        raise ValueError(f"{path}: no paragraphs or questions found")
    return SquadDataset(paragraphs=paragraphs, titles=titles, questions=questions)
