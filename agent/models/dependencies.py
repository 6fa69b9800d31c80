"""Guarded imports for optional provider libraries.

Veraz installs without any LLM client; each provider's library comes with a pip extra.
Importing through :func:`require` turns a missing library into one line that says what
to install, instead of an ImportError traceback in the middle of a chat.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from agent.models.resolved import MissingDependencyError


def require(module: str, extra: str, provider: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{provider}: the Python package for this provider is missing ({exc.name or module}); "
            f"install it with: pip install 'veraz[{extra}]'"
        ) from exc
