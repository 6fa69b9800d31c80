"""An exclusive lock between processes on a lock file (``flock``).

Used for the one writer per collection and the one run per scheduled source: both
must hold across separate processes (a scheduler, a `veraz ingest`, the UI), and the
kernel releases an flock when its holder dies, so a SIGKILL never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path``; yields whether it is held.

    With ``wait=False`` it yields False at once when another process holds it.
    """
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
