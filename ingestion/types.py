"""What an ingestion run reports: the types ingestion makes and every upper layer reads.

They live here, in the lower layer, so ``ingestion/`` never imports ``agent``;
``agent.types`` re-exports them as part of the public contract.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class _Serialisable:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class FailedFile(_Serialisable):
    """A file an ingestion run could not take, and why in words a user can act on."""

    path: str
    error: str


@dataclass
class FileNote(_Serialisable):
    """Something a user should know about a file that was ingested, though in part only
    as they might expect (a PDF table indexed as plain text)."""

    path: str
    note: str


@dataclass
class IngestReport(_Serialisable):
    """What one ingestion run did. A bad file lands in ``failed``; it never aborts the run."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failed: list[FailedFile] = field(default_factory=list)
    embedded: int = 0
    embedding_cache_hits: int = 0
    notes: list[FileNote] = field(default_factory=list)
