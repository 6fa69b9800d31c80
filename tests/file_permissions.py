"""Make file permissions bind in tests, even when the tests run as root (as CI containers do).

Root reads a ``chmod 000`` file because it holds CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH).
Linux capabilities belong to a thread, and a new thread starts with its creator's, so
clearing the two from the calling thread's effective set (they stay permitted, so they can
be restored) makes the kernel deny reads for this thread and for threads it starts meanwhile,
such as the ingestion pipeline's loader thread. Nothing is simulated: ``open`` really fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator

_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _capabilities() -> tuple[_Header, ctypes.Array[_Data]]:
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_CAPABILITY_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    return header, data


def _set(header: _Header, data: ctypes.Array[_Data]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


@contextlib.contextmanager
def permissions_enforced() -> Iterator[None]:
    """Within the block, this thread (and threads it starts) obey file modes like any user."""
    if os.geteuid() != 0:
        yield
        return
    header, data = _capabilities()
    original = data[0].effective
    data[0].effective &= ~((1 << _CAP_DAC_OVERRIDE) | (1 << _CAP_DAC_READ_SEARCH))
    _set(header, data)
    try:
        yield
    finally:
        header, data = _capabilities()
        data[0].effective = original
        _set(header, data)
