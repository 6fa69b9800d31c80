"""An offline test set from the user's own corpus: one question per chosen source sentence.

Without an LLM there is no honest way to write new questions, so this picks informative
sentences (a number or a name, 8–40 words), spread over the documents, and asks what the
documents say about the sentence's key terms; the sentence is the ground truth and its
chunk the reference context. Limits, stated in every generated file's ``generator``
field: the questions reuse the sentence's words, so they test retrieval of stated facts
and are easier for BM25 than real user questions; they never need reasoning across
passages; and the phrasing is templated.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from evals.dataset import EvalItem

GENERATOR = "offline-sentences (templated questions from source sentences; see evals/testset.py)"
_STOP = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "or",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "with",
        "on",
        "as",
        "at",
        "from",
        "that",
        "this",
        "it",
        "its",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "de",
        "del",
        "y",
        "o",
        "en",
        "para",
        "por",
        "con",
        "que",
        "se",
        "es",
        "son",
        "su",
        "sus",
        "al",
        "lo",
        "como",
        "más",
    }
)
_TEMPLATES = {
    "es": "¿Qué dicen los documentos sobre {topic}?",
    "en": "What do the documents say about {topic}?",
}


def _sentences(text: str) -> list[str]:
    pieces = re.split(r"\n\s*\n|(?<=[.!?])\s+", text)
    return [" ".join(p.split()) for p in pieces if p and p.strip()]


def _informative(sentence: str) -> bool:
    words = sentence.split()
    has_fact = bool(re.search(r"\d", sentence)) or any(w[:1].isupper() for w in words[1:])
    return 8 <= len(words) <= 40 and has_fact and not sentence.endswith("?")


def _topic(sentence: str) -> str:
    """The sentence's first few content words: names and numbers first, then the rest."""
    words = [w.strip(".,;:()[]\"'«»") for w in sentence.split()]
    content = [w for w in words if w and w.lower() not in _STOP]
    key = [w for w in content if w[:1].isupper() or any(c.isdigit() for c in w)]
    chosen = (key + [w for w in content if w not in key])[:4]
    return " ".join(w for w in content if w in chosen)


def _chunks(rag: Any) -> list[Any]:
    return list(rag.index.iter_chunks())


def generate_offline(rag: Any, n: int = 50, seed: int = 0) -> list[EvalItem]:
    """Up to ``n`` items, round-robin over documents so no single file dominates."""
    by_doc: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for chunk in _chunks(rag):
        for sentence in _sentences(chunk.text):
            if _informative(sentence):
                by_doc[chunk.source].append((sentence, chunk))
    rng = random.Random(seed)
    for candidates in by_doc.values():
        rng.shuffle(candidates)
    items: list[EvalItem] = []
    seen: set[str] = set()
    while len(items) < n and any(by_doc.values()):
        for source in sorted(by_doc):
            if not by_doc[source] or len(items) >= n:
                continue
            sentence, chunk = by_doc[source].pop()
            language = "es" if chunk.language.startswith("es") else "en"
            question = _TEMPLATES[language].format(topic=_topic(sentence))
            if question in seen:
                continue
            seen.add(question)
            items.append(
                EvalItem(
                    id=f"g{len(items) + 1:03d}",
                    question=question,
                    ground_truth=sentence,
                    language=language,
                    reference_contexts=[chunk.text],
                    reference_sources=[Path(source).name],
                )
            )
    return items


def llm_generator_label(model_name: str) -> str:
    return (
        f"llm:{model_name} (one question per sampled chunk, answered from that chunk, which "
        "is kept as the reference; not ragas' TestsetGenerator)"
    )


def generate_with_model(
    rag: Any, model: Any, n: int = 50, seed: int = 0
) -> tuple[list[EvalItem], dict[str, Any]]:
    """Up to ``n`` items written by ``model`` (a ResolvedModel), one per sampled chunk.

    Chunks are drawn round-robin over documents (seeded), so the set covers the corpus.
    Each item keeps its chunk as ``reference_contexts`` and its file as
    ``reference_sources``: retrieval is scored against the passage the question came
    from. Returns the items and a report of chunks tried, empty replies and errors.
    """
    from finetune.corpus_pairs import LLMPairsReport, llm_pairs, read_chunks

    by_doc: dict[str, list[Any]] = defaultdict(list)
    for chunk in read_chunks(rag.index):
        if len(chunk.text.split()) >= 25:  # a heading alone makes no question
            by_doc[chunk.source].append(chunk)
    rng = random.Random(seed)
    for chunks in by_doc.values():
        rng.shuffle(chunks)
    order = []
    while any(by_doc.values()):
        for source in sorted(by_doc):
            if by_doc[source]:
                order.append(by_doc[source].pop())
    report = LLMPairsReport()
    items: list[EvalItem] = []
    seen: set[str] = set()
    for example in llm_pairs(order, model, per_chunk=1, report=report):
        question = example.messages[1]["content"]
        if question.lower() in seen:
            continue
        seen.add(question.lower())
        meta = example.meta
        chunk_language = next(c.language for c in order if c.chunk_id == meta["chunk_id"])
        items.append(
            EvalItem(
                id=f"g{len(items) + 1:03d}",
                question=question,
                ground_truth=example.messages[2]["content"],
                language="es" if chunk_language.startswith("es") else "en",
                reference_contexts=[meta["chunk_text"]],
                reference_sources=[Path(meta["source"]).name],
            )
        )
        if len(items) >= n:
            break
    return items, report.to_dict()
