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
    article: int = 0  # index of its article in the file

    @property
    def part(self) -> str:
        """ "tune" (articles 0, 2, 4, ...) or "heldout" (1, 3, 5, ...).

        Weights and thresholds are chosen on the tune part only; the held-out part is
        reported beside it, so a figure shows whether a choice holds on unseen data.
        """
        return "tune" if self.article % 2 == 0 else "heldout"


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
    for article_index, article in enumerate(articles):
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
                        article=article_index,
                    )
                )
    if not paragraphs or not questions:
        raise ValueError(f"{path}: no paragraphs or questions found")
    return SquadDataset(paragraphs=paragraphs, titles=titles, questions=questions)
