"""Nightly online copies of the hall's database, their retention, and the documented restore."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, time
from pathlib import Path

from conftest import ROOT, SHANGHAI
from core.backups import Backups
from core.clock import ManualClock
from core.config import load_config
from core.hall import Hall
from core.store import Store


def numbers(db: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT number FROM tickets")}
    finally:
        conn.close()


def test_a_copy_taken_while_the_hall_issues_is_whole_and_consistent(tmp_path):
    config = load_config(None)
    store = Store(tmp_path / "hall.db")
    hall = Hall(config, store)
    for i in range(50):
        hall.issue_ticket("F-NEW", f"before-{i}")
    stop, issued = threading.Event(), []

    def kiosk():
        i = 0
        while not stop.is_set():
            issued.append(hall.issue_ticket("M-NEW", f"during-{i}")[0].number)
            i += 1

    t = threading.Thread(target=kiosk)
    t.start()
    try:
        copies = [Backups(store, tmp_path / "backups", 14, config.hall.tz).take(by_hand=True)
                  for _ in range(3)]
    finally:
        stop.set()
        t.join()
    live = numbers(tmp_path / "hall.db")
    for copy in copies:
        assert not Path(f"{copy}-wal").exists()                # one self-contained file
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        got = numbers(copy)
        assert {f"A{i:03d}" for i in range(1, 51)} <= got <= live  # everything before, nothing invented
        # A snapshot: the tickets issued during the copy form a prefix, no gaps.
        during = sorted(int(n[1:]) for n in got if n.startswith("G"))
        assert during == list(range(1, len(during) + 1))
    assert issued                                             # the hall kept issuing meanwhile
    store.close()


def test_one_copy_a_night_and_only_the_newest_kept(tmp_path):
    config = load_config(None)
    store = Store(tmp_path / "hall.db")
    clock = ManualClock(datetime(2026, 11, 20, 1, 0, tzinfo=SHANGHAI).timestamp())
    backups = Backups(store, "backups", keep=3, tz=config.hall.tz, clock=clock)
    assert backups.folder == tmp_path / "backups"           # beside the database
    assert not backups.due(time(2, 0))                        # 01:00: not yet
    for night in range(5):
        clock.set(datetime(2026, 11, 20 + night, 2, 5, tzinfo=SHANGHAI).timestamp())
        assert backups.due(time(2, 0))
        backups.take()
        assert not backups.due(time(2, 0))                    # taken: not again tonight
    by_hand = backups.take(by_hand=True)
    names = [p.name for p in backups.all()]
    assert names == ["hall-2026-11-22.db", "hall-2026-11-23.db", "hall-2026-11-24.db", by_hand.name]
    store.close()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_documented_restore(tmp_path):
    """README "Backups": `run.py backup now`, later `run.py backup restore COPY` with the server
    stopped; the hall opens on the copy and the replaced database is kept aside."""
    db = tmp_path / "hall.db"
    store = Store(db)
    hall = Hall(load_config(None), store)
    for i in range(3):
        hall.issue_ticket("F-NEW", f"kept-{i}")
    store.close()
    out = run("backup", "now", "--db", str(db))
    assert out.returncode == 0, out.stderr
    copy = Path(out.stdout.split("copied to ")[1].strip())
    assert copy.parent == tmp_path / "backups" and copy.exists()
    listed = run("backup", "list", "--db", str(db))
    assert str(copy) in listed.stdout

    store = Store(db)                                          # the day goes on after the copy
    Hall(load_config(None), store).issue_ticket("F-NEW", "lost-in-the-restore")
    store.close()
    assert len(numbers(db)) == 4

    out = run("backup", "restore", str(copy), "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert numbers(db) == {"A001", "A002", "A003"}
    [aside] = [p for p in tmp_path.glob("hall.db.before-restore-*")
               if not p.name.endswith(("-wal", "-shm"))]
    assert len(numbers(aside)) == 4
    store = Store(db)                                          # the hall opens on it and goes on
    assert Hall(load_config(None), store).issue_ticket("F-NEW", "after")[0].number == "A004"
    store.close()


def test_a_damaged_copy_is_refused(tmp_path):
    bad = tmp_path / "hall-2026-11-30.db"
    bad.write_bytes(b"not a database" * 100)
    db = tmp_path / "hall.db"
    db.write_bytes(b"")
    out = run("backup", "restore", str(bad), "--db", str(db))
    assert out.returncode == 1 and "backup_unreadable" in out.stderr
    assert db.exists() and not list(tmp_path.glob("hall.db.before-restore-*"))   # nothing moved
    missing = run("backup", "restore", str(tmp_path / "nope.db"), "--db", str(db))
    assert missing.returncode == 1 and "backup_missing" in missing.stderr
