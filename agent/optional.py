"""Guarded imports of optional dependencies, each naming the extra that installs it.

Heavy or platform-specific libraries (llama.cpp, peft, bitsandbytes, streamlit, ragas,
provider SDKs) live in extras. Code imports them through :func:`require` so a user who
lacks one gets a sentence telling them what to install instead of a bare ImportError.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs the Python package '{module}', which is not installed. "
            f"Install it with: pip install 'veraz[{extra}]'"
        ) from exc
