"""The ``extractive`` answerer: quotes and cites the passages' own words; writes none.

Candidates are the answer units of the kept passages (agent/tools/answer_units.py):
sentences, list items, table rows read with their header, definition lines, asides, and
code statements when the question is about code, names an identifier the statement
holds ("¿Qué valor de lora_alpha…?"), or is covered by the statement itself (a YAML
comment "# batch efectivo = 32"). Only units that answer (unit_scoring.py:
coverage of the question with their context, something the question does not already
say, and what the question asks for) are candidates; none means no answer.

They are ranked by that lexical evidence, embedding similarity to the question and
focus (what the wh-word asks for, and of what, said by the unit itself), then composed:

- a question asking for several things ("¿Qué técnicas…?") whose best unit is a list
  item or a table row is answered with the whole list (its lead line, then every item at
  that level) or table;
- otherwise up to ``max_units`` good, non-redundant units (maximal marginal relevance).

Each unit keeps its wording and comes with the [n] of its passage, in reading order; a
nested item is shown under its parent item, which says what it is about. So every claim
is quoted from a cited source and the verifier can check it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.tools.answer_units import AnswerUnit, opens_by_pointing_back, opens_without_its_subject
from agent.tools.question_kind import QuestionKind, question_kind
from agent.tools.sentences import split_sentences
from agent.tools.table_rows import named_row_only
from agent.tools.unit_scoring import (
    MAX_ANTECEDENTS,
    Passage,
    ScoredUnit,
    identifiers,
    score_units,
)
from agent.tools.word_forms import question_keys, word_keys
from ingestion.embedding import Embedder

_MMR_LAMBDA = 0.7
_KEEP_RATIO = 0.6  # further units must score at least this share of the best one
# ... and a larger share when the question asks for one fact (a number, a date, a name):
# the best unit holds it, and the ones after it were padding ("¿Cuánta memoria necesita
# QLoRA…?" quoted who presented QLoRA and its three innovations after the 48 GB).
_KEEP_RATIO_FACT = 0.85
_FACT_KINDS = ("number", "date", "name")
_EMBEDDED = 48  # candidates, by lexical evidence, whose similarity is computed
_MAX_LIST = 15  # items quoted from one list or table

# Weights of the ranking score: coverage with context, coverage by the unit alone,
# similarity to the question, and bonuses for the form the question asks for.
_W_COVERAGE, _W_OWN, _W_SIMILARITY = 0.5, 0.1, 0.4
_W_FOCUS = 0.3
_CODE_OWN_COVERAGE = 0.5  # a code statement that covers this much of a question answers it
_FORM_BONUS = 0.1
_RANK_BONUS = 0.05


@dataclass
class ExtractiveAnswer:
    text: str
    cited: list[int]  # citation numbers used, 1-based passage positions


@dataclass
class _Candidate:
    scored: ScoredUnit
    similarity: float = 0.0
    score: float = 0.0
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def key(self) -> tuple[int, int]:
        return self.scored.passage, self.scored.unit.position


def _form_bonus(scored: ScoredUnit, kind: QuestionKind) -> float:
    """The unit has the form the question asks for: an item or row for "several",
    a definition line for "what is"."""
    unit = scored.unit
    if kind.several and unit.kind in ("item", "row"):
        return _FORM_BONUS
    if kind.expects == "definition" and (unit.kind == "definition" or unit.term):
        return _FORM_BONUS
    if kind.expects == "code" and unit.kind == "code":
        return _FORM_BONUS
    return 0.0


def _code_answers(
    scored: ScoredUnit, kind: QuestionKind, identifiers: set[str], question: str, language: str
) -> bool:
    """A code statement is an answer to a question about code, to one naming an
    identifier the statement holds, or to one the statement's own words cover."""
    if kind.about_code or scored.own >= _CODE_OWN_COVERAGE:
        return True
    text = scored.unit.text.lower()
    if any(identifier in text for identifier in identifiers):
        return True
    # "learning rate" asked, "learning_rate: 2e-4" written
    words = set(question_keys(question, language))
    spelled = set(word_keys(re.sub(r"[_-]", " ", scored.unit.text), language))
    return bool(words) and len(words & spelled) / len(words) >= _CODE_OWN_COVERAGE


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, max_units: int = 3) -> None:
        self.embedder = embedder
        self.max_units = max_units

    def answer(self, question: str, language: str, passages: Sequence[Passage]) -> ExtractiveAnswer:
        kind = question_kind(question)
        scored = score_units(question, language, passages)
        named = identifiers(question)
        candidates = [
            _Candidate(s)
            for s in scored
            if s.answers
            and (s.unit.kind != "code" or _code_answers(s, kind, named, question, language))
        ]
        if not candidates:
            return ExtractiveAnswer("", [])
        candidates.sort(key=lambda c: -(c.scored.coverage + c.scored.own))
        candidates = candidates[:_EMBEDDED]
        vectors = self.embedder.encode([c.scored.unit.text for c in candidates])
        query = self.embedder.embed_query(question)
        for candidate, vector in zip(candidates, vectors, strict=True):
            s = candidate.scored
            candidate.vector = vector
            candidate.similarity = float(vector @ query)
            candidate.score = (
                _W_COVERAGE * s.coverage
                + _W_OWN * s.own
                + _W_SIMILARITY * candidate.similarity
                + _W_FOCUS * s.focus
                + _form_bonus(s, kind)
                + _RANK_BONUS / (s.passage + 1)
            )
        best = max(candidates, key=lambda c: c.score)
        unit = best.scored.unit
        if kind.several and unit.kind in ("item", "row"):
            chosen = self._whole_list(candidates, scored)
        else:
            one_fact = kind.expects in _FACT_KINDS and not kind.several
            keep = _KEEP_RATIO_FACT if one_fact else _KEEP_RATIO
            chosen = [c.scored for c in self._mmr(candidates, best, keep)]
            asked = set(question_keys(question, language))
            chosen = _with_antecedents(chosen, scored, asked, language, kind.expects == "name")
        chosen = named_row_only(question, chosen, scored)  # a question naming one table row
        return self._render(chosen, scored)

    def _whole_list(
        self, candidates: list[_Candidate], scored: list[ScoredUnit]
    ) -> list[ScoredUnit]:
        """Every unit of the best list (at one level) or table, in order.

        The best list is the one whose best answering member scores highest among lists
        of two or more (a nested item alone under its parent is not "several"); with no
        such list, the best unit's own.
        """

        def members(c: _Candidate) -> list[ScoredUnit]:
            key = (c.scored.passage, c.scored.unit.group)
            return [s for s in scored if (s.passage, s.unit.group) == key]

        listed = [c for c in candidates if c.scored.unit.kind in ("item", "row")]
        several = [c for c in listed if len(members(c)) >= 2]
        best = max(several or listed, key=lambda c: c.score)
        return members(best)[:_MAX_LIST]

    def _mmr(self, candidates: list[_Candidate], best: _Candidate, keep: float) -> list[_Candidate]:
        """``best``, then up to ``max_units`` - 1 more scoring at least ``keep`` times it,
        each the most relevant and least redundant of those left."""
        picked = [best]
        pool = [c for c in candidates if c is not best and c.score >= keep * best.score]
        while len(picked) < self.max_units and pool:

            def value(c: _Candidate) -> float:
                redundancy = max(float(c.vector @ p.vector) for p in picked)
                return _MMR_LAMBDA * c.score - (1 - _MMR_LAMBDA) * redundancy

            choice = max(pool, key=value)
            pool.remove(choice)
            if max(float(choice.vector @ p.vector) for p in picked) < 0.95:
                picked.append(choice)
        return picked

    def _render(self, chosen: list[ScoredUnit], scored: list[ScoredUnit]) -> ExtractiveAnswer:
        """The chosen units in reading order as answer text, each with its [n]."""
        shown: dict[tuple[int, int], ScoredUnit] = {}
        chosen = _without_repeated_asides(chosen)
        for s in chosen:
            # A nested item is shown under its parent, which says what it is about (and
            # which unit_scoring counted as part of what the item tells).
            parent = _parent(s, scored) if s.unit.kind == "item" and s.unit.depth > 0 else None
            if parent is not None:
                shown[(parent.passage, parent.unit.position)] = parent
            shown[(s.passage, s.unit.position)] = s
        ordered = [shown[key] for key in sorted(shown)]
        lines: list[str] = []
        lead_done: set[tuple[int, int]] = set()
        prose: list[str] = []

        def end_prose() -> None:
            if prose:
                lines.append(" ".join(prose))
                prose.clear()

        for s in ordered:
            n = s.passage + 1
            unit = s.unit
            if unit.kind in ("sentence", "definition", "aside"):
                said = f"{unit.text} [{n}]"
                if prose and not _reads_apart(prose[-1], said):
                    end_prose()  # on a line of its own, so the verifier checks it alone
                prose.append(said)
                continue
            end_prose()
            if unit.kind == "item":
                if unit.lead and (s.passage, unit.group) not in lead_done:
                    lead_done.add((s.passage, unit.group))
                    lines.append(f"{unit.lead} [{n}]")
                indent = "  " * min(unit.depth, 3) if len(ordered) > 1 else ""
                lines.append(f"{indent}- {unit.text} [{n}]")
            elif unit.kind == "code" and "\n" in unit.text:
                lines.append(f"```\n{unit.text}\n``` [{n}]")
            elif unit.kind == "code":
                lines.append(f"`{unit.text}` [{n}]")
            else:
                lines.append(f"{unit.text} [{n}]")
        end_prose()
        return ExtractiveAnswer(_as_markdown(lines), sorted({s.passage + 1 for s in ordered}))


