"""``veraz keys``: a key is printed once, stored only as a hash, listed by id, revoked."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.server.keys import KeyStore

runner = CliRunner()


def veraz(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_create_prints_the_key_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    home = str(tmp_path)
    created = json.loads(veraz("keys", "create", "--json", "--home", home))
    assert set(created) == {"id", "key"} and created["key"].startswith("vz-")
    assert created["id"].startswith("key_") and len(created["key"]) > 40
    text = veraz("keys", "create", "-c", "default", "-c", "notas", "--name", "ci", "--home", home)
    assert "default, notas" in text and "cannot be shown again" in text
    stored = (tmp_path / "keys.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("keys.sqlite-*")
    )
    assert created["key"].encode() not in stored
    assert stat.S_IMODE((tmp_path / "keys.sqlite").stat().st_mode) == 0o600
    listed = json.loads(veraz("keys", "list", "--json", "--home", home))
    assert listed[0]["id"] == created["id"] and len(listed) == 2
    assert listed[1]["collections"] == ["default", "notas"] and listed[1]["name"] == "ci"
    assert created["key"] not in json.dumps(listed) and all(k["active"] for k in listed)


def test_verify_allows_collections_and_revoke_takes_effect(tmp_path: Path) -> None:
    store = KeyStore.for_home(tmp_path)
    limited, secret = store.create(collections=["default"])
    everything, other = store.create()
    assert store.verify(secret) == limited and limited.allows("default")
    assert not limited.allows("privado") and everything.allows("privado")
    assert store.verify(secret + "x") is None and store.verify("sk-whatever") is None
    assert veraz("keys", "revoke", limited.id, "--home", str(tmp_path)).strip() == (
        f"revoked {limited.id}"
    )
    assert store.verify(secret) is None and store.verify(other) == everything
    assert store.active_count() == 1
    assert "revoked" in veraz("keys", "list", "--home", str(tmp_path)).splitlines()[0]


def test_revoking_an_unknown_id_is_one_line(tmp_path: Path) -> None:
    KeyStore.for_home(tmp_path).create()
    result = runner.invoke(app, ["keys", "revoke", "key_nope", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "no API key with id 'key_nope'" in result.output
    assert "Traceback" not in result.output


def test_a_key_limited_to_an_invalid_collection_name_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "-c", "../x", "--home", str(tmp_path)])
    assert result.exit_code == 2 and "collection name" in result.output
    assert not KeyStore.for_home(tmp_path).list()


def test_serve_rejects_a_bad_log_level(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--home", str(tmp_path), "--log-level", "loud"])
    assert result.exit_code == 2 and "--log-level" in result.output
