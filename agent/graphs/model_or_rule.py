"""Ask the model, else apply the rule, and record why: the step every LLM node shares.

Routing, grading, rewriting, contextualizing, decomposing, direct replies and the LLM
judge all work the same way: with an LLM they send one prompt and parse the reply; with
``extractive``, when the call fails (timeout, refused connection, rate limit), when a
small model's reply cannot be parsed, or when the question's time budget is spent, they
fall back to a deterministic rule. What happened is recorded the same way everywhere:
``method`` ("llm", "rules", "rules (model failed: malformed)", "rules (question time
budget spent)"), the call's usage (counted even when the reply was unusable) and the
number of calls, which the answer's ``usage.llm_calls`` adds up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from agent.models.calls import ModelCallError, call_model
from agent.models.resolved import ResolvedModel
from agent.types import Usage

T = TypeVar("T")

BUDGET_SPENT = "question time budget spent"
# Reply budget of a decision (a route, the passages' numbers, a rewritten query): a few
# tokens of JSON or one line.
DECISION_TOKENS = 64


def budget_spent(deadline: float) -> bool:
    """Whether the question's time budget (an epoch deadline; 0: none) has run out."""
    return bool(deadline) and time.time() >= deadline


def first_line(text: str) -> str:
    """The reply's first non-empty line (a rewritten query, a standalone question)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise ValueError("empty reply")


def whole_reply(text: str) -> str:
    """The reply as given, which must not be empty (a synthesis of sub-answers)."""
    if not text.strip():
        raise ValueError("empty reply")
    return text.strip()


@dataclass
class Outcome(Generic[T]):
    """What a node decided, how, and what asking the model cost."""

    value: T
    method: str
    usage: Usage = field(default_factory=Usage)

    @property
    def malformed(self) -> bool:
        return self.method.endswith("(model failed: malformed)")

    def detail(self) -> dict[str, Any]:
        """What the node's step records: the method, and the model call if there was one."""
        detail: dict[str, Any] = {"method": self.method}
        if self.usage.llm_calls:
            detail.update(
                llm_calls=self.usage.llm_calls,
                prompt_tokens=self.usage.prompt_tokens,
                completion_tokens=self.usage.completion_tokens,
            )
        return detail

    def state_usage(self) -> dict[str, Any]:
        """The usage update for the graph state ({} when nothing was spent)."""
        return {"usage": self.usage.to_dict()} if self.usage.llm_calls else {}


def model_or_rule(
    model: ResolvedModel,
    prompt: Callable[[], str],
    parse: Callable[[str], T],
    rule: Callable[[], T],
    *,
    deadline: float = 0.0,
    ask: bool = True,
    max_tokens: int | None = DECISION_TOKENS,
    structured: bool = True,
) -> Outcome[T]:
    """``parse`` of the model's reply to ``prompt()``, or ``rule()`` (see the module doc).

    ``ask=False``: the rules are confident enough that the model is not asked at all (a
    simple question is routed without a call). ``parse`` raises ModelCallError or
    ValueError for a reply it cannot use. ``max_tokens``: the reply budget (a decision
    is short; None keeps the model's own). ``structured``: the reply must be JSON; how
    often the model manages that decides whether it is asked at all (DecisionRecord).
    """
    if model.llm is None or not ask:
        return Outcome(rule(), "rules")
    if budget_spent(deadline):
        return Outcome(rule(), f"rules ({BUDGET_SPENT})")
    decision = structured and max_tokens is not None  # a JSON decision, not free text
    if decision and model.decisions.skipping:
        skipped = model.decisions.unusable_in_a_row
        return Outcome(rule(), f"rules (model not asked: its last {skipped} replies were unusable)")
    try:
        text, usage = call_model(model, prompt(), deadline=deadline, max_tokens=max_tokens)
    except ModelCallError as exc:
        return Outcome(rule(), f"rules (model failed: {exc.kind})", exc.usage)
    try:
        value = parse(text)
    except (ModelCallError, ValueError, TypeError):
        if decision:
            model.decisions.record(usable=False)
        return Outcome(rule(), "rules (model failed: malformed)", usage)
    if decision:
        model.decisions.record(usable=True)
    return Outcome(value, "llm", usage)
