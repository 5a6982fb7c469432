"""The hall's secrets apart from its data (core/keys.py): a key file beside the database, 0600,
or the environment; never in the database or a backup; an older database's keys moved out
unchanged; the files the hall writes its user's alone; `run.py keys rotate-session`."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from conftest import MORNING, login
from core import keys as key_file
from core.backups import Backups, restore
from core.clock import ManualClock
from core.errors import ConfigError
from core.hall import Hall
from core.store import SCHEMA_VERSION, Store

V3_DUMP = Path(__file__).resolve().parent / "fixtures" / "hall_v3.sql"
V3_SETTINGS = dict(line.split("VALUES(")[1].rstrip(");\n").replace("'", "").split(",")
                   for line in V3_DUMP.read_text(encoding="utf-8").splitlines()
                   if line.startswith('INSERT INTO "settings"'))
V3_ID_HASH = "639c1a4588f2cccc6528d500d339360fd4e562f23a2f681358f44b9ce4de5712"   # 张三's, in the dump


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def settings(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM settings"))
    finally:
        conn.close()


@pytest.fixture
def loose_umask():
    """A shell's usual umask (022): the hall must set its files' modes itself."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_keys_are_in_a_file_beside_the_database_not_in_it(tmp_path, config):
    store = Store(tmp_path / "hall.db")
    try:
        hall = Hall(config, store)
        path = tmp_path / "hall.db.keys"
        assert store.keys.path == path
        held = json.loads(path.read_text())
        assert set(held) == {"session_key", "id_hash_key"}
        assert hall._id_key == bytes.fromhex(held["id_hash_key"])
        assert len(bytes.fromhex(held["session_key"])) == 32
    finally:
        store.close()
    assert not {"session_secret", "id_hash_key"} & set(settings(tmp_path / "hall.db"))
    again = Store(tmp_path / "hall.db")             # the next start reads the same keys
    try:
        assert (again.keys.session_key, again.keys.id_hash_key) == (held["session_key"],
                                                                    held["id_hash_key"])
    finally:
        again.close()


def test_no_key_is_in_a_backup(tmp_path, config, clock):
    from web import create_app
    app = create_app(config, tmp_path / "hall.db", demo=True, clock=clock)
    store = app.extensions["hall"].hall.store
    try:
        copy = Backups(store, "backups", 3, config.hall.tz, clock).take(by_hand=True)
    finally:
        store.close()
    data = copy.read_bytes()
    for key in (store.keys.session_key, store.keys.id_hash_key):
        assert key.encode() not in data and bytes.fromhex(key) not in data
    assert not (copy.parent / "hall.db.keys").exists() and list(copy.parent.iterdir()) == [copy]


def test_a_database_of_the_previous_version_moves_its_keys_out_unchanged(tmp_path, config):
    db = tmp_path / "hall.db"
    conn = sqlite3.connect(db)
    conn.executescript(V3_DUMP.read_text(encoding="utf-8"))
    conn.close()
    assert settings(db).keys() >= {"session_secret", "id_hash_key"}        # really the old way

    store = Store(db)
    try:
        assert store.schema_version() == SCHEMA_VERSION >= 4       # migrated from v3
        held = json.loads((tmp_path / "hall.db.keys").read_text())
        assert held == {"session_key": V3_SETTINGS["session_secret"],
                        "id_hash_key": V3_SETTINGS["id_hash_key"]}
        assert not {"session_secret", "id_hash_key"} & set(settings(db))
        # The same card read now gives the hash made before: the same person's ticket is found.
        hall = Hall(config, store, ManualClock(MORNING + 60))
        read = hall.register_card("k1", "张三", "110101195803140016", date(1958, 3, 14))
        assert read.id_hash == V3_ID_HASH
        ticket, created, _ = hall.issue_ticket("F-NEW", "req-2", kiosk="k1", card_token=read.token)
        assert (ticket.number, created) == ("A001", False)
        with store.write() as tx:      # the new event kinds are accepted
            tx.append_event(at=MORNING, day="2026-11-25", kind="signed_in", clerk="demo-clerk")
        copy = tmp_path / "copy.db"
        store.backup_to(copy)
    finally:
        store.close()
    for path in (db, copy):         # the old values were overwritten, not just unlinked
        data = path.read_bytes()
        for value in V3_SETTINGS.values():
            assert value.encode() not in data, path


def test_the_hall_s_files_are_its_user_s_alone(tmp_path, config, clock, loose_umask):
    db = tmp_path / "var" / "hall.db"
    store = Store(db)
    try:
        Hall(config, store, clock)
        for path in (db, f"{db}-wal", f"{db}-shm", f"{db}.keys"):
            assert mode(path) == 0o600, path
        assert not mode(db.parent) & 0o022
        copy = Backups(store, "backups", 3, config.hall.tz, clock).take()
        assert mode(copy) == 0o600 and mode(copy.parent) == 0o700
    finally:
        store.close()
    os.chmod(db, 0o644)                              # say, copied in by hand
    os.chmod(f"{db}.keys", 0o644)
    Store(db).close()                                # the next start puts it right
    assert mode(db) == 0o600 and mode(f"{db}.keys") == 0o600
    restore(copy, db)
    assert mode(db) == 0o600


def test_a_key_file_in_a_folder_anyone_may_write_is_refused(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    os.chmod(folder, 0o777)
    with pytest.raises(ConfigError, match="writable by everyone"):
        Store(folder / "hall.db")


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    Store(tmp_path / "hall.db").close()
    monkeypatch.setenv("HALL_SESSION_KEY", "ab" * 32)
    monkeypatch.setenv("HALL_ID_HASH_KEY", "cd" * 32)
    store = Store(tmp_path / "hall.db")
    try:
        assert (store.keys.session_key, store.keys.id_hash_key) == ("ab" * 32, "cd" * 32)
    finally:
        store.close()
    monkeypatch.setenv("HALL_SESSION_KEY", "not hex")
    with pytest.raises(ConfigError, match="HALL_SESSION_KEY"):
        Store(tmp_path / "hall.db")


def test_a_database_in_memory_keeps_its_keys_in_memory(config):
    store = Store(":memory:")
    try:
        Hall(config, store)
        assert store.keys.path is None and len(store.keys.id_hash_key) == 64
    finally:
        store.close()


def test_rotate_session_gives_a_new_key_and_ends_every_session(tmp_path, clock):
    import run
    from web import create_app
    db = tmp_path / "hall.db"
    app = create_app(None, db, demo=True, clock=clock)
    try:
        before = app.extensions["hall"].hall.store.keys
        clerk, admin = app.test_client(), app.test_client()
        login(clerk, "demo-clerk")
        login(admin, "demo-admin")
        assert run.keys(["rotate-session", "--db", str(db)]) == 0
        # The running server's sessions end at once (they are checked on the server) …
        assert clerk.get("/api/me").status_code == 401
        assert admin.get("/api/me").get_json()["error"]["code"] == "login_required"
    finally:
        app.extensions["hall"].hall.store.close()
    after = key_file.load(db)
    assert after.session_key != before.session_key and after.id_hash_key == before.id_hash_key
    again = create_app(None, db, demo=True, clock=clock)    # … and the next start signs anew
    try:
        assert again.config["SECRET_KEY"] == after.session_key
        hall = again.extensions["hall"].hall
        ended = hall.events("2000-01-01", "2999-12-31", ("signed_out",))   # run.py: real time
        assert {(e["clerk"], e["data"]["reason"]) for e in ended} == {
            ("demo-clerk", "session_key_rotated"), ("demo-admin", "session_key_rotated")}
    finally:
        again.extensions["hall"].hall.store.close()
