"""The queries run on every ticket stay on their indexes however long the hall has run (the
simulated year found one that read every finished ticket ever: 74 ms a call after a month)."""
from __future__ import annotations

from core.store import Store


def plans(store: Store, read) -> list[str]:
    """The query plans of the SELECTs that `read(tx)` runs (traced with their values bound)."""
    statements: list[str] = []
    with store.read() as tx:
        tx.conn.set_trace_callback(statements.append)
        try:
            read(tx)
        finally:
            tx.conn.set_trace_callback(None)
        return [" / ".join(row[3] for row in tx.conn.execute("EXPLAIN QUERY PLAN " + sql))
                for sql in statements if sql.lstrip().upper().startswith("SELECT")]


def test_the_estimates_recent_pace_reads_only_recent_tickets(store):
    [plan] = plans(store, lambda tx: tx.recent_ends(1_700_000_000.0, 200))
    assert "tickets_by_end" in plan and "tickets_by_status" not in plan


def test_a_counters_last_finish_does_not_read_the_whole_log(store):
    [plan] = plans(store, lambda tx: tx.last_finished("1", 1_700_000_000.0))
    assert "events_finished" in plan and "SCAN events" not in plan


def test_a_counters_last_turn_does_not_read_the_whole_log(store):
    [plan] = plans(store, lambda tx: tx.last_turn("1"))
    assert "events_turns" in plan and "SCAN events" not in plan


def test_the_last_calls_are_read_back_from_the_newest(store):
    [plan] = plans(store, lambda tx: tx.last_calls(10))
    assert plan == "SCAN events"          # by seq, newest first, stopping at the limit


def test_some_kinds_of_a_year_come_through_the_kind_index(store):
    [plan] = plans(store, lambda tx: tx.events("2025-12-01", "2026-11-30", ("follow_up",)))
    assert "events_by_kind" in plan
    [plan] = plans(store, lambda tx: tx.events("2025-12-01", "2026-11-30"))
    # All kinds: one stretch of the table by seq, its ends found on the day index.
    assert plan.startswith("SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)")
    assert "TEMP B-TREE" not in plan


def test_a_percentiles_band_of_a_year_is_read_through_the_key_in_each_period(store):
    with store.write() as tx:
        tx.conn.execute("INSERT INTO tally_subjects (kind, name) VALUES ('business', 'F-NEW')")
    periods = [f"2026-{m:02d}" for m in range(1, 12)] + [f"2026-12-{d:02d}" for d in range(1, 31)]
    *_, plan = plans(store, lambda tx: tx.tally_tenths({("business", "F-NEW", "wait", 3)}, periods))
    assert plan.startswith("SEARCH tally_times USING PRIMARY KEY (period=? AND subject=? AND "
                           "measure=? AND band=?)")
