"""The store's SQL for the hall's settings versions (core/settings.py). Mixed into `store.Tx`."""
from __future__ import annotations

import sqlite3

from .tickets import LIVE

VERSION_COLUMNS = ("id", "at", "by", "source", "config", "changes", "effective_day")


class SettingsTx:
    conn: sqlite3.Connection

    def insert_config_version(self, *, at: float, by: str, source: str, config: str, changes: str,
                              effective_day: str | None) -> int:
        cur = self.conn.execute(
            "INSERT INTO config_versions (at, by, source, config, changes, effective_day) "
            "VALUES (?, ?, ?, ?, ?, ?)", (at, by, source, config, changes, effective_day))
        return cur.lastrowid

    def config_version(self, version_id: int) -> dict | None:
        row = self.conn.execute(f"SELECT {','.join(VERSION_COLUMNS)} FROM config_versions WHERE id = ?",
                                (version_id,)).fetchone()
        return dict(row) if row else None

    def config_version_in_force(self, today: str) -> dict | None:
        """The newest version whose day has come."""
        row = self.conn.execute(
            f"SELECT {','.join(VERSION_COLUMNS)} FROM config_versions "
            "WHERE effective_day IS NULL OR effective_day <= ? ORDER BY id DESC LIMIT 1", (today,)).fetchone()
        return dict(row) if row else None

    def config_version_in_force_id(self, today: str) -> int | None:
        """Its number only: what a process compares every few seconds to see a change."""
        row = self.conn.execute(
            "SELECT id FROM config_versions WHERE effective_day IS NULL OR effective_day <= ? "
            "ORDER BY id DESC LIMIT 1", (today,)).fetchone()
        return row[0] if row else None

    def last_config_version(self, source: str) -> dict | None:
        row = self.conn.execute(
            f"SELECT {','.join(VERSION_COLUMNS)} FROM config_versions WHERE source = ? "
            "ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        return dict(row) if row else None

    def config_versions(self, limit: int) -> list[dict]:
        return [dict(r) for r in self.conn.execute(
            f"SELECT {','.join(VERSION_COLUMNS)} FROM config_versions ORDER BY id DESC LIMIT ?", (limit,))]

    def live_counts_by_business(self, day: str) -> dict[str, int]:
        marks = ",".join("?" * len(LIVE))
        return {r[0]: r[1] for r in self.conn.execute(
            f"SELECT business, count(*) FROM tickets WHERE day = ? AND status IN ({marks}) "
            "GROUP BY business", (day, *LIVE))}

    def issued_businesses(self, day: str) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT issued_business FROM tickets WHERE day = ?", (day,))}
