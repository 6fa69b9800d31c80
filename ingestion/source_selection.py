"""Which files a source takes: its folders and globs walked, filtered by its patterns.

Patterns are shell-style: one without ``/`` matches a file's name at any depth; one with
``/`` matches the path relative to the source folder, where ``*`` stays within one folder
and ``**`` spans any number of them. Without include patterns a source takes the file
types Veraz reads and ignores the rest.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath

from ingestion.loaders import SUPPORTED_EXTENSIONS
from ingestion.pipeline import Accept, Discovery, ScannedFolder
from ingestion.sources import SourceConfig
from ingestion.types import FailedFile


@lru_cache(maxsize=512)
def _segments(pattern: str) -> tuple[str, ...]:
    return tuple(part for part in PurePosixPath(pattern).parts if part not in ("", "/"))


def glob_match(relative: PurePosixPath | str, pattern: str) -> bool:
    """Whether a relative path matches ``pattern``: ``*`` within a folder, ``**`` across."""
    parts = PurePosixPath(relative).parts
    segments = _segments(pattern)

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(segments):
            return i == len(parts)
        if segments[j] == "**":
            return match(i, j + 1) or (i < len(parts) and match(i + 1, j))
        return i < len(parts) and fnmatch.fnmatchcase(parts[i], segments[j]) and match(i + 1, j + 1)

    return match(0, 0)


def pattern_matches(relative: PurePosixPath, pattern: str) -> bool:
    """A pattern without "/" matches the file name; with "/", the relative path."""
    if "/" not in pattern.strip("/"):
        return fnmatch.fnmatchcase(relative.name, pattern.strip("/"))
    return glob_match(relative, pattern.lstrip("/"))


def _static_prefix(pattern: str) -> tuple[Path, str]:
    """Split an absolute glob into the folder before its first wildcard and the rest."""
    parts = Path(pattern).parts
    for index, part in enumerate(parts):
        if glob.has_magic(part):
            return Path(*parts[:index]), "/".join(parts[index:])
    return Path(pattern), ""


def _acceptor(source: SourceConfig, glob_rest: str | None) -> Accept:
    """The filter a folder of ``source`` is walked with (and pruned by)."""

    def accept(path: Path, root: Path) -> bool:
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if glob_rest is not None and not glob_match(relative, glob_rest):
            return False
        if any(pattern_matches(relative, p) for p in source.exclude):
            return False
        if source.include:
            return any(pattern_matches(relative, p) for p in source.include)
        # Without include patterns a source takes documents only: a photo or an archive in
        # a watched folder is not a failure to report on every run.
        return glob_rest is not None or path.suffix.lower() in SUPPORTED_EXTENSIONS

    return accept


def scopes(source: SourceConfig) -> tuple[list[ScannedFolder], list[Path], list[FailedFile]]:
    """Where ``source`` looks, without walking: its folders (with their filters), the files
    it names directly, and the paths that do not exist."""
    folders: list[ScannedFolder] = []
    files: list[Path] = []
    missing: list[FailedFile] = []
    for raw in source.paths:
        expanded = Path(os.path.expanduser(raw))
        if glob.has_magic(str(expanded)):
            root, rest = _static_prefix(str(expanded.absolute()))
            if root.is_dir():
                folders.append(ScannedFolder(root.resolve(), _acceptor(source, rest)))
            else:
                missing.append(FailedFile(raw, f"folder not found: {root}"))
        elif expanded.is_dir():
            folders.append(ScannedFolder(expanded.resolve(), _acceptor(source, None)))
        elif expanded.exists() or expanded.is_symlink():
            files.append(expanded.absolute())
        else:
            missing.append(FailedFile(raw, "file or folder not found"))
    return folders, files, missing


def select(source: SourceConfig) -> Discovery:
    """The files ``source`` takes now, the paths it cannot take, and what it walked.

    A folder that does not exist is reported and not walked, so nothing under it is
    pruned: an unmounted drive never empties the index.
    """
    folders, files, missing = scopes(source)
    found = Discovery(failed=missing)
    for folder in folders:
        found.walk(folder.root, folder.accept)
    for path in files:
        found.add_file(path)
    return found
