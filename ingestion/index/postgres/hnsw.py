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
load (a large first ingest, ``veraz migrate``), a reindex to another model; an existing
graph keeps the settings it was built with. ``ef_search`` applies to every search from
the next connection on. Every connection (the store's, the thread store's) takes the
URL without these parameters (:attr:`StoreLocation.database`, ``connect``): libpq would
refuse them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

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

_WHOLE_NUMBER = re.compile(r"[0-9]{1,5}")


def split_url(url: str) -> tuple[str, HnswSettings]:
    """``url`` without the ``hnsw_*`` query parameters, and the settings they give.

    The URL is read the way libpq reads it, not re-encoded: the user information ends at
    the first "@" before any "/" (a password may hold "?" or "&"), the query starts at
    the first "?" after it, and every other parameter is kept byte for byte ("%20" stays
    "%20"). Parameter names are matched without regard to case or percent-encoding.

    Raises ValueError naming the parameter when one is not a whole number (ASCII digits)
    within pgvector's bounds, or when ``hnsw_ef_construction`` is below twice ``hnsw_m``
    (pgvector refuses that graph)."""
    scheme, separator, rest = url.partition("://")
    stop = next((i for i, c in enumerate(rest) if c in "@/"), len(rest))
    host_from = stop + 1 if stop < len(rest) and rest[stop] == "@" else 0
    mark = rest.find("?", host_from)
    if mark < 0:
        return url, DEFAULT
    kept, given = [], {}
    for piece in rest[mark + 1 :].split("&"):
        key, _, value = piece.partition("=")
        name = unquote(key).strip().lower()
        if name in _LIMITS:
            given[name] = _whole_number(name, unquote(value))
        elif name.startswith("hnsw_"):
            raise ValueError(
                f"VERAZ_STORE: unknown parameter {name!r} (known: {', '.join(sorted(_LIMITS))})"
            )
        else:
            kept.append(piece)
    if not given:
        return url, DEFAULT
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
    query = "&".join(kept)
    rest = rest[:mark] + (f"?{query}" if query else "")
    return f"{scheme}{separator}{rest}", settings


def _whole_number(key: str, value: str) -> int:
    low, high = _LIMITS[key]
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError(
            f"VERAZ_STORE: {key} must be a whole number from {low} to {high}, not {value[:20]!r}"
        )
    return int(text)
