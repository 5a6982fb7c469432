"""A customer parked at the window (暂挂, issue 18): the clerk serves others and calls them back
ahead of the line; a ticket parked too long is back in line by itself, first for that counter."""
from __future__ import annotations

import sqlite3

import pytest

from core.errors import Conflict
from core.events import TicketCalled, TicketChanged
from core.store import SCHEMA_VERSION, Store
from tests.test_counter_hand import issue, logged, serve


def park_the_first(hall, clock, started=True):
    a = issue(hall, "F-NEW", 4, clock=clock)
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    clock.advance(5)
    if started:
        hall.start("1", "alice")
        clock.advance(60)
    parked, events = hall.park("1", "alice", "回去取证件")
    return a, parked, events


def test_a_parked_customer_is_called_back_to_the_same_window_ahead_of_the_line(hall, clock):
    a, parked, events = park_the_first(hall, clock)
    assert parked.id == a[0].id and parked.status == "parked" and parked.counter == "1"
    assert isinstance(events[-1], TicketChanged) and events[-1].kind == "parked"
    assert hall.counters()["1"].current_ticket is None
    e = logged(hall, "parked")[-1]
    assert e["data"]["reason"] == "回去取证件" and e["data"]["was"] == "serving"
    assert e["data"]["service_s"] == 60 and e["clerk"] == "alice"
    # The window serves the next one meanwhile; the parked ticket is nobody's next.
    assert serve(hall, clock) == "A002"
    assert hall.ticket(a[0].id).status == "parked"
    assert [t.number for t in hall.parked("1")] == ["A001"]
    clock.advance(120)
    back, events = hall.call_parked("1", "alice", "a001")
    assert back.status == "called" and back.counter == "1" and back.parked_at is None
    assert isinstance(events[-1], TicketCalled) and events[-1].counter == "1"
    e = logged(hall, "unparked")[-1]
    assert e["data"]["how"] == "called" and e["data"]["parked_s"] == pytest.approx(133)
    clock.advance(5)
    hall.start("1", "alice")
    clock.advance(30)
    hall.finish("1", "alice")
    assert hall.parked("1") == []
    assert [serve(hall, clock) for _ in range(3)] == ["A003", "A004", None]


def test_calling_back_a_parked_customer_finishes_the_one_in_hand(hall, clock):
    a, parked, _ = park_the_first(hall, clock)
    hall.call_next("1", "alice")
    clock.advance(5)
    hall.start("1", "alice")
    clock.advance(40)
    hall.call_parked("1", "alice", parked.id)             # as a call pad's CALL: done, next
    assert hall.ticket(a[1].id).status == "done"
    assert hall.counters()["1"].current_ticket == parked.id


def test_a_parked_ticket_comes_back_in_line_by_itself_first_for_its_counter(hall, clock):
    a, parked, _ = park_the_first(hall, clock, started=False)
    assert logged(hall, "parked")[-1]["data"]["was"] == "called"
    clock.advance(hall.config.routing.park_return_s - 10)
    assert hall.return_parked() == (0, [])
    clock.advance(10)
    n, events = hall.return_parked()
    assert n == 1 and events[-1].kind == "unparked"
    back = hall.ticket(parked.id)
    assert back.status == "waiting" and back.target_counter == "1" and back.parked_at is None
    e = logged(hall, "unparked")[-1]
    assert e["data"]["how"] == "returned" and e["data"]["to_counter"] == "1"
    assert hall.return_parked() == (0, [])                # once
    # Counter 1 calls it before the ones who waited in the line meanwhile.
    assert serve(hall, clock) == "A001"


def test_a_ticket_parked_at_a_closed_counter_goes_back_to_its_business(hall, clock):
    a, parked, _ = park_the_first(hall, clock)
    hall.close_counter("1", "alice")
    clock.advance(hall.config.routing.park_return_s)
    hall.return_parked()
    back = hall.ticket(parked.id)
    assert back.status == "waiting" and back.target_counter is None
    hall.open_counter("2", "bob")
    assert serve(hall, clock, "2", "bob") == "A001"       # its issue time: first in its line


