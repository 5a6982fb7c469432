"""A ticket's whole life and every counter action, in the core."""
from __future__ import annotations

import pytest

from core.errors import Conflict, Forbidden, HallError, NotFound
from core.events import CounterChanged, TicketCalled, TicketChanged, TicketIssued


def kinds(hall, ticket_id):
    return [e["kind"] for e in hall.events(hall.today(), hall.today()) if e["ticket"] == ticket_id]


def test_issue_call_recall_start_finish(hall, clock):
    t, created, events = hall.issue_ticket("F-NEW", "req-1", kiosk="k1")
    assert created and t.number == "A001" and t.status == "waiting"
    assert [type(e) for e in events] == [TicketIssued]
    hall.open_counter("1", "alice")
    clock.advance(120)

    called, events = hall.call_next("1", "alice")
    assert called.id == t.id and called.status == "called" and called.counter == "1"
    assert isinstance(events[-1], TicketCalled) and not events[-1].recall

    clock.advance(20)
    recalled, events = hall.recall("1", "alice")
    assert recalled.status == "called" and recalled.recalls == 1
    assert events[-1].recall is True
    assert recalled.called_at == called.called_at          # the first call counts for the wait
    assert recalled.last_called_at == called.called_at + 20

    clock.advance(10)
    serving, _ = hall.start("1", "alice")
    assert serving.status == "serving" and serving.started_at == clock.now()
    clock.advance(240)
    done, events = hall.finish("1", "alice")
    assert done.status == "done" and done.ended_at - done.started_at == 240
    assert isinstance(events[-1], TicketChanged) and events[-1].kind == "finished"
    assert hall.counters()["1"].current_ticket is None
    assert kinds(hall, t.id) == ["issued", "called", "recalled", "started", "finished"]


def test_no_show(hall, clock):
    t, _, _ = hall.issue_ticket("M-TOPUP", "r")
    hall.open_counter("5", "bob")
    hall.call_next("5", "bob")
    hall.recall("5", "bob")
    gone, events = hall.no_show("5", "bob")
    assert gone.status == "no_show" and gone.recalls == 1
    assert hall.counters()["5"].current_ticket is None
    # A no-show is final: the counter cannot act on it any more.
    with pytest.raises(Conflict) as e:
        hall.start("5", "bob")
    assert e.value.code == "no_current_ticket"


