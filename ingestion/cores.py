"""How many cores this process may run on, for sizing thread and connection pools."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity, which a container or ``taskset``
    narrows, where ``os.cpu_count()`` counts every core of the host."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