def test_what_cannot_be_parked_or_called_back(hall, clock):
    a, parked, _ = park_the_first(hall, clock)
    with pytest.raises(Conflict) as e:
        hall.park("1", "alice")                           # nobody in hand
    assert e.value.code == "no_current_ticket"
    with pytest.raises(Conflict) as e:
        hall.call_parked("1", "alice", a[1].number)       # waiting, not parked
    assert e.value.code == "ticket_not_parked" and "等待中" in e.value.message
    hall.open_counter("2", "bob")
    with pytest.raises(Conflict) as e:
        hall.call_parked("2", "bob", parked.number)
    assert e.value.code == "parked_elsewhere" and "1" in e.value.message
    for _ in range(hall.config.routing.park_limit - 1):  # up to the hall's limit
        clock.advance(5)
        hall.call_next("1", "alice")
        hall.park("1", "alice")
    clock.advance(5)
    hall.call_next("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.park("1", "alice")
    assert e.value.code == "park_limit" and "A001" in e.value.message


def test_the_day_end_closes_parked_tickets(hall, clock):
    _, parked, _ = park_the_first(hall, clock)
    closed, _ = hall.reset_day()
    assert closed == 4 and hall.ticket(parked.id).status == "no_show"     # 3 waiting, 1 parked


def test_a_parked_number_is_not_handed_out_again(hall, clock):
    _, parked, _ = park_the_first(hall, clock)
    with pytest.raises(sqlite3.IntegrityError):
        with hall.store.write() as tx:          # the live-number index counts parked tickets
            tx.conn.execute("UPDATE tickets SET number = ? WHERE number = 'A002'", (parked.number,))


def test_a_v6_database_gets_parking_and_keeps_its_references(tmp_path):
    """The tickets table is rebuilt for the new status (SQLite cannot alter a CHECK): every
    ticket, the counters' current tickets and ratings' references survive it."""
    db = tmp_path / "hall.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.executescript("""
        UPDATE schema_version SET version = 6;
        INSERT INTO tickets (id, request_id, day, number, business, issued_business, status,
                             issued_at, queued_at) VALUES
            ('t1', 'r1', '2026-12-01', 'A001', 'F-NEW', 'F-NEW', 'serving', 1, 1),
            ('t2', 'r2', '2026-12-01', 'A002', 'F-NEW', 'F-NEW', 'done', 2, 2);
        INSERT OR REPLACE INTO counters (id, state, clerk, current_ticket) VALUES ('1', 'open', 'alice', 't1');
        INSERT INTO ratings (ticket, score, at) VALUES ('t2', 4, 3);
    """)
    conn.commit()
    conn.close()
    store = Store(db)
    try:
        with store.read() as tx:
            assert tx.ticket("t1").status == "serving" and tx.ticket("t2").status == "done"
            assert tx.counter("1").current_ticket == "t1"
            assert tx.conn.execute("PRAGMA foreign_key_check").fetchall() == []
            assert tx.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert tx.conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        with store.write() as tx:
            tx.conn.execute("UPDATE tickets SET status = 'parked', parked_at = 5 WHERE id = 't1'")
        with pytest.raises(sqlite3.IntegrityError):
            with store.write() as tx:               # references are enforced again
                tx.conn.execute("INSERT INTO ratings (ticket, score, at) VALUES ('nobody', 1, 1)")
    finally:
        store.close()


# --- through the API ----------------------------------------------------------------------
def test_the_api_parks_and_calls_back_and_the_phone_knows_where_to_return(app, clerk, clock):
    from conftest import issue as take
    tickets = [take(app.test_client(), "F-NEW").get_json() for _ in range(3)]
    clerk.post("/api/counters/1/call-next")
    clock.advance(5)
    r = clerk.post("/api/counters/1/park", json={"reason": "去缴费"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["ticket"]["status"] == "parked" and body["ticket"]["counter"] == "1"
    assert body["ticket"]["parked_until"]
    desk = body["desk"]
    assert desk["customer"] is None and desk["park_limit"] == 3
    (row,) = desk["parked"]
    assert row["number"] == tickets[0]["number"] and row["returns_ts"] - row["parked_ts"] == 900
    phone = app.test_client().get(f"/api/tickets/{tickets[0]['id']}").get_json()
    assert phone["status"] == "parked" and phone["counter_name"] and phone["parked_until"]
    for body, status, code in [
            ({"reason": "x" * 61}, 422, None),
            ({}, 409, "no_current_ticket")]:
        r = clerk.post("/api/counters/1/park", json=body)
        assert r.status_code == status and r.get_json()["error"]["message"], r.get_json()
        assert code is None or r.get_json()["error"]["code"] == code
    for body, status, code in [
            ({}, 422, None),
            ({"ticket": tickets[1]["number"]}, 409, "ticket_not_parked"),
            ({"ticket": "Z999"}, 404, "unknown_ticket")]:
        r = clerk.post("/api/counters/1/call-parked", json=body)
        assert r.status_code == status and r.get_json()["error"]["message"], r.get_json()
        assert code is None or r.get_json()["error"]["code"] == code
    assert app.test_client().post("/api/counters/1/park").status_code == 401
    assert _staff(app, "demo-guide").post("/api/counters/1/call-parked",
                                          json={"ticket": tickets[0]["id"]}).status_code == 403
    clock.advance(60)
    r = clerk.post("/api/counters/1/call-parked", json={"ticket": tickets[0]["number"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ticket"]["status"] == "called" and r.get_json()["desk"]["parked"] == []
    assert r.get_json()["desk"]["customer"]["number"] == tickets[0]["number"]


def _staff(app, username):
    from conftest import login
    c = app.test_client()
    login(c, username)
    return c


# --- the call pad ---------------------------------------------------------------------------
def test_the_call_pad_parks_calls_back_and_calls_a_typed_number(rig, clock):
    from conftest import as_device, issue as take, login
    from drivers.callpad import CallPadError, parse_line
    from tests.test_devices import wait
    app, mocks = rig
    pad = mocks["callpad:1"]
    client = as_device(app.test_client())
    for _ in range(3):
        take(client, "F-NEW")
    clerk = app.test_client()
    login(clerk, "demo-clerk")
    clerk.post("/api/counters/1/open")
    hall = app.extensions["hall"].hall
    pad.press("BACK")                                       # nobody parked yet
    assert pad.wait_for(lambda p: "nothing_parked" in p.errors)
    pad.press("CALL")
    assert pad.wait_for(lambda p: p.display == "A001")
    pad.press("PARK")
    assert pad.wait_for(lambda p: p.display == "----")
    assert wait(lambda: hall.ticket_today("A001").status == "parked")
    clock.advance(5)
    pad.press("CALL", "A003")                               # typed on the pad's digits
    assert pad.wait_for(lambda p: p.display == "A003")
    called = [e for e in hall.events(hall.today(), hall.today()) if e["kind"] == "called"][-1]
    assert called["number"] == "A003" and called["data"]["out_of_order"] is True
    clerk.post("/api/counters/1/start")
    clock.advance(5)
    pad.press("BACK")                                       # A003 finished, A001 back
    assert pad.wait_for(lambda p: p.display == "A001")
    assert hall.ticket_today("A003").status == "done"
    with pytest.raises(CallPadError):
        parse_line(b"1 PARK A001")                          # only CALL takes a number
    assert parse_line(b"1 CALL A012").action == "call" and parse_line(b"1 BACK").action == "call-parked"


from tests.test_devices import rig  # noqa: E402,F401 (the fixture)
