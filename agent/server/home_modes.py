"""Owner-only files under VERAZ_HOME while the server runs: 0600 files, 0700 folders.

The home holds every key's questions (threads.sqlite), documents (uploads/, the
indexes) and the API keys. The server sets its umask to 077, so everything it or a
library it calls creates (SQLite and its WAL, FAISS generations, uploads, metrics) is
private, and at start it takes group and other permissions off what is already there
(earlier runs of an older Veraz, the CLI under a permissive umask). Links are not
followed: a link planted in the home never makes the server change a file elsewhere.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def make_private(home: Path) -> None:
    """Set the umask to 077 and strip group/other permissions from everything in ``home``."""
    os.umask(PRIVATE_UMASK)
    home.mkdir(parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(home, followlinks=False):
        for name in [*dirs, *files, None]:
            path = Path(folder) if name is None else Path(folder) / name
            try:
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not (mode & 0o077):
                    continue
                os.chmod(path, stat.S_IMODE(mode) & ~0o077, follow_symlinks=False)
            except (FileNotFoundError, NotImplementedError, PermissionError):
                continue  # gone meanwhile, a link (some systems), or not ours
