"""API keys: created by ``veraz keys create``, checked on every request, stored hashed.

A key is 32 random bytes (``vz-`` + URL-safe base64). Only its SHA-256 is stored, in
``VERAZ_HOME/keys.sqlite`` (mode 0600): with that much entropy a slow password hash adds
nothing, and a stolen file gives no key. The key itself is shown once, when created; it
is never stored, logged or printed again. Each key has an id (``key_…``) that is safe to
show and log, and optionally the collections it may use (none listed = all).

Every request reads the table (a sub-millisecond SQLite lookup), so a key revoked by
``veraz keys revoke`` stops working at once in every worker process.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KEY_PREFIX = "vz-"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    collections TEXT,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""


@dataclass(frozen=True)
class ApiKey:
    """What the server knows about a key: never the key itself."""

    id: str
    name: str
    collections: tuple[str, ...] | None  # None: every collection
    created_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, collection: str) -> bool:
        return self.collections is None or collection in self.collections

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["collections"] = list(self.collections) if self.collections is not None else None
        data["active"] = self.active
        return data


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The keys of one VERAZ_HOME. Safe to share between threads; each has its connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    @classmethod
    def for_home(cls, home: str | Path) -> KeyStore:
        return cls(Path(home) / "keys.sqlite")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists()
            if fresh:  # created readable by its owner only, before any key goes in
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._local.db = db
        return db

    def create(self, name: str = "", collections: list[str] | None = None) -> tuple[ApiKey, str]:
        """A new key and its secret (to show once). ``collections``: None or [] = all."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(
            id="key_" + secrets.token_hex(6),
            name=name,
            collections=tuple(dict.fromkeys(collections)) if collections else None,
            created_at=time.time(),
        )
        db = self._db()
        with db:
            db.execute(
                "INSERT INTO api_keys (id, hash, name, collections, created_at) VALUES (?,?,?,?,?)",
                (
                    record.id,
                    key_hash(secret),
                    record.name,
                    json.dumps(list(record.collections)) if record.collections else None,
                    record.created_at,
                ),
            )
        return record, secret

    def list(self) -> list[ApiKey]:
        rows = self._db().execute(
            "SELECT id, name, collections, created_at, revoked_at FROM api_keys ORDER BY created_at"
        )
        return [_record(row) for row in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke ``key_id`` (idempotent); KeyError naming the known ids if there is none."""
        db = self._db()
        with db:
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
            row = db.execute(
                "SELECT id, name, collections, created_at, revoked_at FROM api_keys WHERE id = ?",
                (key_id,),
            ).fetchone()
        if row is None:
            known = ", ".join(k.id for k in self.list()) or "none"
            raise KeyError(f"no API key with id {key_id!r} (keys: {known})")
        return _record(row)

    def verify(self, key: str) -> ApiKey | None:
        """The active key whose secret is ``key``, or None."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        row = (
            self._db()
            .execute(
                "SELECT id, name, collections, created_at, revoked_at FROM api_keys "
                "WHERE hash = ? AND revoked_at IS NULL",
                (key_hash(key),),
            )
            .fetchone()
        )
        return _record(row) if row else None

    def active_count(self) -> int:
        if not self.path.exists():
            return 0
        query = "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
        return int(self._db().execute(query).fetchone()[0])


def _record(row: tuple[Any, ...]) -> ApiKey:
    key_id, name, collections, created_at, revoked_at = row
    return ApiKey(
        id=key_id,
        name=name,
        collections=tuple(json.loads(collections)) if collections else None,
        created_at=created_at,
        revoked_at=revoked_at,
    )
