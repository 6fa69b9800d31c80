"""Entries of an answer's ``steps``: which node ran, how long it took, what it decided."""

from __future__ import annotations

import time
from typing import Any


def now() -> float:
    return time.perf_counter()


def step(node: str, started: float, **detail: Any) -> dict[str, Any]:
    return {"node": node, "ms": round((time.perf_counter() - started) * 1000, 2), "detail": detail}
