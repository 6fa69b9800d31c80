"""The result types of the public contract (docs/design.md, "Contracts").

``FailedFile`` and ``IngestReport`` belong to ingestion (ingestion/types.py), the lower
layer that makes them; they are re-exported here because they are part of the contract.

Plain dataclasses: typed, cheap to build in hot loops, and ``to_dict()`` gives exactly
what the CLI prints with ``--json`` and what the UI and evaluations read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingestion.types import FailedFile as FailedFile
from ingestion.types import FileNote as FileNote
from ingestion.types import IngestReport as IngestReport


class _Serialisable:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class Hit(_Serialisable):
    """One retrieved chunk."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    page: int | None
    text: str
    score: float
    section: str = ""
    language: str = ""


@dataclass
class Citation(_Serialisable):
    n: int
    chunk_id: str
    source: str
    page: int | None
    text: str
    score: float
    section: str = ""


@dataclass
class Verification(_Serialisable):
    """``grounded``: every judged sentence is supported by the sources. ``answers_question``:
    the answer holds what the question asks for (not empty, not only [n] markers, not the
    question repeated, a number for "how many…"); ``answer_issue`` says why not."""

    grounded: bool
    score: float
    unsupported: list[str] = field(default_factory=list)
    method: str = ""
    answers_question: bool = True
    answer_issue: str = ""


@dataclass
class Step(_Serialisable):
    node: str
    ms: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Usage(_Serialisable):
    """Tokens and dollars spent on one answer (or one model call).

    ``estimated``: some counts are estimates (the provider reported none and no local
    tokenizer exists). ``priced``: every call had a known price; when false, ``cost_usd``
    covers only the priced calls — a paid call is never silently counted as free.
    ``llm_calls``: how many times a language model was called (failed calls included).
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    estimated: bool = False
    priced: bool = True
    llm_calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            estimated=self.estimated or other.estimated,
            priced=self.priced and other.priced,
            llm_calls=self.llm_calls + other.llm_calls,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        data = data or {}
        return cls(
            prompt_tokens=int(data.get("prompt_tokens", 0)),
            completion_tokens=int(data.get("completion_tokens", 0)),
            cost_usd=float(data.get("cost_usd", 0.0)),
            estimated=bool(data.get("estimated", False)),
            priced=bool(data.get("priced", True)),
            llm_calls=int(data.get("llm_calls", 0)),
        )


@dataclass
class Turn(_Serialisable):
    """One earlier exchange of a conversation that the caller keeps, not Veraz.

    An HTTP client sends the whole conversation with each request (the OpenAI protocol):
    its earlier questions and answers become the history a follow-up is resolved with,
    without a server-side thread.
    """

    question: str
    answer: str


@dataclass
class Answer(_Serialisable):
    question: str
    answer: str
    language: str
    abstained: bool
    route: str
    model: str
    fallback_used: bool
    citations: list[Citation] = field(default_factory=list)
    verification: Verification = field(default_factory=lambda: Verification(False, 0.0))
    steps: list[Step] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    fallback_reason: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """Rebuild an Answer from :meth:`to_dict` output (stream events, saved eval runs)."""
        return cls(
            question=data["question"],
            answer=data["answer"],
            language=data["language"],
            abstained=bool(data["abstained"]),
            route=data["route"],
            model=data["model"],
            fallback_used=bool(data["fallback_used"]),
            citations=[Citation(**c) for c in data.get("citations", [])],
            verification=Verification(**data["verification"]),
            steps=[Step(**s) for s in data.get("steps", [])],
            usage=Usage.from_dict(data.get("usage")),
            fallback_reason=data.get("fallback_reason", ""),
        )
