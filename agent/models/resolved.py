"""What a model setting resolves to, and the errors that resolution can raise.

Kept apart from the registry so provider modules can build a :class:`ResolvedModel`
without importing the registry that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from langchain_core.language_models import BaseChatModel

from agent.models.messages import ModelMessage
from agent.models.pricing import Price
from agent.models.retry import RetryPolicy
from agent.tools.token_counter import EstimatedCounter, TokenCounter

EXTRACTIVE = "extractive"


class ModelSetupError(ValueError):
    """A model setting that cannot be used as given: the message is one line for the user.

    ``str(error)`` is English; ``error.message`` renders in Spanish too (the UI).
    """

    def __init__(self, message: ModelMessage) -> None:
        super().__init__(str(message))
        self.message = message


class UnknownModelError(ModelSetupError):
    """The model setting names no provider Veraz knows."""


class MissingDependencyError(ModelSetupError):
    """The provider's client library is not installed; the message names the pip extra."""


@dataclass
class DecisionRecord:
    """How this model's structured decisions (JSON: routes, gradings, sub-questions) have
    gone in this process.

    A small model often answers the question instead of returning the JSON a decision
    needs (SmolLM2-135M never managed it here); each such call costs seconds on a CPU
    and ends in the rule anyway. After ``SKIP_AFTER`` decisions in a row that could not
    be used, the graph stops asking the model for decisions and says so in its steps;
    one usable reply resets the count. Answers are still asked of the model.
    """

    SKIP_AFTER = 3
    unusable_in_a_row: int = 0
    total: int = 0
    unusable: int = 0

    def record(self, usable: bool) -> None:
        self.total += 1
        if usable:
            self.unusable_in_a_row = 0
        else:
            self.unusable += 1
            self.unusable_in_a_row += 1

    @property
    def skipping(self) -> bool:
        return self.unusable_in_a_row >= self.SKIP_AFTER


# The chat-model field each provider takes its reply limit from (LangChain's names differ).
REPLY_LIMIT_FIELDS = {
    "openai": "max_tokens",
    "ollama": "num_predict",
    "gemini": "max_output_tokens",
    "llamacpp": "max_tokens",
    "hf": "max_tokens",
}


@dataclass
class ResolvedModel:
    """A usable model: the LangChain chat model plus what Veraz needs around it.

    ``llm`` is ``None`` for the extractive model. ``context_window`` (tokens) bounds how
    much retrieved text is packed into a prompt; ``counter`` counts tokens the way this
    model does (or estimates, and says so); ``price`` turns usage into dollars.
    """

    name: str
    llm: BaseChatModel | None
    provider: str = EXTRACTIVE
    context_window: int | None = None
    max_output_tokens: int = 512
    counter: TokenCounter = field(default_factory=EstimatedCounter)
    price: Price | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    notes: list[str] = field(default_factory=list)
    # what to tell the user per failure kind, e.g. {"not_found": "run: ollama pull x"}
    hints: dict[str, str] = field(default_factory=dict)
    _limited: dict[int, ResolvedModel] = field(default_factory=dict, repr=False)
    decisions: DecisionRecord = field(default_factory=lambda: DecisionRecord())

    def with_reply_limit(self, tokens: int) -> ResolvedModel:
        """This model, replying with at most ``tokens`` tokens.

        A routing or grading decision is a few tokens of JSON; a small model that rambles
        past it would otherwise write up to the full reply budget, which on a CPU is most
        of a question's time. Models Veraz did not build (a user's own LangChain model)
        are used as they are.
        """
        name = REPLY_LIMIT_FIELDS.get(self.provider)
        if self.llm is None or name is None or tokens >= self.max_output_tokens:
            return self
        if tokens not in self._limited:
            llm = self.llm.model_copy(update={name: tokens})
            self._limited[tokens] = replace(
                self, llm=llm, max_output_tokens=tokens, _limited={}, decisions=self.decisions
            )
        return self._limited[tokens]

    @property
    def is_extractive(self) -> bool:
        return self.llm is None


@dataclass
class Reachability:
    """Whether a configured model can answer right now, and why not when it cannot."""

    model: str
    provider: str
    reachable: bool
    message: ModelMessage

    @property
    def detail(self) -> str:
        """The reason in English (``veraz models``, JSON)."""
        return self.message.text("en")

    def describe(self, language: str) -> str:
        """The reason in ``language`` (the UI's)."""
        return self.message.text(language)

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "provider": self.provider,
            "reachable": self.reachable,
            "detail": self.detail,
            "code": self.message.code,
        }