def test_serving_ticket_cannot_be_no_show(hall):
    hall.issue_ticket("F-NEW", "r")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    hall.start("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.no_show("1", "alice")
    assert e.value.code == "wrong_ticket_state"


def test_transfer_keeps_number_and_issue_time_and_joins_new_queue(hall, clock):
    first, _, _ = hall.issue_ticket("F-QUERY", "r1")
    clock.advance(300)
    later, _, _ = hall.issue_ticket("M-QUERY", "r2")         # came five minutes later
    hall.open_counter("2", "alice")
    hall.open_counter("4", "bob")
    hall.call_next("2", "alice")                                # takes F-QUERY (preferred at 2)
    hall.start("2", "alice")
    clock.advance(60)
    moved, events = hall.transfer("2", "alice", business="M-QUERY")
    assert moved.status == "transferred"
    assert moved.number == first.number and moved.issued_at == first.issued_at
    assert moved.business == "M-QUERY" and moved.issued_business == "F-QUERY"
    assert moved.counter is None and moved.started_at is None
    assert hall.counters()["2"].current_ticket is None
    # In the new queue it goes before the customer who came later.
    called, _ = hall.call_next("4", "bob")
    assert called.id == first.id and called.status == "called"
    assert kinds(hall, first.id) == ["issued", "called", "started", "transferred", "called"]


def test_transfer_to_a_counter_only_that_counter_calls_it(hall):
    t, _, _ = hall.issue_ticket("F-NEW", "r1")
    hall.open_counter("1", "alice")
    hall.open_counter("2", "carol")
    hall.open_counter("6", "dave")
    hall.call_next("1", "alice")
    moved, _ = hall.transfer("1", "alice", to_counter="6")
    assert moved.target_counter == "6" and moved.business == "F-NEW"
    assert hall.call_next("2", "carol")[0] is None             # 2 serves F-NEW, but not this one
    assert hall.call_next("6", "dave")[0].id == t.id


def test_transfer_refusals(hall):
    hall.issue_ticket("F-NEW", "r1")
    hall.open_counter("1", "alice")
    with pytest.raises(Conflict):
        hall.transfer("1", "alice", business="M-NEW")           # nothing at the counter yet
    hall.call_next("1", "alice")
    with pytest.raises(NotFound):
        hall.transfer("1", "alice", business="NOPE")
    with pytest.raises(NotFound):
        hall.transfer("1", "alice", to_counter="99")
    with pytest.raises(Conflict):
        hall.transfer("1", "alice", to_counter="1")
    with pytest.raises(HallError):
        hall.transfer("1", "alice")


def test_call_next_finishes_the_customer_being_served(hall, clock):
    """A call pad's CALL means "done, next" for the customer being served."""
    a, _, _ = hall.issue_ticket("F-NEW", "r1")
    b, _, _ = hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    clock.advance(20)
    hall.start("1", "alice")
    clock.advance(200)
    nxt, events = hall.call_next("1", "alice")
    assert nxt.id == b.id
    assert hall.ticket(a.id).status == "done"
    finished = [e for e in hall.events(hall.today(), hall.today()) if e["kind"] == "finished"]
    assert finished[0]["data"]["implicit_start"] is False and finished[0]["data"]["service_s"] == 200


def test_a_second_call_within_two_seconds_changes_nothing(hall, clock):
    tickets = [hall.issue_ticket("F-NEW", f"r{i}")[0] for i in range(3)]
    hall.open_counter("1", "alice")
    first, _ = hall.call_next("1", "alice")
    clock.advance(0.15)                               # F1 pressed twice
    with pytest.raises(Conflict) as refused:
        hall.call_next("1", "alice")
    assert refused.value.code == "call_repeated" and first.number in refused.value.message
    hall.start("1", "alice")                          # even once started: still the same press
    clock.advance(1.0)
    with pytest.raises(Conflict) as refused:
        hall.call_next("1", "alice")
    assert refused.value.code == "call_repeated"
    assert [hall.ticket(t.id).status for t in tickets] == ["serving", "waiting", "waiting"]
    assert [e["kind"] for e in hall.events(hall.today(), hall.today())].count("finished") == 0
    # A recall is a call too: a press right after it is a repeat.
    clock.advance(300)
    assert hall.call_next("1", "alice")[0].id == tickets[1].id
    clock.advance(30)
    hall.recall("1", "alice")
    clock.advance(0.5)
    with pytest.raises(Conflict) as refused:
        hall.call_next("1", "alice")
    assert refused.value.code == "call_repeated"


def test_a_customer_called_but_never_started_is_never_counted_served(hall, clock):
    a, _, _ = hall.issue_ticket("F-NEW", "r1")
    b, _, _ = hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    clock.advance(60)
    with pytest.raises(Conflict) as refused:          # the clerk must say: came (start) or not
        hall.call_next("1", "alice")
    assert refused.value.code == "not_started"
    assert "开始办理" in refused.value.message and "过号" in refused.value.message
    assert hall.ticket(a.id).status == "called" and hall.ticket(b.id).status == "waiting"
    hall.no_show("1", "alice")
    assert hall.call_next("1", "alice")[0].id == b.id
    assert not hall.events(hall.today(), hall.today(), ("finished",))


def test_a_no_show_can_be_undone_within_a_minute(hall, clock):
    a, _, _ = hall.issue_ticket("F-NEW", "r1")
    b, _, _ = hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    clock.advance(40)
    hall.no_show("1", "alice")
    clock.advance(30)                                 # "wait, she is here!"
    back, events = hall.undo_no_show("1", "alice")
    assert back.id == a.id and back.status == "called" and back.ended_at is None
    assert hall.counters()["1"].current_ticket == a.id
    assert [type(e).__name__ for e in events] == ["TicketChanged"]
    hall.start("1", "alice")
    clock.advance(100)
    hall.finish("1", "alice")
    today = hall.statistics(hall.today(), hall.today())
    assert today["businesses"]["F-NEW"]["no_show"] == 0 and today["businesses"]["F-NEW"]["served"] == 1
    assert today["clerks"]["alice"]["no_show"] == 0
    # Nothing left to undo; and a no-show older than a minute stays.
    with pytest.raises(Conflict) as refused:
        hall.undo_no_show("1", "alice")
    assert refused.value.code == "nothing_to_undo"
    hall.call_next("1", "alice")
    clock.advance(40)
    hall.no_show("1", "alice")
    clock.advance(61)
    with pytest.raises(Conflict):
        hall.undo_no_show("1", "alice")
    assert hall.ticket(b.id).status == "no_show"


def test_an_undo_never_takes_a_window_that_called_the_next(hall, clock):
    a, _, _ = hall.issue_ticket("F-NEW", "r1")
    hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    clock.advance(40)
    hall.no_show("1", "alice")
    clock.advance(3)
    hall.call_next("1", "alice")
    with pytest.raises(Conflict) as refused:
        hall.undo_no_show("1", "alice")
    assert refused.value.code == "nothing_to_undo" and hall.ticket(a.id).status == "no_show"


def test_call_next_with_nothing_waiting(hall):
    hall.open_counter("1", "alice")
    assert hall.call_next("1", "alice") == (None, [])


def test_counter_open_close_pause_resume(hall):
    c, events = hall.open_counter("3", "alice")
    assert c.state == "open" and c.clerk == "alice"
    assert isinstance(events[0], CounterChanged) and events[0].kind == "opened"
    # Opening again is harmless; another clerk cannot take it.
    assert hall.open_counter("3", "alice")[1] == []
    with pytest.raises(Conflict) as e:
        hall.open_counter("3", "bob")
    assert e.value.code == "counter_taken"
    # Only the clerk at the counter acts on it.
    with pytest.raises(Forbidden):
        hall.call_next("3", "bob")
    assert hall.pause("3", "alice")[0].state == "paused"
    with pytest.raises(Conflict) as e:
        hall.call_next("3", "alice")
    assert e.value.code == "counter_paused"
    assert hall.resume("3", "alice")[0].state == "open"
    assert hall.close_counter("3", "alice")[0].state == "closed"
    log = [e["kind"] for e in hall.events(hall.today(), hall.today())]
    assert log == ["counter_opened", "paused", "resumed", "counter_closed"]


def test_clerk_moving_counters_leaves_the_idle_one(hall):
    hall.open_counter("1", "alice")
    hall.open_counter("2", "alice")
    counters = hall.counters()
    assert counters["1"].state == "closed" and counters["2"].clerk == "alice"
    hall.issue_ticket("F-NEW", "r")
    hall.call_next("2", "alice")
    with pytest.raises(Conflict) as e:
        hall.open_counter("1", "alice")
    assert e.value.code == "clerk_busy_elsewhere"


def test_cannot_close_or_pause_with_a_customer(hall):
    hall.issue_ticket("F-NEW", "r")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    for action in (hall.close_counter, hall.pause):
        with pytest.raises(Conflict) as e:
            action("1", "alice")
        assert e.value.code == "ticket_in_progress"


def test_unknown_things(hall):
    with pytest.raises(NotFound) as e:
        hall.issue_ticket("NOPE", "r")
    assert e.value.code == "unknown_business"
    with pytest.raises(NotFound):
        hall.open_counter("99", "alice")
    with pytest.raises(NotFound):
        hall.issue_ticket("F-NEW", "r", kiosk="k99")
    with pytest.raises(HallError) as e:
        hall.issue_ticket("F-NEW", "r", priority="vip-gold")
    assert e.value.code == "unknown_priority"


def test_rating_once_after_service(hall):
    t, _, _ = hall.issue_ticket("F-NEW", "r")
    with pytest.raises(Conflict) as e:
        hall.rate(t.id, 4, None)
    assert e.value.code == "not_done"
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    hall.finish("1", "alice")
    hall.rate(t.id, 4, "很好")
    with pytest.raises(Conflict) as e:
        hall.rate(t.id, 3, None)
    assert e.value.code == "already_rated"


def test_events_are_append_only(hall, store):
    import sqlite3
    hall.issue_ticket("F-NEW", "r")
    with pytest.raises(sqlite3.DatabaseError):
        with store.write() as tx:
            tx.conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError):
        with store.write() as tx:
            tx.conn.execute("UPDATE events SET kind = 'called'")
