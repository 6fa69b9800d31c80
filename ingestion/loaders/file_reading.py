"""Reading a file's bytes once, safely: size limits first, then a read that notices change.

The pipeline hashes the bytes it gets here and parses the same bytes, so a document's
stored content hash always describes the text that was indexed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ingestion.loaders.errors import LoaderError

__all__ = [
    "CHANGED_WHILE_READING",
    "DEFAULT_MAX_BYTES",
    "DISAPPEARED_WHILE_READING",
    "FileSnapshot",
    "format_size",
    "read_file",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_OVER_LIMIT = "file is {size}, over the limit of {limit} (VERAZ_MAX_FILE_MB)"
CHANGED_WHILE_READING = "file changed while it was being read; it will be read again next run"
DISAPPEARED_WHILE_READING = "file disappeared while it was being read"
_READ_BLOCK = 1 << 20


def format_size(n_bytes: float) -> str:
    """Sizes in MB as the user sets them (VERAZ_MAX_FILE_MB); bytes when that would read 0."""
    if n_bytes < 0.1 * 1024 * 1024:
        return f"{int(n_bytes)} bytes"
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"


@dataclass(frozen=True)
class FileSnapshot:
    """The bytes of a file together with the ``stat`` they were read under.

    The pipeline hashes ``data`` and parses the same ``data``, so a document's stored content
    hash always describes the text that was indexed, even when the file changes meanwhile.
    """

    data: bytes
    size: int
    mtime: float


def _fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _access_error(path: Path, exc: OSError) -> LoaderError:
    if isinstance(exc, FileNotFoundError):
        return LoaderError(path, "file not found")
    if isinstance(exc, PermissionError):
        return LoaderError(path, "cannot read file: permission denied")
    return LoaderError(path, f"cannot read file: {exc.strerror or exc}")


def size_problem(size: int, max_bytes: int) -> str | None:
    """Why a file of ``size`` bytes is refused (empty, over the limit), or None.

    Public so that uploads (the UI, the HTTP API) refuse a file before storing it with
    the same words an ingestion run uses.
    """
    if size == 0:
        return "empty file"
    if size > max_bytes:
        return _OVER_LIMIT.format(size=format_size(size), limit=format_size(max_bytes))
    return None


def _check_size(path: Path, size: int, max_bytes: int) -> None:
    problem = size_problem(size, max_bytes)
    if problem:
        raise LoaderError(path, problem)


def read_file(path: Path, max_bytes: int) -> FileSnapshot:
    """Read a regular file once, refusing it by size before reading a byte of it.

    ``os.stat`` decides first (never read a 2 GB file to reject it). The file is opened
    non-blocking (a FIFO swapped in after the check cannot hang the run) and read in blocks,
    never more than ``max_bytes + 1``. If its inode, size or modification time differ
    before and after the read, or the name no longer points at it, the bytes may mix two
    versions: that is an error for this run, and the file is read again on the next one.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _access_error(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise LoaderError(path, "not a regular file")
    _check_size(path, st.st_size, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _access_error(path, exc) from None
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise LoaderError(path, "not a regular file")
        _check_size(path, before.st_size, max_bytes)
        blocks: list[bytes] = []
        total = 0
        while block := os.read(fd, min(_READ_BLOCK, max_bytes + 1 - total)):
            blocks.append(block)
            total += len(block)
            if total > max_bytes:
                raise LoaderError(
                    path, f"file grew over the limit of {format_size(max_bytes)} while being read"
                )
        after = os.fstat(fd)
    except OSError as exc:
        raise _access_error(path, exc) from None
    finally:
        os.close(fd)
    try:
        now = os.stat(path)
    except FileNotFoundError:
        raise LoaderError(path, DISAPPEARED_WHILE_READING) from None
    except OSError as exc:
        raise _access_error(path, exc) from None
    if not (_fingerprint(before) == _fingerprint(after) == _fingerprint(now)) or total != (
        before.st_size
    ):
        raise LoaderError(path, CHANGED_WHILE_READING)
    if total == 0:
        raise LoaderError(path, "empty file")
    return FileSnapshot(data=b"".join(blocks), size=total, mtime=before.st_mtime)
