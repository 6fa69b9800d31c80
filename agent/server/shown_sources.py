"""Where a passage came from, as an HTTP client is shown it: never a path on the server.

The index keeps each document's absolute path, which the local CLI and Python API show
as they are (the user owns that machine). Over HTTP a path would tell any key holder the
server's user name and folder layout, so a source is shown relative to its source root:
an upload by its base name (the name the client sent), a file of a configured source
(``[[sources]]`` in veraz.toml) by its path inside that source's folder, and anything
else by its base name.
"""

from __future__ import annotations

import glob
from dataclasses import replace
from pathlib import Path, PurePath

from agent.config import Settings
from agent.server.uploads import upload_folder
from agent.types import Answer, Hit


def _folder_of(pattern: str) -> Path:
    """The folder a source path names: the path itself, or the part before its first glob."""
    fixed: list[str] = []
    for part in Path(pattern).expanduser().parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


class SourceRoots:
    """The folders a collection's documents are shown relative to."""

    def __init__(self, settings: Settings, collection: str) -> None:
        # resolved, as the index stores paths (ingestion resolves them)
        self.uploads = upload_folder(settings.home, collection).expanduser().resolve()
        folders = [
            _folder_of(pattern).resolve()
            for source in settings.sources
            if source.collection_or(settings.collection) == collection
            for pattern in source.paths
        ]
        # the deepest root first, so a file is shown by its shortest relative path
        self.folders = sorted(folders, key=lambda f: len(f.parts), reverse=True)

    def shown(self, source: str) -> str:
        path = PurePath(source)
        if path.parent == self.uploads:
            return path.name
        for folder in self.folders:
            if path != folder and path.is_relative_to(folder):
                return path.relative_to(folder).as_posix()
        return path.name

    def hit(self, hit: Hit) -> Hit:
        return replace(hit, source=self.shown(hit.source))

    def answer(self, answer: Answer) -> Answer:
        citations = [replace(c, source=self.shown(c.source)) for c in answer.citations]
        return replace(answer, citations=citations)
