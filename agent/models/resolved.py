"""What a model setting resolves to, and the errors that resolution can raise.

Kept apart from the registry so provider modules can build a :class:`ResolvedModel`
without importing the registry that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
