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


def _rebuild(conn: sqlite3.Connection, table: str) -> None:
    """SQLite cannot alter a CHECK constraint: copy the table into one made from hall.db.sql's
    current definition, with its indexes and triggers (named `<table>_…`). The columns are
    copied by name: a column hall.db.sql adds must have a default. Run with foreign keys off
    (apply_schema), as SQLite's way of changing a table asks: other tables' references to it
    hold again once the copy has its name."""
    schema = SCHEMA_FILE.read_text(encoding="utf-8")
    definition = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \(.*?\n\)[^;\n]*;", schema, re.S).group(0)
    extras = (re.findall(rf"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS {table}_\w+ [^;]*;", schema)
              + re.findall(rf"CREATE TRIGGER IF NOT EXISTS {table}_\w+ .*?END;", schema, re.S))
    columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
    conn.execute(definition.replace(f"IF NOT EXISTS {table} (", f"{table}_rebuilt ("))
    conn.execute(f"INSERT INTO {table}_rebuilt ({columns}) SELECT {columns} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    for statement in extras:
        conn.execute(statement)


def _rebuild_events(conn: sqlite3.Connection) -> None:
    _rebuild(conn, "events")       # new event kinds


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


def _v7_parked(conn: sqlite3.Connection) -> None:
    """Issue 18: a ticket parked at its counter (the customer stepped away) is a status of its
    own, and keeps its number among the live ones; a card read keeps the CRM's star level."""
    _rebuild(conn, "tickets")
    _rebuild(conn, "tally_answers")         # the counter's hand in the kept statistics
    if "star" not in {r[1] for r in conn.execute("PRAGMA table_info(card_reads)")}:
        conn.execute("ALTER TABLE card_reads ADD COLUMN star INTEGER")


MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    2: _v2_guide_and_after_service,
    3: _rebuild_events,        # no_show_undone
    4: _rebuild_events,        # devices, sign-ins (issue 15); their tables come from hall.db.sql
    # Statistics kept as rows (tally_*, from hall.db.sql) instead of a JSON tally per day: the
    # old days are counted again when asked for.
    5: "DROP TABLE IF EXISTS day_tallies",
    6: _v6_counter_hand,
    7: _v7_parked,
    8: _rebuild_events,        # settings (issue 19); config_versions comes from hall.db.sql
}
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def apply_schema(conn: sqlite3.Connection, path: str) -> None:
    """hall.db.sql (every CREATE … IF NOT EXISTS: new tables and indexes reach old databases
    too), then the migrations the database has not had."""
    db = sqlite_utils.Database(conn)
    db.executescript(SCHEMA_FILE.read_text(encoding="utf-8"))
    # A table rebuilt by a migration is dropped and renamed: references to it are checked
    # after the migrations instead (PRAGMA foreign_keys is a no-op inside a transaction).
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
        if row["v"] is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif row["v"] < SCHEMA_VERSION:
            broken_before = len(conn.execute("PRAGMA foreign_key_check").fetchall())
            for version in range(row["v"] + 1, SCHEMA_VERSION + 1):
                migration = MIGRATIONS[version]
                if callable(migration):
                    migration(conn)
                else:
                    for statement in migration.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if len(broken) > broken_before:
                raise StoreError(f"database {path}: upgrading it broke {len(broken)} references "
                                 f"(first: {tuple(broken[0])}); it was left as it was")
        elif row["v"] > SCHEMA_VERSION:
            raise StoreError(
                f"database {path} has schema version {row['v']}, newer than this "
                f"program's {SCHEMA_VERSION}; upgrade the program")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
