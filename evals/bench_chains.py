"""``veraz bench chains``: bridge questions answered hop by hop, and what each hop costs.

The dataset is a folder (``evals/data/chains``): ``docs/`` with Wikipedia-style
paragraphs (English and Spanish, about people, bands, magazines and films that exist only
there, so no model knows the answers) and ``questions.jsonl``, one bridge question per
line:

    {"id", "question", "answers", "language", "docs_language", "form", "split",
     "hops": [{"question", "answers", "source"}, ...]}

``form`` is the bridge form (possessive, relative, participle, composed); ``split`` is
``tune`` or ``heldout`` (a third of the chains, both language versions of each, kept out
of all tuning of the rules). Every question is asked whole (*chained*), and each hop is
asked alone (*per hop*: how well one-hop retrieval answers the links), so a chained
failure can be told apart from a missing fact. Also measured: whether the chain resolved
the first hop's entity correctly (from the answer's ``steps``), whether it cites every
hop's gold passage, and the latency of a two-hop question against the one-hop questions
of the same collection (``two_hop_vs_one_hop_p50``). Grouped by split and by language
pair: ``en``, ``es``, ``es→en`` (a Spanish question over English documents), ``en→es``.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench_answers import AnswerDataset, AnswerItem, contains_answer, open_collection

_FIELDS = ("id", "question", "answers", "language", "docs_language", "split", "hops")


@dataclass
class ChainItem:
    """One bridge question, its gold answers, and its hops."""

    id: str
    question: str
    answers: list[str]
    language: str
    docs_language: str
    split: str
    form: str
    hops: list[AnswerItem] = field(default_factory=list)

    @property
    def pair(self) -> str:
        """ "en", "es", or "es→en" for a Spanish question over English documents."""
        if self.language == self.docs_language:
            return self.language
        return f"{self.language}→{self.docs_language}"


def load_chains(folder: Path) -> tuple[dict[str, bytes], list[ChainItem]]:
    """The documents and the questions of a chains folder; a bad line is a ValueError
    naming the file, the line and the field."""
    docs, questions = folder / "docs", folder / "questions.jsonl"
    if not docs.is_dir() or not questions.is_file():
        raise ValueError(f"{folder}: a chains dataset needs docs/ and questions.jsonl")
    documents = {p.name: p.read_bytes() for p in sorted(docs.iterdir()) if p.is_file()}
    items = []
    for number, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{questions}:{number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{where}: not JSON ({exc})") from exc
        missing = [name for name in _FIELDS if name not in row]
        if missing:
            raise ValueError(f"{where}: missing field {missing[0]!r}")
        hops = []
        for h, hop in enumerate(row["hops"], start=1):
            if not isinstance(hop, dict) or not {"question", "answers", "source"} <= set(hop):
                raise ValueError(f"{where}: hop {h} needs question, answers and source")
            if hop["source"] not in documents:
                raise ValueError(f"{where}: hop {h} source {hop['source']!r} is not in docs/")
            hops.append(
                AnswerItem(
                    str(hop["question"]), [str(a) for a in hop["answers"]], str(hop["source"])
                )
            )
        items.append(
            ChainItem(
                id=str(row["id"]),
                question=str(row["question"]),
                answers=[str(a) for a in row["answers"]],
                language=str(row["language"]),
                docs_language=str(row["docs_language"]),
                split=str(row["split"]),
                form=str(row.get("form", "")),
                hops=hops,
            )
        )
    return documents, items


def _p50(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2], 1) if ordered else 0.0


def _rate(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a group of chained questions."""
    chained_ms = [r["ms"] for r in rows]
    hop_ms = [ms for r in rows for ms in r["hop_ms"]]
    one, two = _p50(hop_ms), _p50(chained_ms)
    return {
        "questions": len(rows),
        "chained_contains_answer": _rate([r["contains"] for r in rows]),
        "hop1_alone_contains": _rate([r["hops_alone"][0] for r in rows]),
        "hop2_alone_contains": _rate([r["hops_alone"][-1] for r in rows]),
        "first_entity_resolved": _rate([r["entity_ok"] for r in rows]),
        "planned_as_chain": _rate([r["chained"] for r in rows]),
        "cites_every_hop": _rate([r["cites_every_hop"] for r in rows]),
        "abstained": _rate([r["abstained"] for r in rows]),
        "empty": sum(r["empty"] for r in rows),
        "verified": _rate([r["verified"] for r in rows if not r["abstained"]]),
        "ms_two_hop_p50": two,
        "ms_one_hop_p50": one,
        "two_hop_vs_one_hop_p50": round(two / one, 2) if one else 0.0,
    }


def _groups(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return {v: summarise([r for r in rows if r[key] == v]) for v in sorted({r[key] for r in rows})}


def run_chains_benchmark(
    dataset: Path,
    *,
    model: str | None = None,
    split: str | None = None,
    limit: int | None = None,
    home: Path | None = None,
    hops_alone: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Ingest the chains dataset and ask every (selected) question; see the module doc.

    ``hops_alone``: also ask each hop as a question of its own (per-hop figures and the
    one-hop latency); off, only the chained questions are asked.
    """
    documents, items = load_chains(dataset)
    items = [i for i in items if split in (None, "all") or i.split == split]
    items = items[:limit] if limit else items
    with tempfile.TemporaryDirectory(prefix="veraz-chains-") as tmp:
        rag = open_collection(
            AnswerDataset(documents=documents), Path(home) if home else Path(tmp), model=model
        )
        rows = []
        for done, item in enumerate(items, start=1):
            started = time.perf_counter()
            answer = rag.ask(item.question)
            ms = (time.perf_counter() - started) * 1000
            cited = {Path(c.source).name for c in answer.citations}
            hop_steps = [s.detail for s in answer.steps if "hop" in s.detail]
            first = hop_steps[0].get("entity", "") if hop_steps else ""
            gold = AnswerItem(item.question, item.answers, item.hops[-1].source)
            alone, hop_ms = [], []
            for hop in item.hops if hops_alone else []:
                hop_started = time.perf_counter()
                hop_answer = rag.ask(hop.question)
                hop_ms.append((time.perf_counter() - hop_started) * 1000)
                alone.append(contains_answer(hop_answer.answer, hop))
            rows.append(
                {
                    "id": item.id,
                    "question": item.question,
                    "answer": answer.answer,
                    "contains": contains_answer(answer.answer, gold),
                    "entity": first,
                    "entity_ok": bool(first) and contains_answer(first, item.hops[0]),
                    "chained": bool(hop_steps),
                    "cites_every_hop": all(h.source in cited for h in item.hops),
                    "abstained": answer.abstained,
                    "empty": not answer.answer.strip(),
                    "verified": answer.verification.grounded and not answer.abstained,
                    "ms": ms,
                    "hops_alone": alone or [False],
                    "hop_ms": hop_ms,
                    "pair": item.pair,
                    "split": item.split,
                    "form": item.form,
                }
            )
            if progress:
                progress(done, len(items))
        rag.close()
    by_split_pair = {
        split_name: _groups([r for r in rows if r["split"] == split_name], "pair")
        for split_name in sorted({r["split"] for r in rows})
    }
    return {
        "dataset": str(dataset),
        "documents": len(documents),
        **summarise(rows),
        "by_split": _groups(rows, "split"),
        "by_split_and_pair": by_split_pair,
        "by_form": _groups(rows, "form"),
        "rows": rows,
    }
