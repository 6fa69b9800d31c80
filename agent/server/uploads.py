"""Files uploaded to ``POST /v1/ingest``: checked, stored under the home, then ingested.

The request never names a place on this machine: only a file's base name is kept (any
folder part a client sends is dropped) and the file lands in
``VERAZ_HOME/uploads/<collection>/``, as the UI's uploads do, which the index then
points to. A file is refused before anything is written when its name is unusable
(empty, hidden, control characters, too long), its type unsupported, or it is empty or
over ``VERAZ_MAX_FILE_MB`` — in the words an ingestion run would use. Each file is
written to a temporary name and renamed into place, so a reader never sees half a file
and a link planted at the target is replaced, not followed. What the loaders then
refuse (corrupt, encrypted, scanned without OCR …) comes back in the report, as from
``veraz ingest``; nothing stored before is touched.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from agent.api import Veraz
from agent.types import FailedFile, IngestReport
from ingestion.loaders import LoaderError, file_type_of, size_problem
from ingestion.path_checks import name_problem, printable

MAX_NAME_BYTES = 255


@dataclass
class Upload:
    """One file part of the request: the name the client gave, its bytes (spooled), size."""

    filename: str
    file: BinaryIO
    size: int


def upload_folder(home: Path, collection: str) -> Path:
    return home / "uploads" / collection


def stored_name(filename: str) -> tuple[str, str | None]:
    """The base name to store under, as shown to the user, and why it is refused (or None)."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    shown = printable(base or filename or "")[:200] or "(no name)"
    if not base or base in (".", ".."):
        return shown, "the upload has no file name"
    if "\x00" in base:
        return shown, "file name contains a NUL character"
    problem = name_problem(Path(base))
    if problem:
        return shown, problem
    if base.startswith("."):
        return shown, "hidden file names (starting with '.') are not accepted"
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        return shown, f"file name is longer than {MAX_NAME_BYTES} bytes"
    return base, None


def refusal(name: str, size: int, max_file_bytes: int) -> str | None:
    """Why a well-named upload is refused before it is stored: type, then size."""
    try:
        file_type_of(Path(name))
    except LoaderError as exc:
        return exc.reason
    return size_problem(size, max_file_bytes)


def _store(upload: Upload, target: Path) -> None:
    temporary = target.with_name(f".incoming-{uuid.uuid4().hex}")
    try:
        upload.file.seek(0)
        with open(temporary, "xb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def ingest_uploads(
    folder: Path, uploads: list[Upload], max_file_bytes: int, open_engine: Callable[[], Veraz]
) -> IngestReport:
    """Store the acceptable uploads in ``folder`` and ingest them with the collection's Veraz.

    ``open_engine()`` gives that Veraz; it is called only when at least one file is
    accepted, so a request whose files are all refused creates no collection.
    Failures carry the names the client sent, never the server's paths.
    """
    rejected: list[FailedFile] = []
    saved: dict[str, str] = {}
    for upload in uploads:
        name, problem = stored_name(upload.filename)
        if problem is None and name in saved.values():
            problem = "sent twice in this request"
        problem = problem or refusal(name, upload.size, max_file_bytes)
        if problem:
            rejected.append(FailedFile(name, problem))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        _store(upload, target)
        saved[str(target.resolve())] = name
    report = IngestReport()
    if saved:
        report = open_engine().ingest(list(saved))
    for failure in report.failed:
        failure.path = saved.get(str(Path(failure.path).resolve()), Path(failure.path).name)
    report.failed = rejected + report.failed
    return report
