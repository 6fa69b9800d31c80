"""Cross-lingual dev sets from the parallel XQuAD dev halves.

XQuAD's Spanish and English files hold the same paragraphs and questions, translated,
in the same order with the same question ids. Pairing the questions of one language with
the paragraphs of the other gives a retrieval test no monolingual set can: a Spanish
question over English documents (``xquad.es-en.dev.json``) and the reverse
(``xquad.en-es.dev.json``). Answers come from the paragraphs' language, as spans of the
context they belong to, so the files are ordinary SQuAD files for every tool here.

Rebuild them with ``python -m evals.cross_lingual`` (the files ship in
evals/data/xquad/, CC BY-SA 4.0 like their source).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

XQUAD = Path(__file__).parent / "data" / "xquad"
PAIRS = (("es", "en"), ("en", "es"))


def cross_lingual(questions: dict[str, Any], paragraphs: dict[str, Any]) -> dict[str, Any]:
    """``paragraphs``' articles with the questions of the parallel ``questions`` file.

    Raises ValueError when the two files are not parallel (articles, paragraph counts or
    question ids differ), so a mismatched pair can never score silently wrong.
    """
    q_articles, p_articles = questions["data"], paragraphs["data"]
    if len(q_articles) != len(p_articles):
        raise ValueError(f"{len(q_articles)} vs {len(p_articles)} articles: not parallel")
    articles = []
    for q_article, p_article in zip(q_articles, p_articles, strict=True):
        q_paragraphs, p_paragraphs = q_article["paragraphs"], p_article["paragraphs"]
        if len(q_paragraphs) != len(p_paragraphs):
            raise ValueError(f"article {p_article.get('title')!r}: paragraph counts differ")
        merged = []
        for q_paragraph, p_paragraph in zip(q_paragraphs, p_paragraphs, strict=True):
            answers_by_id = {qa["id"]: qa.get("answers", []) for qa in p_paragraph["qas"]}
            qas = []
            for qa in q_paragraph["qas"]:
                if qa["id"] not in answers_by_id:
                    raise ValueError(f"question {qa['id']} has no parallel question")
                qas.append(
                    {"id": qa["id"], "question": qa["question"], "answers": answers_by_id[qa["id"]]}
                )
            merged.append({"context": p_paragraph["context"], "qas": qas})
        articles.append({"title": p_article.get("title", ""), "paragraphs": merged})
    return {"version": "xquad-cross-lingual-dev", "data": articles}


def build(folder: Path = XQUAD) -> list[Path]:
    """Write ``xquad.<questions>-<paragraphs>.dev.json`` for both directions."""
    written = []
    for question_lang, paragraph_lang in PAIRS:
        questions = json.loads((folder / f"xquad.{question_lang}.dev.json").read_text("utf-8"))
        paragraphs = json.loads((folder / f"xquad.{paragraph_lang}.dev.json").read_text("utf-8"))
        target = folder / f"xquad.{question_lang}-{paragraph_lang}.dev.json"
        target.write_text(
            json.dumps(cross_lingual(questions, paragraphs), ensure_ascii=False), encoding="utf-8"
        )
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else XQUAD):
        print(path)
