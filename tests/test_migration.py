"""Opening a database made by the first release (schema v1, tests/fixtures/hall.v1.sql) migrates
it to the current schema without losing a row or the event log's append-only guard."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import MORNING
from core.hall import Hall
from core.store import MIGRATIONS, SCHEMA_VERSION, Store

V1_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "hall.v1.sql"
V2_KINDS = ("precheck", "help_accepted", "help_closed", "alert", "alert_cleared", "alert_acked",
            "recommended", "churn", "follow_up", "follow_up_answered")


def make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA.read_text(encoding="utf-8"))
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.execute(
        "INSERT INTO tickets (id, request_id, day, number, business, issued_business, status, "
        "issued_at, queued_at, kiosk, checklist) VALUES "
        "('tok-1', 'req-1', '2026-11-25', 'A001', 'F-NEW', 'F-NEW', 'waiting', ?, ?, 'k1', '[]')",
        (MORNING, MORNING))
    conn.execute(
        "INSERT INTO tickets (id, request_id, day, number, business, issued_business, status, "
        "issued_at, queued_at, counter, clerk, called_at, started_at, ended_at) VALUES "
        "('tok-2', 'req-2', '2026-11-25', 'G001', 'M-NEW', 'M-NEW', 'done', ?, ?, '3', 'alice', ?, ?, ?)",
        (MORNING, MORNING, MORNING + 60, MORNING + 70, MORNING + 400))
    for kind, ticket, number, data in (("issued", "tok-1", "A001", {"kiosk": "k1"}),
                                       ("help", None, None, {"kiosk": "k2"}),
                                       ("finished", "tok-2", "G001", {"service_s": 330})):
        conn.execute("INSERT INTO events (at, day, kind, ticket, number, business, data) "
                     "VALUES (?, '2026-11-25', ?, ?, ?, 'F-NEW', ?)",
                     (MORNING, kind, ticket, number, json.dumps(data)))
    conn.execute("INSERT INTO follow_ups (kind, ticket, business, summary, created_at, created_by, "
                 "due_date) VALUES ('query', 'tok-2', 'M-NEW', '旧的回访', ?, 'alice', '2026-11-27')",
                 (MORNING,))
    conn.commit()
    conn.close()


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def test_the_fixture_is_really_v1(tmp_path):
    path = tmp_path / "v1.db"
    make_v1(path)
    conn = sqlite3.connect(path)
    assert "prechecked_at" not in columns(conn, "tickets")
    assert "contact" not in columns(conn, "follow_ups")
    with pytest.raises(sqlite3.IntegrityError):           # v1's CHECK does not know the new kinds
        conn.execute("INSERT INTO events (at, day, kind) VALUES (1, '2026-11-25', 'precheck')")
    conn.close()
    assert SCHEMA_VERSION == 1 + len(MIGRATIONS) and SCHEMA_VERSION >= 2


def test_a_v1_database_is_migrated(tmp_path):
    path = tmp_path / "v1.db"
    make_v1(path)
    store = Store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        with store.read() as tx:
            versions = [r["version"] for r in tx.conn.execute("SELECT version FROM schema_version "
                                                             "ORDER BY version")]
            assert versions == list(range(1, SCHEMA_VERSION + 1))
            # The old rows, intact.
            waiting = tx.ticket("tok-1")
            assert (waiting.number, waiting.status, waiting.kiosk, waiting.issued_at) == (
                "A001", "waiting", "k1", MORNING)
            assert waiting.prechecked_at is None and waiting.prechecked_by is None
            done = tx.ticket("tok-2")
            assert (done.status, done.counter, done.clerk, done.ended_at) == ("done", "3", "alice",
                                                                              MORNING + 400)
            events = tx.events("2026-11-25", "2026-11-25")
            assert [(e["seq"], e["kind"], e["ticket"]) for e in events] == [
                (1, "issued", "tok-1"), (2, "help", None), (3, "finished", "tok-2")]
            assert events[2]["data"] == {"service_s": 330}
            old = tx.follow_up(1)
            assert old["summary"] == "旧的回访" and old["due_date"] == "2026-11-27"
            assert old["contact"] is None and old["due_warning"] is None
            for table in ("help_requests", "alerts"):
                assert tx.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
        conn = sqlite3.connect(path)
        assert {"prechecked_at", "prechecked_by"} <= set(columns(conn, "tickets"))
        assert {"contact", "number", "counter", "answered_by", "due_warning"} <= set(
            columns(conn, "follow_ups"))
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'events'")}
        assert {"events_by_day", "events_by_ticket"} <= indexes
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                               "AND tbl_name = 'events'")}
        assert triggers == {"events_append_only_update", "events_append_only_delete"}
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'events_rebuilt'"
                            ).fetchone()[0] == 0
        conn.close()

        # The new kinds are accepted, and the log goes on after the old rows.
        with store.write() as tx:
            for kind in V2_KINDS:
                tx.append_event(at=MORNING + 1, day="2026-11-25", kind=kind)
        with store.read() as tx:
            seqs = [(e["seq"], e["kind"]) for e in tx.events("2026-11-25", "2026-11-25", V2_KINDS)]
        assert seqs == [(4 + i, kind) for i, kind in enumerate(V2_KINDS)]
        with pytest.raises(sqlite3.IntegrityError):
            with store.write() as tx:
                tx.append_event(at=MORNING, day="2026-11-25", kind="no_such_kind")

        # Still append-only.
        for sql in ("UPDATE events SET kind = 'called' WHERE seq = 1", "DELETE FROM events WHERE seq = 1"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                with store.write() as tx:
                    tx.conn.execute(sql)
        with store.read() as tx:
            assert tx.events("2026-11-25", "2026-11-25")[0]["kind"] == "issued"
    finally:
        store.close()


def test_a_migrated_database_works_for_the_hall(tmp_path, config, clock):
    path = tmp_path / "v1.db"
    make_v1(path)
    store = Store(path)
    try:
        hall = Hall(config, store, clock)
        t, _ = hall.precheck("tok-1", "guide1")
        assert t.prechecked_by == "guide1"
        req, _ = hall.request_help("k1", None)
        assert req["state"] == "open"
        row, _ = hall.open_follow_up("guide1", "13812345678", "问题", business="M-QUERY")
        assert row["id"] == 2 and row["contact"] == "13812345678"
        kinds = [e["kind"] for e in hall.events("2026-11-25", "2026-11-25")]
        assert kinds == ["issued", "help", "finished", "precheck", "help", "follow_up"]
    finally:
        store.close()
    # Opening again does not migrate twice.
    again = Store(path)
    try:
        assert again.schema_version() == SCHEMA_VERSION
        with again.read() as tx:
            assert tx.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
            assert tx.ticket("tok-1").prechecked_by == "guide1"
    finally:
        again.close()


def test_a_failed_migration_leaves_the_v1_database_untouched(tmp_path, monkeypatch):
    path = tmp_path / "v1.db"
    make_v1(path)

    def broken(conn):
        MIGRATIONS_V2(conn)
        raise RuntimeError("disk on fire")

    MIGRATIONS_V2 = MIGRATIONS[2]
    monkeypatch.setitem(MIGRATIONS, 2, broken)
    with pytest.raises(RuntimeError):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
    assert "prechecked_at" not in columns(conn, "tickets")
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    conn.close()
    monkeypatch.setitem(MIGRATIONS, 2, MIGRATIONS_V2)
    store = Store(path)                                   # and a later start migrates it
    try:
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


def test_the_json_day_tallies_give_way_to_kept_rows(tmp_path, config, clock):
    """A v4 database kept a JSON tally per past day: v5 drops them (the days are counted again
    into the tally_* rows when asked for)."""
    path = tmp_path / "v4.db"
    store = Store(path)
    hall = Hall(config, store, clock)
    hall.issue_ticket("F-NEW", "r1")
    day = hall.today()
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 4")        # made by the previous release
    conn.execute("CREATE TABLE day_tallies (day TEXT PRIMARY KEY, key TEXT NOT NULL, data TEXT NOT NULL)")
    conn.execute("INSERT INTO day_tallies VALUES (?, 'old', '{}')", (day,))
    conn.commit()
    conn.close()
    clock.advance(86400)
    store = Store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        with store.read() as tx:
            tables = {r[0] for r in tx.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "day_tallies" not in tables and {"tally_periods", "tally_times"} <= tables
        assert Hall(config, store, clock).statistics(day, day)["total"]["issued"] == 1
    finally:
        store.close()


def test_a_v5_database_gets_the_requeue_columns(tmp_path, config, clock):
    """v6 (issue 18): a no-show's place when re-queued, and how many times; the old tickets
    keep theirs (none), and the new event kinds are accepted."""
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path)
    Store(path).close()
    conn.execute("ALTER TABLE tickets DROP COLUMN order_at")
    conn.execute("ALTER TABLE tickets DROP COLUMN requeues")
    conn.execute("UPDATE schema_version SET version = 5")
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        hall = Hall(config, store, clock)
        t = hall.issue_ticket("F-NEW", "r1")[0]
        hall.open_counter("1", "alice")
        hall.call_next("1", "alice")
        clock.advance(40)
        hall.no_show("1", "alice")
        back = hall.requeue(t.number, "alice")[0]
        assert back.requeues == 1 and back.status == "waiting"
    finally:
        store.close()
