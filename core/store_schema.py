"""The hall's schema: hall.db.sql for a new database, and the migrations that bring an older
one up to it, each in the transaction that records it."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Callable

import sqlite_utils

from .errors import StoreError

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "hall.db.sql"


def _rebuild_events(conn: sqlite3.Connection) -> None:
    """SQLite cannot alter a CHECK constraint: copy the log into a table made from hall.db.sql's
    current definition (its indexes and append-only triggers with it). Only for new kinds: a
    later change to the events' columns needs a migration of its own, or this copy breaks."""
    schema = SCHEMA_FILE.read_text(encoding="utf-8")
    table = re.search(r"CREATE TABLE IF NOT EXISTS events \(.*?\n\);", schema, re.S).group(0)
    extras = (re.findall(r"CREATE INDEX IF NOT EXISTS events_\w+ [^;]*;", schema)
              + re.findall(r"CREATE TRIGGER IF NOT EXISTS events_\w+ .*?END;", schema, re.S))
    conn.execute(table.replace("IF NOT EXISTS events (", "events_rebuilt ("))
    conn.execute("INSERT INTO events_rebuilt SELECT * FROM events")
    conn.execute("DROP TABLE events")
    conn.execute("ALTER TABLE events_rebuilt RENAME TO events")
    for statement in extras:
        conn.execute(statement)


# Changes after the first schema: version → SQL (or a function of the connection), applied in
# order, each in the transaction that records it. hall.db.sql always holds the latest schema for
# a new database.
def _v2_guide_and_after_service(conn: sqlite3.Connection) -> None:
    for change in ("tickets ADD COLUMN prechecked_at REAL", "tickets ADD COLUMN prechecked_by TEXT",
                   "follow_ups ADD COLUMN contact TEXT", "follow_ups ADD COLUMN number TEXT",
                   "follow_ups ADD COLUMN counter TEXT", "follow_ups ADD COLUMN answered_by TEXT",
                   "follow_ups ADD COLUMN due_warning TEXT"):
        conn.execute(f"ALTER TABLE {change}")
    _rebuild_events(conn)      # new event kinds


def _v6_counter_hand(conn: sqlite3.Connection) -> None:
    """Issue 18: a no-show re-queued (过号重排) keeps a place of its own in its line."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(tickets)")}
    for column, kind in (("order_at", "REAL"), ("requeues", "INTEGER NOT NULL DEFAULT 0")):
        if column not in have:              # a database marked older than it is: no harm done
            conn.execute(f"ALTER TABLE tickets ADD COLUMN {column} {kind}")
    _rebuild_events(conn)      # requeued, parked, unparked, business_added, priority_given


MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    2: _v2_guide_and_after_service,
    3: _rebuild_events,        # no_show_undone
    4: _rebuild_events,        # devices, sign-ins (issue 15); their tables come from hall.db.sql
    # Statistics kept as rows (tally_*, from hall.db.sql) instead of a JSON tally per day: the
    # old days are counted again when asked for.
    5: "DROP TABLE IF EXISTS day_tallies",
    6: _v6_counter_hand,
}
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def apply_schema(conn: sqlite3.Connection, path: str) -> None:
    """hall.db.sql (every CREATE … IF NOT EXISTS: new tables and indexes reach old databases
    too), then the migrations the database has not had."""
    db = sqlite_utils.Database(conn)
    db.executescript(SCHEMA_FILE.read_text(encoding="utf-8"))
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
        if row["v"] is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif row["v"] < SCHEMA_VERSION:
            for version in range(row["v"] + 1, SCHEMA_VERSION + 1):
                migration = MIGRATIONS[version]
                if callable(migration):
                    migration(conn)
                else:
                    for statement in migration.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        elif row["v"] > SCHEMA_VERSION:
            raise StoreError(
                f"database {path} has schema version {row['v']}, newer than this "
                f"program's {SCHEMA_VERSION}; upgrade the program")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
