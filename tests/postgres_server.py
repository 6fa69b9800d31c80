"""A real PostgreSQL 16 with pgvector for the tests, started from Python by ``pgserver``.

One server per test session (the ``postgres_url`` fixture in conftest.py), in a
temporary folder, stopped and deleted at the end. Each test uses collections of its own
(``unique_collection``), so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from pathlib import Path


def start_server(folder: Path) -> tuple[object, str]:
    """(the pgserver handle, a postgresql:// URL) for a server whose data is in ``folder``."""
    import pgserver

    server = pgserver.get_server(folder, cleanup_mode="delete")
    return server, server.get_uri()


def unique_collection(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
