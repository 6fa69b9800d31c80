"""Files uploaded to ``POST /v1/ingest``: checked, stored under the home, then ingested.

The request never names a place on this machine: only a file's base name is kept (any
folder part a client sends is dropped) and the file lands in
``VERAZ_HOME/uploads/<collection>/``, as the UI's uploads do, which the index then
points to. A file is refused before anything is written when its name is unusable
(empty, hidden, control characters, too long), its type unsupported, or it is empty or
over ``VERAZ_MAX_FILE_MB`` — in the words an ingestion run would use. Each file is
written to a temporary folder and read by its loader there; only then is it renamed
into place, so a reader never sees half a file, a link planted at the target is
replaced, not followed, and a file the loaders refuse (corrupt, encrypted, scanned
without OCR …) never replaces a good one: it comes back in the report, as from
``veraz ingest``, and nothing stored before is touched.
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
from ingestion.loaders import LoaderError, file_type_of, load_document, size_problem
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


def _write(upload: Upload, path: Path) -> None:
    upload.file.seek(0)
    with open(path, "xb") as out:  # owner-only (0600) by the server's umask
        shutil.copyfileobj(upload.file, out, 1 << 20)


def loader_refusal(path: Path, max_file_bytes: int, ocr: bool) -> str | None:
    """Why the loaders refuse the file at ``path`` (corrupt, encrypted, no text …), or None."""
    try:
        load_document(path, max_bytes=max_file_bytes, ocr=ocr)
    except LoaderError as exc:
        return exc.reason
    except Exception as exc:  # a parser's own error: its type, never its text (the data)
        return f"could not read the file ({type(exc).__name__})"
    return None


def ingest_uploads(
    folder: Path,
    uploads: list[Upload],
    max_file_bytes: int,
    open_engine: Callable[[], Veraz],
    *,
    ocr: bool = True,
) -> IngestReport:
    """Store the acceptable uploads in ``folder`` and ingest them with the collection's Veraz.

    Each file is first written under a temporary folder beside ``folder`` and read by its
    loader there; only a file the loader accepts is moved into ``folder`` (replacing an
    earlier upload of that name) and ingested. So a refused file changes nothing on disk or
    in the index, even when it has the name of a good one. ``open_engine()`` gives the
    collection's Veraz and is called only when a file was accepted, so a request whose
    files are all refused creates no collection. Failures carry the names the client sent,
    never the server's paths.
    """
    rejected: list[FailedFile] = []
    accepted: dict[str, Path] = {}
    staging = folder.parent / ".incoming" / uuid.uuid4().hex
    try:
        for upload in uploads:
            name, problem = stored_name(upload.filename)
            if problem is None and name in accepted:
                problem = "sent twice in this request"
            problem = problem or refusal(name, upload.size, max_file_bytes)
            if problem is None:
                staging.mkdir(parents=True, exist_ok=True)
                staged = staging / name
                _write(upload, staged)
                problem = loader_refusal(staged, max_file_bytes, ocr)
            if problem:
                rejected.append(FailedFile(name, problem))
                continue
            accepted[name] = staged
        report = IngestReport()
        saved: dict[str, str] = {}
        if accepted:
            folder.mkdir(parents=True, exist_ok=True)
            for name, staged in accepted.items():
                target = folder / name
                os.replace(staged, target)  # atomic; a link planted at target is replaced
                saved[str(target.resolve())] = name
            report = open_engine().ingest(list(saved))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for failure in report.failed:
        failure.path = saved.get(str(Path(failure.path).resolve()), Path(failure.path).name)
    report.failed = rejected + report.failed
    return report
