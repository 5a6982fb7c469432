"""The store's SQL for staff sessions (core/sessions.py has their rules). A row is keyed by the
SHA-256 of the session id the cookie carries: the table alone signs nobody in. Mixed into
`store.Tx`."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class StaffSession:
    id_hash: str
    username: str
    role: str
    created_at: float
    last_seen: float
    ended_at: float | None
    address: str | None


_COLUMNS = "id_hash, username, role, created_at, last_seen, ended_at, address"


class SessionTx:
    conn: sqlite3.Connection

    def insert_session(self, s: StaffSession) -> None:
        self.conn.execute(f"INSERT INTO sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (s.id_hash, s.username, s.role, s.created_at, s.last_seen, s.ended_at,
                           s.address))

    def staff_session(self, id_hash: str) -> StaffSession | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id_hash = ?",
                                (id_hash,)).fetchone()
        return StaffSession(*row) if row else None

    def touch_session(self, id_hash: str, at: float) -> None:
        self.conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ? AND ended_at IS NULL",
                          (at, id_hash))

    def end_sessions(self, at: float, *, id_hash: str | None = None,
                     username: str | None = None) -> list[StaffSession]:
        """End the open sessions (one, a member's, or all of them); returns those it ended."""
        sql, params = " WHERE ended_at IS NULL", []
        if id_hash is not None:
            sql, params = sql + " AND id_hash = ?", [id_hash]
        if username is not None:
            sql, params = sql + " AND username = ?", [*params, username]
        rows = self.conn.execute(f"UPDATE sessions SET ended_at = ?{sql} RETURNING {_COLUMNS}",
                                 [at, *params]).fetchall()
        return [StaffSession(*r) for r in rows]

    def forget_sessions(self, ended_before: float, started_before: float) -> int:
        """Drop rows ended, or begun beyond any lifetime, long enough ago (the event log keeps
        who signed in and out)."""
        return self.conn.execute(
            "DELETE FROM sessions WHERE ended_at < ? OR created_at < ?",
            (ended_before, started_before)).rowcount
