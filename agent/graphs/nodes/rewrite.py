"""rewrite: a new search query after a retrieval found nothing relevant (bounded retries)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agent.graphs.context import GraphContext
from agent.graphs.model_or_rule import first_line, model_or_rule
from agent.graphs.node_names import REWRITE
from agent.graphs.state import RAGState
from agent.graphs.trace import now, step
from agent.prompts import render
from agent.tools.question_rules import TRANSLATED_ATTEMPT, keyword_query
from agent.tools.word_forms import word_keys

# A label a small model puts before its query ("Pregunta: ¿Qué mide TruthfulQA?").
_LABEL = re.compile(
    r"^\W{0,8}(?:pregunta|consulta|b[úu]squeda|nueva consulta|query|search query|"
    r"new query|rewritten query|question)\s{0,4}:\s*",
    re.IGNORECASE,
)


def new_query(state: RAGState) -> Callable[[str], str]:
    """Reads a model's rewritten query: its first line without a label. A query with the
    words of one already tried is no rewrite (SmolLM2 answered "Pregunta: ¿Qué mide
    TruthfulQA?" twice, the search found the same passages, and Veraz abstained where the
    keyword rewrite finds the answer); it raises, and the keyword rewrite is used."""
    language = state["language"]
    tried = {frozenset(word_keys(state[key], language)) for key in ("standalone", "query")}

    def parse(reply: str) -> str:
        query = _LABEL.sub("", first_line(reply)).strip()
        if not query or frozenset(word_keys(query, language)) in tried:
            raise ValueError("the rewrite repeats a query already tried")
        return query

    return parse


def rewrite(state: RAGState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    started = now()
    attempt = state["rewrites"] + 1
    outcome = model_or_rule(
        runtime.context.primary,
        lambda: render(
            "rewrite", state["language"], question=state["standalone"], query=state["query"]
        ),
        new_query(state),
        lambda: keyword_query(state["standalone"], attempt, state["language"]),
        deadline=state.get("deadline", 0.0),
        structured=False,  # one line of text: always usable
        # the question in the other language comes from the word list: a small model
        # rewrote it in its own language again, and the passage in the other one stayed
        # out of reach (SmolLM2 lost a held-out answer that extractive alone finds)
        ask=attempt < TRANSLATED_ATTEMPT,
    )
    detail = outcome.detail()
    detail["method"] = outcome.method.replace("rules", "keywords", 1)
    return {
        "query": outcome.value,
        "rewrites": attempt,
        **outcome.state_usage(),
        "steps": [step(REWRITE, started, attempt=attempt, query=outcome.value, **detail)],
    }
