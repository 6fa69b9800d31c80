"""Question/answer pairs from an ingested collection, each keeping its source chunk.

Two builders, for two situations:

* :func:`llm_pairs` asks the configured model (any spec the registry resolves) to write
  questions a reader could ask of one chunk, answered from that chunk alone. These are
  real question/answer pairs, but they inherit the generating model's mistakes: check
  a sample before training on them.
* :func:`structure_pairs` works offline, with no model: the question is built from the
  document's title and the chunk's section heading, the answer is the chunk's opening
  sentences. It teaches the documents' wording and the mapping from headings to
  content, not reasoning; questions are templates and many will be vaguer than what a
  user asks. It is a start for domain vocabulary, not a substitute for curated data.

Each example's ``meta`` records ``chunk_id``, ``source`` and ``origin`` so a bad answer
can be traced back to the passage it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent.prompts import render
from finetune.dataset import Example

SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[¿¡\"«(A-ZÁÉÍÓÚÑ0-9])")
SYSTEM = {
    "es": "Responde en español, con precisión y solo con lo que sabes del dominio.",
    "en": "Answer in English, precisely, with what you know of the domain.",
}


@dataclass
class CorpusChunk:
    """The parts of a stored chunk the builders use."""

    chunk_id: str
    source: str
    title: str
    language: str
    section: str
    text: str


def read_chunks(collection: Any) -> list[CorpusChunk]:
    """Every chunk of a collection's store (:class:`ingestion.index.Store`), in row order."""
    return [
        CorpusChunk(
            chunk_id=c.chunk_id,
            source=c.source,
            title=c.title or "",
            language=c.language or "en",
            section=c.section or "",
            text=c.text,
        )
        for c in collection.iter_chunks()
    ]


def _lang(chunk: CorpusChunk) -> str:
    return "es" if chunk.language.startswith("es") else "en"


def _sentences(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in SENTENCE.split(flat) if s.strip()]


def _heading(chunk: CorpusChunk) -> str:
    """The innermost section heading (sections are stored as 'A > B > C')."""
    parts = [p.strip(" #") for p in re.split(r"\s*[>/›]\s*", chunk.section) if p.strip(" #")]
    return parts[-1] if parts else ""


def _question(chunk: CorpusChunk, heading: str) -> str:
    title = chunk.title.strip() or chunk.source.rsplit("/", 1)[-1]
    if _lang(chunk) == "es":
        if heading and heading.casefold() != title.casefold():
            return f"Según «{title}», ¿qué se sabe sobre «{heading}»?"
        return f"¿Qué explica el documento «{title}»?"
    if heading and heading.casefold() != title.casefold():
        return f"According to “{title}”, what is known about “{heading}”?"
    return f"What does the document “{title}” explain?"


def structure_pairs(
    chunks: list[CorpusChunk], *, max_sentences: int = 4, min_chars: int = 80
) -> list[Example]:
    """Offline pairs from headings and opening sentences; see the module docstring."""
    examples = []
    for chunk in chunks:
        body = chunk.text
        heading = _heading(chunk)
        if heading and body.lstrip("# ").startswith(heading):
            body = body.lstrip("# ")[len(heading) :]  # the heading is the question, not answer
        title = chunk.title.strip()
        if title and body.lstrip("# ").startswith(title):
            body = body.lstrip("# ")[len(title) :]  # a text file's first line is its title
        sentences = [s for s in _sentences(body) if not s.startswith("```")]
        answer = " ".join(sentences[:max_sentences]).strip()
        if len(answer) < min_chars:
            continue  # a heading with a line under it teaches nothing
        lang = _lang(chunk)
        examples.append(
            Example(
                messages=[
                    {"role": "system", "content": SYSTEM[lang]},
                    {"role": "user", "content": _question(chunk, heading)},
                    {"role": "assistant", "content": answer},
                ],
                meta={"origin": "structure", "chunk_id": chunk.chunk_id, "source": chunk.source},
            )
        )
    return examples


def parse_pairs(reply: str) -> list[tuple[str, str]]:
    """The ``[{"question", "answer"}]`` list in a model reply, tolerating prose around it."""
    start, end = reply.find("["), reply.rfind("]")
    if start < 0 or end <= start:
        return []
    try:
        data = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return []
    pairs = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            q, a = item.get("question"), item.get("answer")
            if isinstance(q, str) and isinstance(a, str) and q.strip() and a.strip():
                pairs.append((q.strip(), a.strip()))
    return pairs


@dataclass
class LLMPairsReport:
    """How generation went: pairs kept, chunks whose reply had none, and the errors."""

    chunks: int = 0
    pairs: int = 0
    empty_replies: int = 0
    errors: int = 0
    first_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def llm_pairs(
    chunks: list[CorpusChunk],
    model: Any,
    *,
    per_chunk: int = 2,
    limit: int | None = None,
    report: LLMPairsReport | None = None,
) -> Iterator[Example]:
    """Pairs written by ``model`` (a :class:`ResolvedModel`) for each chunk, lazily.

    A failed call or an unparseable reply skips that chunk and is counted in ``report``:
    one flaky reply should not lose an hour of generation.
    """
    from agent.models.calls import ModelCallError, call_model

    report = report if report is not None else LLMPairsReport()
    for chunk in chunks[:limit] if limit else chunks:
        report.chunks += 1
        lang = _lang(chunk)
        prompt = render("qa_pairs", lang, n=str(per_chunk), title=chunk.title, text=chunk.text)
        try:
            reply, _usage = call_model(model, prompt)
        except ModelCallError as exc:
            report.errors += 1
            report.first_error = report.first_error or str(exc)
            continue
        pairs = parse_pairs(reply)[:per_chunk]
        if not pairs:
            report.empty_replies += 1
        for question, answer in pairs:
            report.pairs += 1
            yield Example(
                messages=[
                    {"role": "system", "content": SYSTEM[lang]},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ],
                meta={
                    "origin": f"llm:{model.name}",
                    "chunk_id": chunk.chunk_id,
                    "source": chunk.source,
                    "chunk_text": chunk.text,
                },
            )
