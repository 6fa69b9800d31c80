"""Which lexical analysis made a collection's stored keys, and what a store does about it.

Stored keys and a query's keys must come from one analysis (text_analysis.LEXICAL_VERSION).
Each collection records its version in ``meta`` (``lexical_version``; none means 1).
Opening one of an *older* version analyses it again, once (each store's ``_reanalyse``).
One of a *newer* version was re-analysed by a newer Veraz: this one refuses it rather
than rewrite it back, since two releases sharing a collection would otherwise rewrite
the whole index on every open. And a commit checks the version inside its transaction,
so a process that opened the collection before another one re-analysed it cannot add
keys of the old analysis to it.
"""

from __future__ import annotations

from typing import Literal

from ingestion.index.store import IndexMismatchError
from ingestion.text_analysis import LEXICAL_VERSION

META_KEY = "lexical_version"

Standing = Literal["current", "older"]


def stored_version(meta: dict[str, str]) -> str:
    """The version a collection's ``meta`` records; a collection from before versions
    were recorded has version 1."""
    return meta.get(META_KEY, "1")


def standing(collection: str, meta: dict[str, str]) -> Standing:
    """ "current", or "older" (analyse it again); a newer or unreadable version raises."""
    found = stored_version(meta)
    if found == LEXICAL_VERSION:
        return "current"
    if found.isdigit() and int(found) < int(LEXICAL_VERSION):
        return "older"
    raise IndexMismatchError(
        f"collection {collection!r} has lexical keys of analysis version {found}, made by a"
        f" newer Veraz; this one makes version {LEXICAL_VERSION}: upgrade Veraz to use it"
    )


def check_before_writing(collection: str, meta: dict[str, str]) -> None:
    """Refuse to commit keys of this analysis into a collection of another one: another
    process re-analysed it since this one opened it (inside the commit's transaction)."""
    found = stored_version(meta)
    if found != LEXICAL_VERSION:
        raise IndexMismatchError(
            f"collection {collection!r} now has lexical keys of analysis version {found}"
            f" (another Veraz process changed it), this process writes version"
            f" {LEXICAL_VERSION}: open the collection again"
        )
