"""Incremental ingestion runs: discover, hash, diff, load, chunk, embed, commit, report.

A run does the least work the change requires: files whose content hash is unchanged are
not even opened by a parser, and chunks whose text was embedded before come from the
embedding cache. Every file fails alone: its reason lands in ``IngestReport.failed`` and
the rest of the run goes on. Everything the run changes is committed at once at the end
(the store's commit: ingestion/index/store.py), so an interrupted run changes nothing. A run asked
to stop early (a scheduler shutting down) commits the files it has finished.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.chunking import Chunker
from ingestion.embedding import Embedder
from ingestion.index import DocumentRecord, NewChunk, Store
from ingestion.loaders import LoaderError, file_type_of, load_document, read_file
from ingestion.path_checks import name_problem, outside_root
from ingestion.types import FailedFile, FileNote, IngestReport

# Called as progress(stage, done, total): stage is "load" or "embed".
Progress = Callable[[str, int, int], None]

EMBED_GROUP = 256  # chunks per embedding call: long enough to sort by length and batch
LOAD_AHEAD = 512  # files parsed ahead of embedding: enough to keep the loader busy, bounded


def doc_id_for(source: str) -> str:
    """A document's id: stable for its path, so its chunk ids stay stable across runs."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


# accept(file, root) -> whether a file found by walking ``root`` belongs to the run.
Accept = Callable[[Path, Path], bool]


@dataclass
class ScannedFolder:
    """A folder a run walked, and the filter it walked it with (pruning uses both)."""

    root: Path
    accept: Accept | None = None

    def covers(self, path: Path) -> bool:
        """Whether a file at ``path`` would have been taken by walking this folder."""
        if not path.is_relative_to(self.root):
            return False
        relative = path.relative_to(self.root)
        if any(part.startswith(".") for part in relative.parts):
            return False
        return self.accept is None or self.accept(path, self.root)


@dataclass
class Discovery:
    """What a run will look at: files, the paths it could not take, the folders it walked."""

    files: list[Path] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    folders: list[ScannedFolder] = field(default_factory=list)
    _seen: set[Path] = field(default_factory=set, repr=False)

    def add_file(self, path: Path, root: Path | None = None) -> None:
        """Take ``path`` (found under ``root`` when walking), or record why not."""
        problem = name_problem(path)
        if problem:
            self.failed.append(FailedFile(str(path), problem))
            return
        try:
            resolved = path.resolve(strict=True)
        except (RuntimeError, OSError) as exc:  # 3.11 raises RuntimeError for a loop, 3.13 ELOOP
            if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
                reason = "symbolic link loop; not followed"
            elif path.is_symlink():
                reason = "broken symbolic link (its target does not exist)"
            else:
                reason = f"cannot resolve path: {exc.strerror or exc}"
            self.failed.append(FailedFile(str(path), reason))
            return
        if root is not None and (outside := outside_root(path, resolved, root)):
            self.failed.append(FailedFile(str(path), outside))
            return
        if resolved not in self._seen:
            self._seen.add(resolved)
            self.files.append(resolved)

    def walk(self, folder: Path, accept: Accept | None = None, root: Path | None = None) -> None:
        """Every non-hidden file under ``folder`` that ``accept`` takes, in sorted order.

        ``root``: the folder ``accept`` judges paths against and links must stay in (by
        default ``folder``; watch mode walks a new subfolder of a source's folder).
        Symbolic links to folders are reported and not followed: a link back up the tree
        would loop forever, and one elsewhere would leave the folder the user named.
        """
        start = folder.resolve()
        root = start if root is None else root
        self.folders.append(ScannedFolder(root, accept))

        def unreadable(exc: OSError) -> None:
            self.failed.append(
                FailedFile(str(exc.filename or root), f"cannot list folder: {exc.strerror}")
            )

        for current, dirs, names in os.walk(start, followlinks=False, onerror=unreadable):
            here = Path(current)
            kept = []
            for name in sorted(d for d in dirs if not d.startswith(".")):
                if (here / name).is_symlink():
                    self.failed.append(
                        FailedFile(
                            str(here / name),
                            "symbolic link to a folder; not followed (name the folder itself "
                            "to ingest it)",
                        )
                    )
                else:
                    kept.append(name)
            dirs[:] = kept
            for name in sorted(names):
                path = here / name
                if name.startswith(".") or (accept is not None and not accept(path, root)):
                    continue
                self.add_file(path, root)


def discover(paths: Iterable[str | Path], accept: Accept | None = None) -> Discovery:
    """Files named directly, and every non-hidden file under named folders.

    ``accept`` filters the files found in folders (files named directly are always
    taken). A ``..`` in a path is resolved, so one file reached two ways is one document.
    """
    found = Discovery()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found.walk(path, accept)
        elif path.exists() or path.is_symlink():
            found.add_file(path)
        else:
            found.failed.append(FailedFile(str(path), "file or folder not found"))
    return found


@dataclass
class _Prepared:
    """What the loader thread made of one file (the main thread updates the report)."""

    outcome: str  # "added", "updated", "unchanged" or "failed"
    record: DocumentRecord | None = None
    chunks: list[NewChunk] = field(default_factory=list)
    failure: FailedFile | None = None
    notes: list[str] = field(default_factory=list)


