"""FAISS vectors keyed by chunk row id, saved to disk atomically. No pickle.

The index is exact inner product (``IndexFlatIP``) behind an ``IndexIDMap2`` so vectors
can be removed by id and read back for score fusion. Exact search over 100k chunks of
384 dimensions costs a few milliseconds on two cores; an approximate index is not worth
its recall loss at the sizes an embedded, single-user store holds.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import faiss
import numpy as np


def empty_index(dimension: int) -> faiss.IndexIDMap2:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


class DamagedVectorFileError(RuntimeError):
    """A generation's FAISS file exists but cannot be read (truncated, overwritten)."""


def read_index(path: Path) -> faiss.IndexIDMap2:
    """Load a generation's vectors.

    FileNotFoundError when the file is gone (FAISS reports that as a generic RuntimeError,
    which hid it from readers that retry on a newer generation); DamagedVectorFileError,
    naming the repair, when it is there but unreadable.
    """
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "vector file not found", str(path))
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:
        if not path.exists():  # removed by a writer between the check and the read
            raise FileNotFoundError(errno.ENOENT, "vector file not found", str(path)) from exc
        cause = (str(exc).strip().splitlines() or [""])[-1][:200]
        raise DamagedVectorFileError(
            f"the vector file {path} cannot be read ({cause}); "
            "run `veraz doctor --repair` to rebuild it from the stored chunks"
        ) from exc
    if not isinstance(index, faiss.IndexIDMap2):
        index = faiss.downcast_index(index)
    return index


def write_index_atomically(index: faiss.Index, path: Path) -> None:
    """Write to a temporary name, fsync, rename, fsync the folder: all or nothing."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def search(index: faiss.Index, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Top ``k`` ids by inner product for one query vector.

    Runs on one OpenMP thread: a single query is memory-bound, and with a busy second
    core FAISS's spinning threads made a 100k search 3x slower (41 ms vs 14 ms). The
    thread count is restored afterwards: torch shares the OpenMP setting, and leaving it
    at 1 halved embedding throughput for the rest of the process.
    """
    if index.ntotal == 0 or k <= 0:
        return []
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, ids = index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
    finally:
        faiss.omp_set_num_threads(previous)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def reconstruct(index: faiss.Index, ids: list[int]) -> np.ndarray:
    """The stored vectors of ``ids`` (rows in the given order)."""
    if not ids:
        return np.zeros((0, index.d), dtype=np.float32)
    return np.stack([index.reconstruct(int(i)) for i in ids])
