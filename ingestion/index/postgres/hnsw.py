"""The HNSW graph's settings, read from the store URL: what a bigger server can afford.

pgvector's defaults (``m`` 16, ``ef_construction`` 64) and Veraz's ``ef_search`` 200 keep
a 2-core machine's builds and searches short, and cap dense recall@10 against an exact
scan near 0.70 at 100k synthetic chunks and 0.41 at 1M (docs/scaling.md). More links per
node and a wider build list buy recall for build time (at 100k: ``m`` 32,
``ef_construction`` 200 reach 0.91 at ``ef_search`` 200 and 0.99 at 800, for a 4.6×
longer build), so they are the user's to choose, as query parameters of
``VERAZ_STORE``::

    postgresql://veraz@db:5432/veraz?hnsw_m=32&hnsw_ef_construction=200&hnsw_ef_search=800

``m`` and ``ef_construction`` apply whenever the graph is built: a new collection, a bulk
load (a large first ingest, ``veraz migrate``), a reindex to another model, the doctor's
repair. ``ef_search`` applies to every search from the next connection on. The
parameters are taken out of the URL before it reaches libpq, which would refuse them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DENSE_CANDIDATES = 50
"""The retriever's dense candidates per query (agent/tools/retriever.py): pgvector returns
at most ``ef_search`` rows, so ``ef_search`` below this would cut them."""

_LIMITS = {
    "hnsw_m": (2, 100),  # pgvector's bounds
    "hnsw_ef_construction": (4, 1000),
    "hnsw_ef_search": (DENSE_CANDIDATES, 1000),
}


@dataclass(frozen=True)
class HnswSettings:
    """``m``: links per node; ``ef_construction``: the candidate list while building;
    ``ef_search``: the candidate list per search."""

    m: int = 16
    ef_construction: int = 64
    ef_search: int = 200

    def index_options(self) -> str:
        """The ``WITH (…)`` of ``CREATE INDEX … USING hnsw``."""
        return f"WITH (m = {self.m}, ef_construction = {self.ef_construction})"


DEFAULT = HnswSettings()


def split_url(url: str) -> tuple[str, HnswSettings]:
    """``url`` without the ``hnsw_*`` query parameters, and the settings they give.

    Raises ValueError naming the parameter when one is not a whole number within
    pgvector's bounds, or when ``hnsw_ef_construction`` is below twice ``hnsw_m``
    (pgvector refuses that graph)."""
    parts = urlsplit(url)
    if "hnsw_" not in parts.query:
        return url, DEFAULT
    kept, given = [], {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _LIMITS:
            given[key] = _whole_number(key, value)
        elif key.startswith("hnsw_"):
            raise ValueError(
                f"VERAZ_STORE: unknown parameter {key!r} (known: {', '.join(sorted(_LIMITS))})"
            )
        else:
            kept.append((key, value))
    settings = HnswSettings(
        m=given.get("hnsw_m", HnswSettings.m),
        ef_construction=given.get("hnsw_ef_construction", HnswSettings.ef_construction),
        ef_search=given.get("hnsw_ef_search", HnswSettings.ef_search),
    )
    if settings.ef_construction < 2 * settings.m:
        raise ValueError(
            f"VERAZ_STORE: hnsw_ef_construction ({settings.ef_construction}) must be at least"
            f" twice hnsw_m ({settings.m})"
        )
    return urlunsplit(parts._replace(query=urlencode(kept))), settings


def _whole_number(key: str, value: str) -> int:
    low, high = _LIMITS[key]
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ValueError(
            f"VERAZ_STORE: {key} must be a whole number from {low} to {high}, not {value!r}"
        )
    return int(value)
