"""Solving a chain: the steps of a plan in order, each retrieval using what earlier ones found.

Step ``n`` is resolved first (its ``#k`` replaced by the entity step k found), then
retrieved, graded offline and answered; its *entity* (agent/tools/hop_answer.py: the
short name or value the answer gives, not the sentence) is what later steps use. The
hops' answers, renumbered into one shared passage list, become the draft, so the answer
cites the passages of every hop and the verifier checks each hop's sentence against the
passage it cites.

A hop that finds nothing ends the chain:

- the first hop (or any hop of a chain the second-hop check guessed): the rules may have
  read a bridge where there is none, so the question is answered in one hop, as
  ``generate`` would;
- a later hop: the answer says which link is missing ("Encuentro que la respuesta a
  «¿Qué banda grabó…?» es Los Faros […], pero no …"), with the found hops and their
  citations, verified; it is an abstention.

Hops are graded offline (a model is not asked which passages are relevant), so a
two-hop chain costs at most three model calls: the plan and one answer per hop.
"""

from __future__ import annotations

from typing import Any

from agent.graphs.answering import (
    answer_with,
    as_passages,
    is_abstention,
    joined_without_repeats,
    renumber_citations,
)
from agent.graphs.context import GraphContext
from agent.graphs.node_names import SOLVE
from agent.graphs.nodes.abstain import abstention
from agent.graphs.nodes.retrieve import collection_is_empty
from agent.graphs.plan import resolve
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.models.calls import ModelCallError
from agent.prompts import render
from agent.tools.hop_answer import hop_entity
from agent.tools.question_kind import question_kind
from agent.tools.relevance import relevant
from agent.tools.sentences import citation_numbers, split_sentences
from agent.types import Usage
from ingestion.text_analysis import fold_accents

UNGRADED_KEPT = 2  # passages a hop answers from when the offline grader keeps none


def cited_numbers(answer: str, count: int) -> list[int]:
    """The [n] of ``answer`` that name one of ``count`` passages, each once, in order."""
    return [n for n in dict.fromkeys(citation_numbers(answer)) if 1 <= n <= count]


def _hop_passages(question: str, language: str, hits: list[dict[str, Any]]) -> list[dict]:
    """The hits the offline grader keeps, else the top ones: a hop's question is short
    and its wording is the plan's, so the grader's coverage test is stricter than needed;
    the answerer still quotes only units that answer."""
    verdicts = relevant(question, language, as_passages(hits))
    kept = [hit for hit, ok in zip(hits, verdicts, strict=True) if ok]
    return kept or hits[:UNGRADED_KEPT]


def solve_chain(state: RAGState, context: GraphContext) -> dict[str, Any]:
    """The graph update of solving ``state["sub_questions"]`` as a chain (module doc)."""
    language, model = state["language"], context.primary
    deadline = state.get("deadline", 0.0)
    plan: list[str] = state["sub_questions"]
    shared: list[dict[str, Any]] = []
    found: dict[int, str] = {}
    hops: list[dict[str, Any]] = []
    trace: list[dict[str, Any]] = []
    usage = Usage()
    for number, template in enumerate(plan, start=1):
        started = now()
        question = resolve(template, found)
        hits = [h.to_dict() for h in context.retriever.retrieve(question, k=context.k)]
        if not hits and collection_is_empty(context):
            return {
                "empty_collection": True,
                "draft": "",
                "steps": [step(SOLVE, started, hop=number, hits=0, empty_collection=True)],
            }
        kept = _hop_passages(question, language, hits) if hits else []
        answer = ""
        if kept:
            try:
                answer, used = answer_with(model, context, question, language, kept, deadline)
                usage = usage + used
            except ModelCallError as exc:
                trace.append(step(SOLVE, started, hop=number, question=question, error=exc.kind))
                return _failed(state, shared, hops, trace, usage, exc)
        hop_by = model.name
        if answer and model.llm is not None and not cited_numbers(answer, len(kept)):
            # a hop answer citing no passage is not an answer, as a final one is not (the
            # fallback's rule): SmolLM2 named "Qwen2" for "¿Qué persona va a probar
            # Prometheus-2?" and the chain went on from it, below extractive alone
            answer = context.answerer.answer(question, language, as_passages(kept)).text
            hop_by = "extractive (the model's answer cited no passage)"
        answered = bool(answer.strip()) and not is_abstention(answer, language)
        known = " ".join([state["standalone"], *(hop["question"] for hop in hops)])
        titles = tuple(kept[n - 1].get("title") or "" for n in cited_numbers(answer, len(kept)))
        entity = hop_entity(answer, question, language, known, titles) if answered else ""
        hint = (state.get("chain_hints") or {}).get(str(number), "")
        if hint:  # the second-hop check found it in the best passage: quote where it says so
            answer, entity = _naming(hint, answer, kept) or (answer, entity)
            answered = answered or bool(entity)
        for passage in kept:
            if all(p["chunk_id"] != passage["chunk_id"] for p in shared):
                shared.append(passage)
        last = number == len(plan)
        trace.append(
            step(
                SOLVE,
                started,
                hop=number,
                plan_step=template,
                question=question,
                entity=entity,
                hits=len(hits),
                kept=len(kept),
                answered=answered,
                answered_by=hop_by,
            )
        )
        # a hop that asks for a name, number or date must give one the question lacks
        # ("She is the daughter of Luis Vega" does not say who Luis Vega's father is)
        wants_value = not last or question_kind(question).expects in ("name", "number", "date")
        if not answered or (not entity and wants_value):
            if not hops or state.get("chain_source") == "second hop":
                return _one_hop(state, context, trace, usage, number)
            return _missing_hop(state, context, shared, hops, trace, usage, question)
        found[number] = entity
        hops.append(
            {
                "question": question,
                "plan_step": template,
                "entity": entity,
                "answer": renumber_citations(answer, kept, shared),
            }
        )
    return {
        "passages": shared,
        "sub_answers": hops,
        "draft": joined_without_repeats([hop["answer"] for hop in hops]),
        "model_used": model.name,
        "usage": usage.to_dict(),
        "steps": trace,
    }


