"""The store's SQL for the event log and what is read back from it and from recent tickets:
the estimate's recent pace, the display's last calls, a counter's last finish.
Mixed into `store.Tx` (one transaction's view); kept apart to keep each file small."""
from __future__ import annotations

import json
import sqlite3

from .projection import AtCounter, Ended
from .tickets import Ticket


EVENT_COLUMNS = ("seq", "at", "day", "kind", "ticket", "number", "business", "counter", "clerk",
                 "data")


def _marks(n: int) -> str:
    return ",".join("?" * n)


class LogTx:
    conn: sqlite3.Connection

    # --- the event log --------------------------------------------------------------
    def append_event(self, *, at: float, day: str, kind: str, ticket: Ticket | None = None,
                     counter: str | None = None, clerk: str | None = None,
                     business: str | None = None, **data) -> None:
        self.conn.execute(
            "INSERT INTO events (at, day, kind, ticket, number, business, counter, clerk, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, day, kind, ticket.id if ticket else None, ticket.number if ticket else None,
             business or (ticket.business if ticket else None), counter, clerk,
             json.dumps(data, ensure_ascii=False) if data else None))

    def events(self, day_from: str, day_to: str, kinds: tuple[str, ...] | None = None) -> list[dict]:
        """The log of these days in order. Some kinds: through the (day, kind) index. All of
        them: as one stretch of the table between the first and last seq of those days (no
        sort of the rows: about twice as fast for a month)."""
        if kinds:
            cursor = self.conn.execute(
                f"SELECT * FROM events WHERE day BETWEEN ? AND ? AND kind IN ({_marks(len(kinds))}) "
                "ORDER BY seq", [day_from, day_to, *kinds])
        else:
            cursor = self.conn.execute(
                "SELECT * FROM events WHERE seq BETWEEN "
                "(SELECT min(seq) FROM events WHERE day BETWEEN ?1 AND ?2) AND "
                "(SELECT max(seq) FROM events WHERE day BETWEEN ?1 AND ?2) AND day BETWEEN ?1 AND ?2 "
                "ORDER BY seq", [day_from, day_to])
        names = [d[0] for d in cursor.description]
        out = []
        for row in cursor:
            e = dict(zip(names, row))
            e["data"] = json.loads(e["data"]) if e["data"] else {}
            out.append(e)
        return out

    def events_after(self, seq: int, limit: int) -> list[tuple]:
        """At most `limit` events with a seq above `seq`, in order, as rows in the table's
        column order (EVENT_COLUMNS) with `data` left as its JSON text: for copying the log
        elsewhere verbatim (run.py sync). Through the primary key: no sort, no scan."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit))
        return [tuple(row) for row in cursor]

    def kinds_after(self, seq: int, limit: int = 50) -> list[str]:
        """The kinds of the events logged after `seq` (at most `limit`, oldest first)."""
        return [r[0] for r in self.conn.execute(
            "SELECT kind FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))]

    def last_seq(self) -> int:
        """The newest event's number: the log changed when it did."""
        return self._one("SELECT max(seq) AS seq FROM events")["seq"] or 0

    def last_calls(self, limit: int) -> list[dict]:
        rows = self._all(
            # `+kind`: read back from the newest event and stop at the limit (the kind index
            # would gather and sort every call ever made).
            "SELECT * FROM events WHERE +kind IN ('called', 'recalled') ORDER BY seq DESC LIMIT ?",
            (limit,))
        return [dict(r) for r in rows]

    def recent_ends(self, since: float, limit: int) -> list[Ended]:
        """The latest calls that ended (served or no-show) since `since`, newest first."""
        rows = self._all(
            "SELECT counter, business, status, called_at, ended_at FROM tickets "
            # `+status`: keeps SQLite on the ended_at index; the status index would read every
            # ticket ever finished (74 ms instead of 0.3 ms after a simulated month).
            "WHERE ended_at >= ? AND +status IN ('done', 'no_show') AND called_at IS NOT NULL "
            "AND counter IS NOT NULL ORDER BY ended_at DESC LIMIT ?", (since, limit))
        return [Ended(r["counter"], r["business"], r["status"] == "no_show", r["called_at"],
                      r["ended_at"]) for r in rows]

    def at_counters(self) -> dict[str, AtCounter]:
        """Counter → the customer it has called or is serving."""
        rows = self._all("SELECT counter, business, called_at FROM tickets "
                         "WHERE status IN ('called', 'serving') AND counter IS NOT NULL")
        return {r["counter"]: AtCounter(r["counter"], r["business"], r["called_at"]) for r in rows}

    # --- a counter's last service -------------------------------------------------------
    def last_finished(self, counter: str, since: float) -> dict | None:
        """The latest service a counter finished since `since` (for its rating pad)."""
        row = self._one("SELECT * FROM events WHERE kind = 'finished' AND counter = ? AND at >= ? "
                        "ORDER BY seq DESC LIMIT 1", (counter, since))
        return dict(row) if row else None

    def last_turn(self, counter: str) -> dict | None:
        """The latest call, no-show or undone no-show at a counter (what an undo would undo)."""
        row = self._one("SELECT * FROM events WHERE counter = ? AND kind IN "
                        "('called', 'no_show', 'no_show_undone') ORDER BY seq DESC LIMIT 1", (counter,))
        return dict(row) if row else None
