"""The store's SQL for the floor: help requests, alerts, follow-ups, what was recorded about a
ticket. Mixed into `store.Tx` (one transaction's view); kept apart to keep each file small."""
from __future__ import annotations

import json
import sqlite3


def _dicts(rows: list[sqlite3.Row]) -> list[dict]:
    return [dict(r) for r in rows]


class FloorTx:
    conn: sqlite3.Connection

    # --- help requests --------------------------------------------------------------
    def insert_help(self, kiosk: str, business: str | None, at: float) -> dict:
        cur = self.conn.execute(
            "INSERT INTO help_requests (kiosk, business, requested_at, state) VALUES (?, ?, ?, 'open')",
            (kiosk, business, at))
        return self.help_request(cur.lastrowid)

    def help_request(self, help_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM help_requests WHERE id = ?", (help_id,)).fetchone()
        return dict(row) if row else None

    def open_help_at(self, kiosk: str, since: float) -> dict | None:
        """A request from this kiosk still open, or taken by a guide on the way (a repeated tap
        joins it rather than calling a second guide)."""
        row = self.conn.execute(
            "SELECT * FROM help_requests WHERE kiosk = ? AND state IN ('open', 'accepted') "
            "AND requested_at >= ? "
            "ORDER BY id DESC LIMIT 1", (kiosk, since)).fetchone()
        return dict(row) if row else None

    def update_help(self, help_id: int, **changes) -> dict:
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE help_requests SET {sets} WHERE id = ?", (*changes.values(), help_id))
        return self.help_request(help_id)

    def live_help(self, since: float) -> list[dict]:
        return _dicts(self.conn.execute(
            "SELECT * FROM help_requests WHERE state != 'closed' AND requested_at >= ? ORDER BY id",
            (since,)).fetchall())

    # --- alerts ---------------------------------------------------------------------
    def unacked_alert(self, kind: str, subject: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM alerts WHERE kind = ? AND subject = ? AND acked_at IS NULL",
                                (kind, subject)).fetchone()
        return dict(row) if row else None

    def alert(self, alert_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return dict(row) if row else None

    def insert_alert(self, kind: str, subject: str, state: str | None, message: str, at: float) -> dict:
        cur = self.conn.execute(
            "INSERT INTO alerts (kind, subject, state, message, raised_at) VALUES (?, ?, ?, ?, ?)",
            (kind, subject, state, message, at))
        return self.alert(cur.lastrowid)

    def update_alert(self, alert_id: int, **changes) -> dict:
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE alerts SET {sets} WHERE id = ?", (*changes.values(), alert_id))
        return self.alert(alert_id)

    def uncleared_alerts(self) -> list[dict]:
        """Alerts whose condition has not ended (acknowledged or not)."""
        return _dicts(self.conn.execute(
            "SELECT * FROM alerts WHERE cleared_at IS NULL ORDER BY id").fetchall())

    def unacked_alerts_up(self) -> list[dict]:
        """Alerts up now and not yet acknowledged."""
        return _dicts(self.conn.execute(
            "SELECT * FROM alerts WHERE acked_at IS NULL AND cleared_at IS NULL ORDER BY id").fetchall())

    def unacked_alerts(self) -> list[dict]:
        return _dicts(self.conn.execute(
            "SELECT * FROM alerts WHERE acked_at IS NULL ORDER BY id").fetchall())

    # --- follow-ups -----------------------------------------------------------------
    def insert_follow_up(self, **row) -> dict:
        cur = self.conn.execute(
            f"INSERT INTO follow_ups ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()))
        return self.follow_up(cur.lastrowid)

    def follow_up(self, follow_up_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
        return dict(row) if row else None

    def update_follow_up(self, follow_up_id: int, **changes) -> dict:
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(f"UPDATE follow_ups SET {sets} WHERE id = ?", (*changes.values(), follow_up_id))
        return self.follow_up(follow_up_id)

    def open_follow_ups(self, due_by: str | None = None) -> list[dict]:
        """Unanswered follow-ups, soonest due first; only those due by `due_by` if given."""
        sql, params = "SELECT * FROM follow_ups WHERE answered_at IS NULL", []
        if due_by is not None:
            sql, params = sql + " AND due_date <= ?", [due_by]
        return _dicts(self.conn.execute(sql + " ORDER BY due_date, id", params).fetchall())

    def follow_ups_of(self, ticket_id: str) -> list[dict]:
        return _dicts(self.conn.execute("SELECT * FROM follow_ups WHERE ticket = ? ORDER BY id",
                                        (ticket_id,)).fetchall())

    # --- what was recorded about a ticket ---------------------------------------------
    def ticket_events(self, ticket_id: str, kinds: tuple[str, ...]) -> list[dict]:
        rows = self.conn.execute(
            f"SELECT * FROM events WHERE ticket = ? AND kind IN ({','.join('?' * len(kinds))}) ORDER BY seq",
            (ticket_id, *kinds)).fetchall()
        return [{**dict(r), "data": json.loads(r["data"]) if r["data"] else {}} for r in rows]

    def no_shows(self, day: str, limit: int) -> list[dict]:
        """The day's customers who missed their call, the latest first."""
        return _dicts(self.conn.execute(
            "SELECT id, number, business, ended_at, requeues, counter FROM tickets "
            "WHERE day = ? AND status = 'no_show' ORDER BY ended_at DESC LIMIT ?", (day, limit)).fetchall())

    def arrivals(self, day: str, limit: int) -> list[dict]:
        """The latest tickets issued on a business day, newest first."""
        return _dicts(self.conn.execute(
            "SELECT id, number, business, issued_business, status, priority, issued_at, kiosk, "
            "masked_name, age_band, prechecked_at FROM tickets WHERE day = ? "
            "ORDER BY issued_at DESC, number DESC LIMIT ?", (day, limit)).fetchall())