def _reads_apart(before: str, after: str) -> bool:
    """Whether ``before`` and ``after``, run together in one paragraph, still split into
    the same sentences. A chat line ("[2024-05-16 12:00] pablo: …") or a sentence that
    opens in lowercase ("por cierto la clave…") would be read with the unit before it as
    one sentence, and the verifier, judging that merged claim, dropped both."""
    alone = split_sentences(after)
    return bool(alone) and split_sentences(f"{before} {after}")[-len(alone) :] == alone


def _without_repeated_asides(chosen: list[ScoredUnit]) -> list[ScoredUnit]:
    """An aside is dropped when the sentence it comes from is quoted too."""
    kept = []
    for s in chosen:
        if s.unit.kind == "aside":
            body = (
                s.unit.text.removeprefix(f"{s.unit.subject}: ") if s.unit.subject else s.unit.text
            )
            if any(o is not s and o.passage == s.passage and body in o.unit.text for o in chosen):
                continue
        kept.append(s)
    return kept


# A demonstrative before a noun, anywhere in a sentence: "…are treated using these
# devices", "…se tratan con estos dispositivos", "dicho método". One adjective may
# stand between ("these special chambers", "este nuevo formato").
_POINTING_PHRASE = re.compile(
    r"\b(?:this|these|those|such|est[aeo]s?|es[aeo]s?|aquell?[aeo]s?|dich[ao]s?)"
    r"\s{1,3}(?:[^\W\d_]{1,40}\s{1,3})?([^\W\d_]{2,40})",
    re.IGNORECASE,
)


