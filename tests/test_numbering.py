"""Numbers: prefix + 3 digits, per business day, idempotent on request_id."""
from __future__ import annotations

import threading

import pytest

from core.errors import Conflict, Unavailable
from core.hall import Hall
from core.store import SCHEMA_VERSION, Store


def test_prefix_and_three_digits(hall):
    numbers = [hall.issue_ticket("F-NEW", f"a{i}")[0].number for i in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert hall.issue_ticket("M-NEW", "g1")[0].number == "G001"


def test_same_request_id_gives_the_same_ticket(hall):
    t1, created1, events1 = hall.issue_ticket("F-NEW", "kiosk-1-0001")
    t2, created2, events2 = hall.issue_ticket("F-NEW", "kiosk-1-0001")
    assert created1 and not created2 and events2 == []
    assert t1 == t2
    assert hall.issue_ticket("F-NEW", "kiosk-1-0002")[0].number == "A002"


def test_request_id_reused_for_another_business_is_refused(hall):
    hall.issue_ticket("F-NEW", "x")
    with pytest.raises(Conflict) as e:
        hall.issue_ticket("M-NEW", "x")
    assert e.value.code == "request_id_reused"


def test_numbers_restart_on_a_new_business_day(hall, clock):
    left, _, _ = hall.issue_ticket("F-NEW", "d1-1")
    hall.issue_ticket("F-NEW", "d1-2")
    clock.advance(24 * 3600)
    t, _, events = hall.issue_ticket("F-NEW", "d2-1")
    assert t.number == "A001" and t.day == "2026-11-26"
    # Yesterday's leftover tickets were closed, not carried into today.
    assert hall.ticket(left.id).status == "no_show"
    assert any(type(e).__name__ == "DayClosed" for e in events)
    no_show = [e for e in hall.events("2026-11-26", "2026-11-26") if e["kind"] == "no_show"]
    assert {e["data"]["reason"] for e in no_show} == {"day_end"}


def test_day_reset_closes_live_tickets_and_restarts_numbering(hall):
    a, _, _ = hall.issue_ticket("F-NEW", "r1")
    b, _, _ = hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    hall.start("1", "alice")
    closed, _ = hall.reset_day()
    assert closed == 2
    assert hall.ticket(a.id).status == "done" and hall.ticket(b.id).status == "no_show"
    assert hall.counters()["1"].state == "closed"
    assert hall.issue_ticket("F-NEW", "r3")[0].number == "A001"


def test_numbers_run_out_after_999(hall, store):
    with store.write() as tx:
        tx.conn.execute("INSERT INTO number_sequences (day, prefix, last) VALUES (?, 'A', 998)",
                        (hall.today(),))
    assert hall.issue_ticket("F-NEW", "r1")[0].number == "A999"
    with pytest.raises(Unavailable) as e:
        hall.issue_ticket("F-NEW", "r2")
    assert e.value.code == "numbers_exhausted"
    assert hall.issue_ticket("M-NEW", "r3")[0].number == "G001"   # other prefixes go on


def test_two_stores_on_one_file_never_share_a_number(tmp_path, config, clock):
    """Two processes' worth of connections: BEGIN IMMEDIATE serialises the allocation."""
    path = tmp_path / "shared.db"
    halls = [Hall(config, Store(path), clock) for _ in range(2)]
    numbers, errors = [], []

    def worker(h, k):
        try:
            for i in range(50):
                numbers.append(h.issue_ticket("F-NEW", f"{k}-{i}")[0].number)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(halls[k % 2], k)) for k in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert len(numbers) == 300 and len(set(numbers)) == 300


def test_schema_is_idempotent_wal_and_versioned(tmp_path, config, clock):
    path = tmp_path / "h.db"
    first = Store(path)
    Hall(config, first, clock).issue_ticket("F-NEW", "r")
    first.close()
    again = Store(path)                       # applying the schema again keeps the data
    assert again.schema_version() == SCHEMA_VERSION and again.journal_mode() == "wal"
    assert Hall(config, again, clock).issue_ticket("F-NEW", "r2")[0].number == "A002"
    with again.write() as tx:
        tx.conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    again.close()
    from core.errors import StoreError
    with pytest.raises(StoreError, match="newer than this program"):
        Store(path)


def test_closing_the_store_while_other_threads_read_is_safe(tmp_path):
    """A background reader racing close() must get an error or a result, never crash the process."""
    store = Store(tmp_path / "race.db")
    stop = threading.Event()
    outcomes: list[str] = []

    def reader():
        while not stop.is_set():
            try:
                store.schema_version()
                outcomes.append("read")
            except Exception:
                outcomes.append("refused")
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    while len(outcomes) < 200:
        pass
    store.close()
    stop.set()
    for t in threads:
        t.join(timeout=5)
    assert store.closed and "read" in outcomes
    with pytest.raises(RuntimeError):
        store.schema_version()
