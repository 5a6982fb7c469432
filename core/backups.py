"""Nightly copies of the hall's database, kept for a number of nights, and the restore.

A copy is taken online (the hall keeps issuing while it is made) and checked before it counts.
Names carry the business day: hall-2026-11-30.db; one taken by hand the same day adds the time.
Copies are 0600 in a folder of the server's user alone, and hold no key: the session and ID-hash
keys stay in the key file beside the database (core/keys.py), which a copy does not include.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from datetime import datetime, time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from .clock import SystemClock, business_day
from .errors import HallError
from .store import Store

NAME = re.compile(r"^hall-(\d{4}-\d{2}-\d{2})(?:-(\d{6}))?\.db$")


class Backups:
    def __init__(self, store: Store, folder: str | Path, keep: int, tz: ZoneInfo, clock=None):
        folder = Path(folder)
        if not folder.is_absolute():
            folder = Path(store.path).resolve().parent / folder
        self.store, self.folder, self.keep, self.tz = store, folder, keep, tz
        self.clock = clock or SystemClock()

    def all(self) -> list[Path]:
        """Every copy, oldest first (by its business day, then when it was made)."""
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if NAME.match(p.name)),
                      key=lambda p: (NAME.match(p.name).group(1), p.stat().st_mtime_ns, p.name))

    def due(self, at: clock_time) -> bool:
        """The night's copy is due: none for today yet, and it is past `at` local time."""
        ts = self.clock.now()
        today = business_day(ts, self.tz)
        return (datetime.fromtimestamp(ts, self.tz).time() >= at
                and not (self.folder / f"hall-{today}.db").exists())

    def take(self, by_hand: bool = False) -> Path:
        """Copy the database now; the nightly one (not by hand) also prunes old nights."""
        now = self.clock.now()
        day = business_day(now, self.tz)
        stamp = datetime.fromtimestamp(now, self.tz).strftime("%H%M%S")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        dest = self.folder / (f"hall-{day}-{stamp}.db" if by_hand else f"hall-{day}.db")
        self.store.backup_to(dest)
        if not by_hand:
            self.prune()
        return dest

    def prune(self) -> list[Path]:
        """Keep the newest `keep` nightly copies (copies by hand are the admin's to delete)."""
        nightly = [p for p in self.all() if NAME.match(p.name).group(2) is None]
        gone = nightly[:-self.keep] if len(nightly) > self.keep else []
        for p in gone:
            p.unlink(missing_ok=True)
        return gone


def restore(copy: str | Path, db: str | Path) -> Path:
    """Put a copy back as the hall's database (the server stopped). The database it replaces
    is kept beside it, renamed; returns that name."""
    copy, db = Path(copy), Path(db)
    if not copy.is_file():
        raise HallError("backup_missing", f"没有找到备份文件 {copy}")
    try:
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise HallError("backup_unreadable", f"备份文件无法读取:{e}") from None
    if verdict != "ok":
        raise HallError("backup_damaged", f"备份文件已损坏:{verdict}")
    aside = db.with_name(f"{db.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    if db.exists():
        db.replace(aside)
    for suffix in ("-wal", "-shm"):           # the old database's journal must not meet the copy
        old = Path(f"{db}{suffix}")
        if old.exists():
            old.replace(Path(f"{aside}{suffix}"))
    with open(copy, "rb") as src, os.fdopen(
            os.open(db, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        shutil.copyfileobj(src, out)        # 0600 from its first byte, like the database
    return aside
