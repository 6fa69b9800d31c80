"""A question that names one row of a table is answered by that row alone.

"¿A qué hora cierra la biblioteca el viernes?" names the row whose key (its first cell, or
its label) is "Viernes"; the other rows of the table share its header words ("Cierre") and
its context, so they score nearly as well and were quoted with it, or the whole table was.
Here, once the answerer has chosen its units: when the question holds every distinguishing
word of exactly one row's key in a table, that row stands for the table (replacing any
other row of it that was chosen). A question naming no key, or several ("¿Qué sala tiene
más plazas, Norte o Sur?"), keeps what was chosen: it may compare rows.

Rows are read as :func:`agent.tools.answer_units.render_row` writes them: "Sala: Sur ·
Plazas: 25" (key "Sur") or "Público — Ollama: uso personal" (key "Público").
"""

from __future__ import annotations

import re

from agent.tools.unit_scoring import ScoredUnit
from ingestion.text_analysis import fold_accents

__all__ = ["named_row_only", "row_key"]

_WORD = re.compile(r"\w+")


def row_key(row_text: str) -> str:
    """The key of a row as the answer units write it: its label, or its first cell."""
    first = row_text.split(" · ", 1)[0]
    if " — " in first:
        return first.split(" — ", 1)[0]
    return first.split(": ", 1)[1] if ": " in first else first


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(fold_accents(text))}


def _distinguishing(keys: dict[int, set[str]]) -> dict[int, set[str]]:
    """Each key's words that not every key has, short words dropped when others remain."""
    common = set.intersection(*keys.values()) if len(keys) > 1 else set()
    result = {}
    for position, words in keys.items():
        own = words - common
        long = {w for w in own if len(w) > 2 or w.isdigit()}
        result[position] = long or own
    return result


def named_row_only(
    question: str, chosen: list[ScoredUnit], scored: list[ScoredUnit]
) -> list[ScoredUnit]:
    """``chosen`` with each table narrowed to the one row the question names (see above)."""
    tables = list(dict.fromkeys((s.passage, s.unit.group) for s in chosen if s.unit.kind == "row"))
    if not tables:
        return chosen
    asked = _words(question)
    result = list(chosen)
    for passage, group in tables:
        rows = [
            s
            for s in scored
            if s.passage == passage and s.unit.group == group and s.unit.kind == "row"
        ]
        if len(rows) < 2:
            continue
        keys = _distinguishing({s.unit.position: _words(row_key(s.unit.text)) for s in rows})
        named = [s for s in rows if keys[s.unit.position] and keys[s.unit.position] <= asked]
        if len(named) != 1:
            continue
        members = {s.unit.position for s in rows}
        first = next(
            i for i, s in enumerate(result) if s.passage == passage and s.unit.position in members
        )
        result = [s for s in result if not (s.passage == passage and s.unit.position in members)]
        result.insert(min(first, len(result)), named[0])
    return result