class IngestionPipeline:
    """Turns paths into an updated collection and an :class:`IngestReport`."""

    def __init__(
        self,
        collection: Store,
        embedder: Embedder,
        chunker: Chunker,
        *,
        max_file_bytes: int,
        ocr: bool = True,
    ) -> None:
        self.collection = collection
        self.embedder = embedder
        self.chunker = chunker
        self.max_file_bytes = max_file_bytes
        self.ocr = ocr

    def run(
        self,
        paths: Sequence[str | Path],
        *,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest ``paths`` (files and folders); see :meth:`run_discovered`."""
        return self.run_discovered(discover(paths), prune=prune, progress=progress)

    def run_discovered(
        self,
        found: Discovery,
        *,
        prune: bool = False,
        removals: Sequence[str] = (),
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        """Bring the collection in step with ``found`` and commit once.

        ``prune``: also drop stored documents whose files were under a walked folder (and
        its filter) and no longer exist. ``removals``: sources to drop besides. When
        ``should_stop()`` turns true (a scheduler shutting down), no further file is
        started; what is already parsed is embedded and committed, so the work is kept.
        """
        started = time.perf_counter()
        report = IngestReport()
        report.failed.extend(found.failed)
        stored = self.collection.documents()

        # Files are parsed and chunked on a worker thread while the main thread embeds
        # the chunks already made, in groups: parsing is Python and I/O, embedding is
        # torch; overlapping them hides most of the parsing time.
        pending: list[tuple[DocumentRecord, list[NewChunk]]] = []
        waiting: list[NewChunk] = []
        total = embedded = 0
        queue = iter(found.files)
        window: deque[Future[_Prepared]] = deque()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="veraz-load") as loader:

            def refill() -> None:
                while len(window) < LOAD_AHEAD and (path := next(queue, None)) is not None:
                    window.append(loader.submit(self._prepare, path, stored))

            refill()
            done = 0
            while window:
                if should_stop is not None and should_stop():
                    for future in window:
                        future.cancel()
                    break
                prepared = window.popleft().result()
                refill()
                done += 1
                if prepared.record is not None:
                    report.notes.extend(
                        FileNote(prepared.record.source, text) for text in prepared.notes
                    )
                if prepared.outcome == "failed":
                    assert prepared.failure is not None
                    report.failed.append(prepared.failure)
                elif prepared.outcome == "unchanged":
                    report.unchanged += 1
                else:
                    assert prepared.record is not None
                    setattr(report, prepared.outcome, getattr(report, prepared.outcome) + 1)
                    pending.append((prepared.record, prepared.chunks))
                    waiting.extend(prepared.chunks)
                    total += len(prepared.chunks)
                if len(waiting) >= EMBED_GROUP:
                    embedded += self._embed(waiting)
                    waiting = []
                    if progress:
                        progress("embed", total, total)
                if progress:
                    progress("load", done, len(found.files))
        embedded += self._embed(waiting)
        if progress:
            progress("embed", total, total)
        report.chunks = total
        report.embedded = embedded
        report.embedding_cache_hits = total - embedded

        dropped = set(removals) & set(stored)
        if prune:
            dropped |= set(self._pruned(found, stored))
        dropped -= {record.source for record, _ in pending}
        report.removed = len(dropped)
        self.collection.commit(pending, sorted(dropped))
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _embed(self, chunks: list[NewChunk]) -> int:
        """Give ``chunks`` their vectors; returns how many texts the model ran on."""
        if not chunks:
            return 0
        vectors, embedded = self.embedder.embed([chunk.text for chunk in chunks])
        for chunk, vector in zip(chunks, vectors, strict=True):
            chunk.vector = vector
        return embedded

    def _prepare(self, path: Path, stored: dict[str, DocumentRecord]) -> _Prepared:
        """Load and chunk one file, or find it unchanged, or say why it failed.

        The file is read once: its content hash and its text come from the same bytes, so
        the stored hash always describes what was indexed (see loaders.read_file).
        """
        source = str(path)
        try:
            file_type_of(path)
            snapshot = read_file(path, self.max_file_bytes)
            digest = hashlib.sha256(snapshot.data).hexdigest()
            previous = stored.get(source)
            if previous is not None and previous.content_hash == digest:
                return _Prepared("unchanged")
            document = load_document(
                path, max_bytes=self.max_file_bytes, ocr=self.ocr, snapshot=snapshot
            )
            size, mtime = snapshot.size, snapshot.mtime
            del snapshot  # the bytes are not needed while chunking
            doc_id = doc_id_for(source)
            chunks = self.chunker.chunk(document, doc_id)
            if not chunks:
                raise LoaderError(path, "no text to index after parsing")
        except LoaderError as exc:
            return _Prepared("failed", failure=FailedFile(source, str(exc.reason)))
        except Exception as exc:  # one bad file must never stop the run
            return _Prepared("failed", failure=FailedFile(source, f"{type(exc).__name__}: {exc}"))
        record = DocumentRecord(
            doc_id=doc_id,
            source=source,
            title=document.title,
            language=document.language,
            file_type=document.file_type,
            content_hash=digest,
            size=size,
            mtime=mtime,
        )
        new_chunks = [
            NewChunk(
                chunk_id=c.chunk_id,
                ordinal=c.ordinal,
                text=c.text,
                section=c.section,
                page=c.page,
                start=c.start,
                end=c.end,
                vector=None,  # type: ignore[arg-type]  # filled after the batched embed
            )
            for c in chunks
        ]
        outcome = "added" if previous is None else "updated"
        return _Prepared(outcome, record, new_chunks, notes=list(document.notes))

    @staticmethod
    def _pruned(found: Discovery, stored: dict[str, DocumentRecord]) -> list[str]:
        """Stored documents a walked folder would have found, whose file no longer exists.

        A folder that is missing altogether (an unmounted drive) was not walked, so nothing
        under it is pruned: losing the index because a disk was absent is never right.
        """
        present = {str(p) for p in found.files}
        gone: list[str] = []
        for source in stored:
            if source in present:
                continue
            path = Path(source)
            if any(folder.covers(path) for folder in found.folders) and not path.exists():
                gone.append(source)
        return gone
