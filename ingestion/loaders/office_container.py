"""Checks on the ZIP container of DOCX and PPTX files, before any parser opens them.

A wrong or damaged container gets a plain reason ("password-protected", "not a ZIP
archive", "a zip bomb?") instead of whatever the parser would raise deep inside.
"""

from __future__ import annotations

import io
from pathlib import Path

from ingestion.loaders.errors import LoaderError
from ingestion.loaders.file_reading import format_size

__all__ = ["check_office_container"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_office_container(path: Path, data: bytes, kind: str) -> None:
    """DOCX/PPTX are ZIP archives; say plainly what else the file is instead of a zip error.

    An OLE2 container is what Office writes for a password-protected file (and for the old
    binary .doc/.ppt formats).
    """
    if data.startswith(_ZIP_MAGIC):
        _check_unzipped_size(path, data, kind)
        return
    if data.startswith(_OLE_MAGIC):
        raise LoaderError(
            path, f"{kind} is password-protected, or an old binary .{kind.lower()[:3]} file"
        )
    raise LoaderError(path, f"not a valid {kind} file (not a ZIP archive; corrupt?)")


_UNZIPPED_FLOOR = 128 * 1024 * 1024
_UNZIPPED_RATIO = 3


def _check_unzipped_size(path: Path, data: bytes, kind: str) -> None:
    """Refuse a ZIP that would expand far beyond its size (a zip bomb) before parsing it.

    python-docx and python-pptx read every part of the package into memory, so the sum of
    the parts' uncompressed sizes is what parsing costs. The sizes come from the central
    directory; :mod:`zipfile` never returns more bytes than a member declares (and fails
    its CRC check if the data disagree), so a lying header cannot smuggle in more. Allowed:
    128 MB, or three times the file's own size if larger (images barely compress).
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoaderError(
            path, f"not a valid {kind} file (damaged or truncated ZIP archive)"
        ) from exc
    limit = max(_UNZIPPED_FLOOR, _UNZIPPED_RATIO * len(data))
    if unzipped > limit:
        raise LoaderError(
            path,
            f"{kind} expands to {format_size(unzipped)} when unzipped, over the limit of "
            f"{format_size(limit)} (a zip bomb?); not read",
        )
