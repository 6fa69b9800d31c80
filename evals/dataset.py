"""Evaluation questions from JSONL or SQuAD-format files, loaded into one type.

Two formats meet here because users bring both: their own JSONL (question, ground truth,
optionally the passages or documents that hold the answer) and public SQuAD-style sets
such as XQuAD, where the gold paragraph is the reference context.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals.squad import load_squad

# Keys accepted for the documents that hold the answer; ``source`` is what
# agent/samples/questions.jsonl uses.
_SOURCE_KEYS = ("reference_sources", "reference_doc_ids", "reference_documents", "source")


@dataclass
class EvalItem:
    """One question to evaluate.

    ``reference_contexts``: passages that contain the answer (scored by text overlap).
    ``reference_sources``: documents that contain it, as file names or paths (scored by
    whether a retrieved chunk comes from one of them). Either may be empty.
    """

    id: str
    question: str
    ground_truth: str = ""
    language: str = ""
    reference_contexts: list[str] = field(default_factory=list)
    reference_sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalItem:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if str(v)]


def _from_json_line(data: dict[str, Any], number: int, where: str) -> EvalItem:
    question = str(data.get("question") or data.get("user_input") or "").strip()
    if not question:
        raise ValueError(f"{where}:{number}: no 'question'")
    truth = data.get("ground_truth", data.get("reference", data.get("answer", "")))
    if isinstance(truth, list):
        truth = truth[0] if truth else ""
    sources: list[str] = []
    for key in _SOURCE_KEYS:
        sources += _as_list(data.get(key))
    return EvalItem(
        id=str(data.get("id") or f"q{number:03d}"),
        question=question,
        ground_truth=str(truth or ""),
        language=str(data.get("language") or ""),
        reference_contexts=_as_list(data.get("reference_contexts")),
        reference_sources=sources,
    )


def load_jsonl(path: Path) -> list[EvalItem]:
    """One JSON object per line; blank lines and ``#`` comments are skipped."""
    items: list[EvalItem] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object")
        items.append(_from_json_line(data, number, str(path)))
    return items


def load_squad_items(path: Path) -> list[EvalItem]:
    """SQuAD/XQuAD: the gold paragraph becomes the reference context."""
    squad = load_squad(path)
    return [
        EvalItem(
            id=f"q{i + 1:04d}",
            question=q.question,
            ground_truth=q.answers[0] if q.answers else "",
            reference_contexts=[squad.paragraphs[q.paragraph]],
        )
        for i, q in enumerate(squad.questions)
    ]


def load_dataset(path: str | Path, limit: int | None = None) -> list[EvalItem]:
    """Load ``path`` by its shape: a JSON object with ``data`` is SQuAD, anything else JSONL."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    head = path.read_text(encoding="utf-8")[:4096].lstrip()
    squad = path.suffix.lower() == ".json" or (head.startswith("{") and '"data"' in head[:200])
    items = load_squad_items(path) if squad else load_jsonl(path)
    if not items:
        raise ValueError(f"{path}: no questions found")
    return items[:limit] if limit else items


def write_jsonl(items: list[EvalItem], path: Path) -> None:
    """Write items back as JSONL (what ``veraz eval generate`` produces)."""
    lines = [json.dumps(item.to_dict(), ensure_ascii=False) for item in items]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