def _naming(entity: str, answer: str, kept: list[dict[str, Any]]) -> tuple[str, str] | None:
    """``answer`` if it names ``entity``, else the first sentence of a kept passage that
    does, with its [n]; None when no passage names it."""
    folded = fold_accents(entity).lower()
    if folded in fold_accents(answer).lower():
        return answer, entity
    for n, passage in enumerate(kept, start=1):
        for sentence in split_sentences(passage["text"]):
            if folded in fold_accents(sentence).lower():
                return f"{sentence.strip()} [{n}]", entity
    return None


def _one_hop(
    state: RAGState, context: GraphContext, trace: list[dict], usage: Usage, broken_at: int
) -> dict[str, Any]:
    """The chain broke at hop ``broken_at`` (the first, or any of a second-hop guess):
    answer the whole question from one retrieval."""
    started = now()
    question, language = state["standalone"], state["language"]
    hits = [h.to_dict() for h in context.retriever.retrieve(question, k=context.k)]
    verdicts = relevant(question, language, as_passages(hits))
    kept = [h for h, ok in zip(hits, verdicts, strict=True) if ok]
    answer = ""
    if kept:
        try:
            answer, used = answer_with(
                context.primary, context, question, language, kept, state.get("deadline", 0.0)
            )
            usage = usage + used
        except ModelCallError as exc:
            return _failed(state, kept, [], trace, usage, exc)
    trace.append(step(SOLVE, started, chain_broken_at=broken_at, one_hop=True, kept=len(kept)))
    return {
        "passages": kept,
        "sub_answers": [],
        "draft": answer,
        "model_used": context.primary.name,
        "usage": usage.to_dict(),
        "steps": trace,
    }


def _missing_hop(
    state: RAGState,
    context: GraphContext,
    shared: list[dict[str, Any]],
    hops: list[dict[str, Any]],
    trace: list[dict],
    usage: Usage,
    missing: str,
) -> dict[str, Any]:
    """The abstention that names the missing link, with the found hops, verified."""
    started = now()
    language = state["language"]
    found_text = joined_without_repeats([hop["answer"] for hop in hops])
    sources = [p["text"] for p in shared]
    verification, _ = context.verifier.verify(
        found_text, sources, {n: n - 1 for n in range(1, len(sources) + 1)}
    )
    last = hops[-1]
    text = render(
        "missing_hop",
        language,
        found_question=last["question"],
        entity=last["entity"],
        found_answer=found_text,
        missing_question=missing,
    )
    if not verification.grounded:  # a found hop the sources do not support is not shown
        text = render("abstain", language)
    result = abstention(
        language, f"abstained: hop {len(hops) + 1} of the chain is missing", text=text
    )
    result["verification"].update(grounded=verification.grounded, score=verification.score)
    trace.append(
        step(SOLVE, started, missing_hop=len(hops) + 1, missing_question=missing, shown=found_text)
    )
    return {
        **result,
        "passages": shared if verification.grounded else [],
        "sub_answers": hops,
        "draft": "",
        "model_used": context.primary.name,
        "usage": usage.to_dict(),
        "steps": trace,
    }


def _failed(
    state: RAGState,
    shared: list[dict[str, Any]],
    hops: list[dict[str, Any]],
    trace: list[dict],
    usage: Usage,
    error: ModelCallError,
) -> dict[str, Any]:
    """A model call failed in a hop: the fallback model answers the whole question."""
    return {
        "passages": shared,
        "sub_answers": hops,
        "draft": "",
        "generation_error": str(error),
        "generation_error_kind": error.kind,
        "usage": (usage + error.usage).to_dict(),
        "steps": trace,
    }
