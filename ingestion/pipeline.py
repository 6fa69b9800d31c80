"""Incremental ingestion runs: discover, hash, diff, load, chunk, embed, commit, report.

A run does the least work the change requires: files whose content hash is unchanged are
not even opened by a parser, and chunks whose text was embedded before come from the
embedding cache. Every file fails alone: its reason lands in ``IngestReport.failed`` and
the rest of the run goes on. Everything the run changes is committed at once at the end
(see ingestion/index/collection.py), so an interrupted run changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from agent.types import FailedFile, IngestReport
from ingestion.chunking import Chunker
from ingestion.embedding import Embedder
from ingestion.index import Collection, DocumentRecord, NewChunk
from ingestion.loaders import LoaderError, load_document
from ingestion.text_analysis import fts_document

# Called as progress(stage, done, total): stage is "load" or "embed".
Progress = Callable[[str, int, int], None]

_HASH_BLOCK = 1 << 20
EMBED_GROUP = 256  # chunks per embedding call: long enough to sort by length and batch


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes, read in blocks (never the whole file at once)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def doc_id_for(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Discovery:
    files: list[Path]
    failed: list[FailedFile]
    folders: list[Path]


def discover(paths: Iterable[str | Path]) -> _Discovery:
    """Files named directly, and every non-hidden file under named folders."""
    found = _Discovery(files=[], failed=[], folders=[])
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            folder = path.resolve()
            found.folders.append(folder)
            for root, dirs, names in os.walk(folder, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        _add(Path(root) / name, found, seen)
        elif path.exists() or path.is_symlink():
            _add(path, found, seen)
        else:
            found.failed.append(FailedFile(str(path), "file or folder not found"))
    return found


def _add(path: Path, found: _Discovery, seen: set[Path]) -> None:
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # broken link, symlink loop
        found.failed.append(FailedFile(str(path), f"cannot resolve path: {exc}"))
        return
    if resolved not in seen:
        seen.add(resolved)
        found.files.append(resolved)


class IngestionPipeline:
    """Turns paths into an updated collection and an :class:`IngestReport`."""

    def __init__(
        self,
        collection: Collection,
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
        started = time.perf_counter()
        report = IngestReport()
        found = discover(paths)
        report.failed.extend(found.failed)
        stored = self.collection.documents()

        # Files are parsed and chunked on a worker thread while the main thread embeds
        # the chunks already made, in groups: parsing is Python and I/O, embedding is
        # torch; overlapping them hides most of the parsing time.
        pending: list[tuple[DocumentRecord, list[NewChunk]]] = []
        waiting: list[NewChunk] = []
        total = embedded = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="veraz-load") as loader:
            prepared = loader.map(lambda path: self._prepare(path, stored, report), found.files)
            for done, outcome in enumerate(prepared, start=1):
                if outcome is not None:
                    pending.append(outcome)
                    waiting.extend(outcome[1])
                    total += len(outcome[1])
                if len(waiting) >= EMBED_GROUP:
                    embedded += self._embed(waiting)
                    waiting = []
                    if progress:
                        progress("embed", total - len(waiting), total)
                if progress:
                    progress("load", done, len(found.files))
        embedded += self._embed(waiting)
        if progress:
            progress("embed", total, total)
        report.chunks = total
        report.embedded = embedded
        report.embedding_cache_hits = total - embedded

        removals = self._pruned(found, stored) if prune else []
        report.removed = len(removals)
        self.collection.commit(pending, removals)
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

    def _prepare(
        self, path: Path, stored: dict[str, DocumentRecord], report: IngestReport
    ) -> tuple[DocumentRecord, list[NewChunk]] | None:
        """Load and chunk one file, or count it unchanged, or record why it failed."""
        source = str(path)
        try:
            stat = path.stat()
            if stat.st_size > self.max_file_bytes:
                raise LoaderError(
                    path,
                    f"file is {stat.st_size / 1048576:.1f} MB, over the limit of "
                    f"{self.max_file_bytes / 1048576:.0f} MB (VERAZ_MAX_FILE_MB)",
                )
            digest = content_hash(path)
            previous = stored.get(source)
            if previous is not None and previous.content_hash == digest:
                report.unchanged += 1
                return None
            document = load_document(path, max_bytes=self.max_file_bytes, ocr=self.ocr)
            doc_id = doc_id_for(source)
            chunks = self.chunker.chunk(document, doc_id)
            if not chunks:
                raise LoaderError(path, "no text to index after parsing")
        except LoaderError as exc:
            report.failed.append(FailedFile(source, str(exc.reason)))
            return None
        except Exception as exc:  # one bad file must never stop the run
            report.failed.append(FailedFile(source, f"{type(exc).__name__}: {exc}"))
            return None
        if previous is None:
            report.added += 1
        else:
            report.updated += 1
        record = DocumentRecord(
            doc_id=doc_id,
            source=source,
            title=document.title,
            language=document.language,
            file_type=document.file_type,
            content_hash=digest,
            size=stat.st_size,
            mtime=stat.st_mtime,
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
                fts=fts_document(f"{c.section}\n{c.text}", document.language),
                vector=None,  # type: ignore[arg-type]  # filled after the batched embed
            )
            for c in chunks
        ]
        return record, new_chunks

    @staticmethod
    def _pruned(found: _Discovery, stored: dict[str, DocumentRecord]) -> list[str]:
        """Stored documents under a scanned folder whose file no longer exists."""
        present = {str(p) for p in found.files}
        gone: list[str] = []
        for source in stored:
            if source in present:
                continue
            path = Path(source)
            under = any(path.is_relative_to(folder) for folder in found.folders)
            if under and not path.exists():
                gone.append(source)
        return gone
