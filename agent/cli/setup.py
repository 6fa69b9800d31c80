"""Opening what a command works on (settings, a ``Veraz``), with mistakes as one line.

A wrong ``VERAZ_*`` value, an index built with another model or a model that cannot be
set up is the user's to fix, so it is shown as one red line and exit code 2, never as a
traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agent.terminal import fail

if TYPE_CHECKING:
    from pydantic import ValidationError

    from agent.api import Veraz
    from agent.config import Settings

T = TypeVar("T")


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def open_veraz(home: Path | None, collection: str | None, **extra: Any) -> Veraz:
    """A :class:`Veraz` for the command's options over the environment and veraz.toml."""
    from pydantic import ValidationError

    from agent.api import Veraz

    try:
        return Veraz(home=home, collection=collection, **extra)
    except ValidationError as exc:
        fail(f"invalid configuration: {_problems(exc)}")


def load_settings(home: Path | None, **extra: Any) -> Settings:
    """Settings from the environment and veraz.toml, with a configuration error as one line."""
    from pydantic import ValidationError

    from agent.config import Settings

    given = {key: value for key, value in {"home": home, **extra}.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        fail(f"invalid configuration: {_problems(exc)}")


def guarded(call: Callable[[], T]) -> T:
    """Run ``call``; known user-facing errors become one red line, not a traceback."""
    from ingestion.index import IndexMismatchError, StoreUnavailable

    try:
        return call()
    except (
        IndexMismatchError,
        StoreUnavailable,
        ValueError,
    ) as exc:  # ModelSetupError is a ValueError
        fail(str(exc))
