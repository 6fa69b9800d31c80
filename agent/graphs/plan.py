"""A plan: the steps that answer a question, where a step may use earlier answers (#n).

Two sources make plans. The rules (agent/tools/bridge_rules.py for bridge questions,
agent/tools/question_rules.split_question for questions that list their parts) are the
default and the fallback; a model may propose a plan of its own, up to
``max_sub_questions`` steps, which is used only if it passes :func:`check_plan`:

- it is a list of one to ``max_steps`` questions (each ends in "?" or opens with a
  question word);
- every ``#n`` names an earlier step (a step cannot use its own answer or a later one);
- no step only repeats the question (a "plan" that is the question again, or a step
  that restates it beside the real ones, is no plan);
- a plan with dependencies ends with the step that answers the question.

A plan with a ``#n`` is a *chain* (solved in order, agent/graphs/chain.py); one without is
a list of independent parts (solved each alone and combined, agent/graphs/nodes/solve.py).
"""

from __future__ import annotations

import re

from agent.models.calls import ModelCallError, parse_json_object
from ingestion.text_analysis import fold_accents

_REFERENCE = re.compile(r"#(\d{1,2})\b")
_QUESTION_START = re.compile(
    r"^\W*(?:qu[ée]|c[óo]mo|cu[áa]nt\w*|cu[áa]l\w*|d[óo]nde|cu[áa]ndo|por qu[ée]|qui[ée]n\w*|"
    r"con qui[ée]n|en qu[ée]|de qu[ée]|what|how|which|why|when|where|who\w*|in what|in which|"
    r"is|are|was|were|does|do|did|can|name|list)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


class PlanError(ValueError):
    """A model's plan that cannot be used; the message says which rule it breaks."""


def references(step: str) -> list[int]:
    """The earlier answers ``step`` uses: [1] for "In what year was #1 founded?"."""
    return [int(n) for n in _REFERENCE.findall(step)]


def is_chain(steps: list[str]) -> bool:
    """Whether some step uses an earlier step's answer."""
    return any(references(s) for s in steps)


def resolve(step: str, answers: dict[int, str]) -> str:
    """``step`` with each ``#n`` replaced by the answer of step n (which must be known)."""
    return _REFERENCE.sub(lambda m: answers[int(m.group(1))], step)


def _words(text: str) -> list[str]:
    return [fold_accents(w).lower() for w in _WORD.findall(text)]


def _repeats(step: str, question: str) -> bool:
    """The step says what the question says (the same words, give or take two)."""
    step_words, question_words = _words(step), _words(question)
    if not step_words:
        return True
    if step_words == question_words:
        return True
    same = set(step_words) == set(question_words)
    return same or (
        not references(step)
        and len(set(question_words) - set(step_words)) == 0
        and len(step_words) - len(question_words) <= 2
    )


def check_plan(steps: list[str], question: str, max_steps: int) -> list[str]:
    """``steps`` if they form a usable plan for ``question``; raises PlanError otherwise."""
    if not steps:
        raise PlanError("the plan has no steps")
    if len(steps) > max_steps:
        raise PlanError(f"the plan has {len(steps)} steps, more than {max_steps}")
    for number, step in enumerate(steps, start=1):
        if not (step.rstrip().endswith("?") or _QUESTION_START.match(step)):
            raise PlanError(f"step {number} is not a question: {step!r}")
        for ref in references(step):
            if not 1 <= ref < number:
                raise PlanError(f"step {number} uses #{ref}, which is not an earlier step")
        if len(steps) > 1 and not references(step) and _repeats(step, question):
            raise PlanError(f"step {number} only repeats the question")
    if is_chain(steps):
        used = {ref for step in steps for ref in references(step)}
        unused = [n for n in range(1, len(steps)) if n not in used]
        if unused:
            raise PlanError(f"step {unused[0]}'s answer is never used")
    return steps


def parse_plan(text: str, question: str, max_steps: int) -> list[str]:
    """A model's reply ({"steps": [...]}) as a checked plan; ModelCallError if unusable."""
    proposed = parse_json_object(text).get("steps")
    if not isinstance(proposed, list):
        raise ModelCallError("malformed", "no steps list in the reply")
    steps = [str(s).strip() for s in proposed if str(s).strip()]
    try:
        return check_plan(steps, question, max_steps)
    except PlanError as exc:
        raise ModelCallError("malformed", f"unusable plan: {exc}") from exc
