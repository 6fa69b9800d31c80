"""Guarded imports for optional provider libraries.

Veraz installs without any LLM client; each provider's library comes with a pip extra.
Importing through :func:`require` turns a missing library into one line that says what
to install, instead of an ImportError traceback in the middle of a chat.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from agent.models.messages import message
from agent.models.resolved import MissingDependencyError


def require(module: str, extra: str, provider: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = exc.name or module
        raise MissingDependencyError(
            message("missing_package", provider=provider, package=package, extra=extra)
        ) from exc
