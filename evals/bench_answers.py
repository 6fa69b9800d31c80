"""``veraz bench answers``: does the default model *answer*, on documents it has not seen?

Two kinds of dataset:

- a SQuAD-format file (XQuAD and friends): every paragraph becomes a document (a
  ``.txt`` file, or a file named by the article title when the title carries a
  Markdown/text extension), every question is asked; questions marked
  ``is_impossible`` (SQuAD 2.0) must be abstained on. Articles at even positions form
  the ``tune`` split, the others ``heldout``, so thresholds chosen on one half can be
  checked on the other;
- a notes folder (``evals/data/notes``): ``docs/`` with the documents as users write them
  and ``questions.jsonl`` — ``question``, ``answers`` (any of them counts, or all of them
  with ``"all": true``), ``source`` (the file holding the answer, "" when none does),
  ``kind``, ``language`` and ``split`` (``tune`` or ``heldout``: the held-out part is kept
  out of all tuning, and reported apart).

Per question: the answer contains a gold answer (accent-, case- and space-blind), cites
the gold document, abstained, or is empty (which must never happen), was shown as
verified without holding the gold fact (``verified_non_answers``), and how long it
took. Reported overall and by split, language and kind.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.tools.verification.word_lists import NUMBER_WORDS
from ingestion.text_analysis import fold_accents

if TYPE_CHECKING:
    from agent.api import Veraz

TEXT_EXTENSIONS = (".md", ".markdown", ".txt", ".html", ".htm")


@dataclass
class AnswerItem:
    """One question to ask, with what counts as its answer."""

    question: str
    answers: list[str]
    source: str  # file name of the gold document; "" when no document answers
    all_required: bool = False
    kind: str = ""
    language: str = ""
    split: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.source)


@dataclass
class AnswerDataset:
    documents: dict[str, bytes]  # file name -> its bytes (notes hold DOCX, PDF, PPTX)
    items: list[AnswerItem] = field(default_factory=list)


def _squad(path: Path) -> AnswerDataset:
    try:
        articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a SQuAD-format JSON file ({exc})") from exc
    data = AnswerDataset(documents={})
    for a, article in enumerate(articles):
        title = str(article.get("title", ""))
        paragraphs = article.get("paragraphs", [])
        for p, paragraph in enumerate(paragraphs):
            named = title.lower().endswith(TEXT_EXTENSIONS) and len(paragraphs) == 1
            name = title if named else f"a{a:03d}_p{p:03d}.txt"
            data.documents[name] = paragraph["context"].lstrip("\ufeff").strip().encode("utf-8")
            for qa in paragraph.get("qas", []):
                impossible = bool(qa.get("is_impossible"))
                answers = [str(x["text"]) for x in qa.get("answers", []) if str(x["text"]).strip()]
                data.items.append(
                    AnswerItem(
                        question=str(qa["question"]).strip(),
                        answers=list(dict.fromkeys(answers)),
                        source="" if impossible else name,
                        split="tune" if a % 2 == 0 else "heldout",
                    )
                )
    return data


def _notes(folder: Path) -> AnswerDataset:
    docs = folder / "docs"
    questions = folder / "questions.jsonl"
    if not docs.is_dir() or not questions.is_file():
        raise ValueError(f"{folder}: a notes dataset needs docs/ and questions.jsonl")
    data = AnswerDataset(
        documents={p.name: p.read_bytes() for p in sorted(docs.iterdir()) if p.is_file()}
    )
    for number, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = AnswerItem(
                question=str(row["question"]),
                answers=[str(a) for a in row.get("answers", [])],
                source=str(row.get("source", "")),
                all_required=bool(row.get("all", False)),
                kind=str(row.get("kind", "")),
                language=str(row.get("language", "")),
                split=str(row.get("split", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{questions}:{number}: {exc}") from exc
        if item.source and item.source not in data.documents:
            raise ValueError(f"{questions}:{number}: source {item.source!r} is not in docs/")
        data.items.append(item)
    return data


def load_answer_dataset(path: Path) -> AnswerDataset:
    """A SQuAD-format file or a notes folder (see the module docstring)."""
    return _notes(path) if path.is_dir() else _squad(path)


def normalised(text: str) -> str:
    """Lowercase, accents folded, spaces collapsed: "4,1  GB" in "El 4,1 gb" counts."""
    return " ".join(fold_accents(text).lower().split())


def contains_answer(answer: str, item: AnswerItem) -> bool:
    """Whether ``answer`` holds a gold answer (all of them when the item says so).

    A gold number counts written either way, as a whole word: "4 balones" holds the
    gold "cuatro", "four days" the gold "4" (XQuAD's answers are spans of its text,
    and the answerer may quote the same fact from another sentence)."""
    if not item.answers:
        return False
    said = normalised(re.sub(r"\[\d+\]", " ", answer))
    found = [
        normalised(gold) in said or _same_number(normalised(gold), said) for gold in item.answers
    ]
    return all(found) if item.all_required else any(found)


_SCALE_WORDS = frozenset({
    "mil", "miles", "thousand", "thousands", "millon", "millones", "million", "millions",
    "billon", "billones", "billion", "billions", "hundred", "hundreds", "cientos",
})  # fmt: skip


def _same_number(gold: str, said: str) -> bool:
    """``gold`` is one number, in words or digits, and ``said`` has it the other way, as
    a number of its own: not part of a bigger one ("treinta y cinco", "twenty-five",
    "cinco mil", "ciento veinte")."""
    if gold.isdigit():
        value: int | None = int(gold) if len(gold) <= 12 else None
    else:
        value = NUMBER_WORDS.get(gold)
    if value is None:
        return False
    words = [w.strip(".,") for w in re.findall(r"[\w.,]+", said)]
    for i, word in enumerate(words):
        if word.isdigit() and len(word) <= 12 and int(word) == value:
            return True
        if NUMBER_WORDS.get(word) == value and not _in_a_bigger_number(words, i):
            return True
    return False


def _in_a_bigger_number(words: list[str], i: int) -> bool:
    """Whether the number word at ``i`` is part of a bigger number: next to another
    number or scale word ("cinco mil", "ciento veinte", "twenty-five", whose hyphen
    splits it in two words), or joined to one by "y"/"and" ("treinta y cinco")."""

    def number_like(j: int) -> bool:
        return 0 <= j < len(words) and (words[j] in NUMBER_WORDS or words[j] in _SCALE_WORDS)

    def joined(conjunction: int, other: int) -> bool:
        return (
            0 <= conjunction < len(words)
            and words[conjunction] in ("y", "and")
            and (number_like(other))
        )

    return number_like(i - 1) or number_like(i + 1) or joined(i - 1, i - 2) or joined(i + 1, i + 2)


def _rate(values: Iterable[bool]) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures for a group of answered questions."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ms = sorted(r["ms"] for r in rows)
    # How long the answers are: a right answer buried in padding is worse than a short one.
    words = sorted(len(r["answer"].split()) for r in rows if not r["abstained"])
    return {
        "questions": len(rows),
        "contains_answer": _rate(r["contains"] for r in answerable),
        "gold_cited": _rate(r["gold_cited"] for r in answerable),
        "abstained_answerable": _rate(r["abstained"] for r in answerable),
        "abstained_unanswerable": _rate(r["abstained"] for r in unanswerable),
        "empty": sum(r["empty"] for r in rows),
        "verified": _rate(r["verified"] for r in rows if not r["abstained"]),
        # shown as verified without the gold fact (or on a question no document answers):
        # what a user must never see
        "verified_non_answers": sum(
            r["verified"] and not r["abstained"] and not (r["answerable"] and r["contains"])
            for r in rows
        ),
        "answer_words_p50": words[len(words) // 2] if words else 0,
        "ms_per_question_p50": round(ms[len(ms) // 2], 1) if ms else 0.0,
    }


def _groups(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    values = sorted({r[key] for r in rows if r[key]})
    return {value: summarise([r for r in rows if r[key] == value]) for value in values}


def select(data: AnswerDataset, split: str | None, limit: int | None) -> list[AnswerItem]:
    """The questions of ``split`` (all when None or "all"), the first ``limit`` of them."""
    items = [i for i in data.items if split in (None, "all") or i.split == split]
    return items[:limit] if limit else items


def open_collection(data: AnswerDataset, root: Path, **veraz_options: Any) -> Veraz:
    """A Veraz over ``data``'s documents, written under ``root/corpus`` and ingested into
    ``root/home`` (a kept ``root`` makes a re-run ingest nothing)."""
    from agent.api import Veraz

    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, content in data.documents.items():
        target = corpus / name
        if not target.exists() or target.read_bytes() != content:
            target.write_bytes(content)
    rag = Veraz(home=root / "home", collection="bench-answers", **veraz_options)
    report = rag.ingest([corpus], prune=True)
    if report.failed:
        raise RuntimeError(f"benchmark ingestion failed for {report.failed[:3]}")
    return rag


def run_answers_benchmark(
    dataset: Path,
    *,
    model: str | None = None,
    split: str | None = None,
    limit: int | None = None,
    home: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Ingest ``dataset``'s documents and ask every (selected) question; see the docstring.

    ``home``: keep the index there between runs (unchanged documents are not ingested
    again); by default a throwaway folder.
    """
    data = load_answer_dataset(dataset)
    items = select(data, split, limit)
    with tempfile.TemporaryDirectory(prefix="veraz-answers-") as tmp:
        rag = open_collection(data, Path(home) if home else Path(tmp), model=model)
        rows = []
        for done, item in enumerate(items, start=1):
            started = time.perf_counter()
            answer = rag.ask(item.question)
            ms = (time.perf_counter() - started) * 1000
            cited = {Path(c.source).name for c in answer.citations}
            rows.append(
                {
                    "question": item.question,
                    "answer": answer.answer,
                    "answerable": item.answerable,
                    "contains": contains_answer(answer.answer, item),
                    "gold_cited": item.source in cited,
                    "abstained": answer.abstained,
                    "empty": not answer.answer.strip(),
                    "verified": answer.verification.grounded and not answer.abstained,
                    "ms": ms,
                    "kind": item.kind,
                    "language": item.language,
                    "split": item.split,
                    "route": answer.route,
                    "model": answer.model,
                }
            )
            if progress:
                progress(done, len(items))
        chunks = rag.stats()["chunks"]
        rag.close()
    return {
        "dataset": str(dataset),
        "documents": len(data.documents),
        "chunks": chunks,
        **summarise(rows),
        "by_split": _groups(rows, "split"),
        "by_language": _groups(rows, "language"),
        "by_kind": _groups(rows, "kind"),
        "rows": rows,
    }
