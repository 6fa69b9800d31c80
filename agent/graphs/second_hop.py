"""Iterative retrieval: a second hop for a bridge question the rules did not read.

After the first retrieval of a one-part question, three checks, cheapest first, decide
whether the best passage is a *first hop* rather than the answer:

1. it covers much of the question (at least ``MIN_COVERED`` of its content words) but
   not all of it: some words ("drummer") are missing from it;
2. it names an entity the question does not (agent/tools/hop_answer.py picks the one
   nearest what the question asks about);
3. that entity is described in the collection: a BM25 search (no embedding, a few
   milliseconds) for the entity and the missing words finds another passage *about* it
   (the entity in its title or opening words) that holds at least one missing word.

Only then is the question solved as a chain: the question itself, whose answer gives the
entity, then "the missing words of #1". A question whose best passage holds all its
words stops at check 1 and pays only for reading that passage's words; a chain whose
second hop finds nothing falls back to the one-hop answer (agent/graphs/chain.py).
Passages in another language than the question are not read this way (their words
cannot be compared); those questions keep one hop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.tools.bridge_rules import word_tokens
from agent.tools.hop_answer import hop_entity
from agent.tools.retriever import HybridRetriever
from ingestion.text_analysis import analyze, fold_accents

MIN_COVERED = 0.5  # share of the question's content words the first passage must hold
MIN_WORDS = 3  # shorter questions have too few words to tell a missing part
PROBE_K = 3


@dataclass(frozen=True)
class SecondHop:
    """The chain to solve, the entity the first hop found, and what decided it."""

    plan: list[str]
    entity: str
    detail: dict[str, Any]


def _missing_words(question: str, language: str, passage: str) -> tuple[list[str], float]:
    """The question's words whose stems the passage lacks, and the share it covers."""
    said = set(analyze(passage, language))
    wanted: dict[str, list[str]] = {}
    for token in word_tokens(question):
        if not token.text.isalpha() or token.text[:1].isupper():
            continue
        for stem in analyze(token.text, language):
            wanted.setdefault(stem, []).append(token.text)
    if len(wanted) < MIN_WORDS:
        return [], 1.0
    missing = [words[0] for stem, words in wanted.items() if stem not in said]
    return missing, 1 - len(missing) / len(wanted)


def _lead(question: str, language: str) -> str:
    """The question's opening words before its first content word ("Who is the")."""
    words = question.strip().split()
    lead: list[str] = []
    for word in words:
        bare = word.strip("¿?¡!,.").lower()
        if bare and analyze(bare, language):
            break
        lead.append(word)
    return " ".join(lead)


_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;\n])[\s#>*\-\"'“«(`]{0,8}$")


def _only_a_capital(entity: str, passage: str) -> bool:
    """A single word capitalised only because it opens its sentences or lines ("We
    start the server like this:", "Requires glibc 2.31…"), or a function word of either
    language: no entity to chain on. Once asked "Which use of We?" as a second hop and
    quoted a README's requirements for a question about a port (notes, tune set).
    A one-word name that opens every sentence it is in is lost too: the question is
    then answered in one hop, as before the second hop existed."""
    if " " in entity.strip():
        return False
    if not analyze(entity, "en") or not analyze(entity, "es"):
        return True
    openings = 0
    for match in re.finditer(rf"(?<!\w){re.escape(entity)}(?!\w)", passage):
        if not _SENTENCE_OPENING.search(passage[max(0, match.start() - 12) : match.start()]):
            return False
        openings += 1
    return openings > 0


def second_hop(
    question: str, language: str, hits: list[dict[str, Any]], retriever: HybridRetriever
) -> SecondHop | None:
    """The chain for ``question`` if its best passage is a first hop (module doc)."""
    if not hits or (hits[0].get("language") or language) != language:
        return None
    top = hits[0]
    missing, covered = _missing_words(question, language, f"{top.get('title', '')} {top['text']}")
    if not missing or covered < MIN_COVERED:
        return None
    entity = hop_entity(top["text"], question, language, names_only=True)
    if not entity or any(ch.isdigit() for ch in entity) or _only_a_capital(entity, top["text"]):
        return None
    probe = retriever.retrieve(f"{entity} {' '.join(missing)}", k=PROBE_K, mode="bm25")
    # the entity as whole words: "we" inside "between" is no mention of it
    about_entity = re.compile(rf"(?<!\w){re.escape(fold_accents(entity).lower())}(?!\w)")
    missing_stems = {s for w in missing for s in analyze(w, language)}
    for hit in probe:
        # "described": a passage about the entity (its title, or its opening words). Not
        # the title the first passage shares: every part of "Reading notes: Fast Sampling
        # with Draft Models" has "Fast Sampling" in its title, and its references chunk
        # made "Who took the notes…?" a chain to "Who took speculative of Fast Sampling?"
        title = hit.title if hit.source != top.get("source") else ""
        about = fold_accents(f"{title} {hit.text[: len(entity) + 40]}").lower()
        if hit.chunk_id == top["chunk_id"] or not about_entity.search(about):
            continue
        if missing_stems & set(analyze(hit.text, language)):
            link = "de" if language == "es" else "of"
            lead = _lead(question, language)
            opening = "¿" if language == "es" and not lead.startswith("¿") else ""
            then = f"{opening}{lead} {' '.join(missing)} {link} #1?".strip()
            return SecondHop(
                plan=[question, then],
                entity=entity,
                detail={"entity": entity, "missing": missing, "covered": round(covered, 2)},
            )
    return None