def _points_back_at_the_asked_thing(text: str, asked: set[str], language: str) -> bool:
    """Whether ``text`` names one of the question's words only by pointing back to it
    ("What device treats carbon monoxide poisoning?" — "…are sometimes treated using
    these devices"): which device is said in the sentence before."""
    if not asked:
        return False
    for match in _POINTING_PHRASE.finditer(text):
        if set(word_keys(match.group(0), language)) & asked:
            return True
    return False


def _points_back(unit: AnswerUnit, asked: set[str], language: str) -> bool:
    """Whether a sentence needs the one before it to be read: it opens by pointing back,
    or names an asked thing only by pointing back, unless it is quoted with its heading
    or label ("HQQ: Este método…"), which says what it points at."""
    if opens_by_pointing_back(unit.text):
        return True
    return not unit.subject and _points_back_at_the_asked_thing(unit.text, asked, language)


def _with_antecedents(
    chosen: list[ScoredUnit],
    scored: list[ScoredUnit],
    asked: set[str],
    language: str,
    who: bool = False,
) -> list[ScoredUnit]:
    """Each chosen sentence that points back is quoted with the sentence before it (and
    that one with the one before it, while it points back too): one that opens by
    pointing back ("These devices…", "Su autor…"), one that names a thing the question
    asks about only as "these devices", "este método", and, to a "who?" (``who``), one
    without its subject ("He is also…", "Además, es con 39 años…"), whose person the
    sentences before it name."""
    by_place = {(s.passage, s.unit.position): s for s in scored}
    result = list(chosen)
    for s in chosen:
        current = s
        # back to the sentence that names its own subject, at most MAX_ANTECEDENTS
        for _ in range(MAX_ANTECEDENTS):
            if current.unit.kind != "sentence" or not (
                _points_back(current.unit, asked, language)
                or (who and opens_without_its_subject(current.unit.text))
            ):
                break
            # a sentence under the same headings (ScoredUnit.before), or none
            before = by_place.get((current.passage, current.before))
            if before is None:
                break
            if before not in result:
                result.append(before)
            current = before
    return result


def _as_markdown(lines: list[str]) -> str:
    """Lines joined so Markdown (the UI, chat clients) shows them as written: list items
    one under the other, every other line a paragraph of its own (a single line break
    would run two table rows together)."""
    text = ""
    for line in lines:
        if text:
            item = line.lstrip().startswith("- ")
            text += "\n" if item else "\n\n"
        text += line
    return text


def _parent(item: ScoredUnit, scored: list[ScoredUnit]) -> ScoredUnit | None:
    """The list item a nested item belongs to (the nearest one above it, one level up)."""
    above = [
        s
        for s in scored
        if s.passage == item.passage
        and s.unit.kind == "item"
        and s.unit.position < item.unit.position
        and s.unit.depth == item.unit.depth - 1
    ]
    return above[-1] if above else None
