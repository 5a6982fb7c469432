"""The counter's whole hand (issue 18), in the core: a chosen ticket called out of order, a
no-show brought back (过号重排)."""
from __future__ import annotations

import pytest

from core.errors import Conflict, HallError, NotFound
from core.events import TicketCalled, TicketChanged


def issue(hall, business, n, tag="r", clock=None):
    out = []
    for i in range(n):
        out.append(hall.issue_ticket(business, f"{tag}{business}{i}")[0])
        if clock is not None:
            clock.advance(20)                   # customers a little apart
    return out


def serve(hall, clock, counter="1", clerk="alice"):
    """Call the next one at this counter, start and finish: → its number (None: nobody)."""
    t, _ = hall.call_next(counter, clerk)
    if t is None:
        return None
    clock.advance(5)
    hall.start(counter, clerk)
    clock.advance(5)
    hall.finish(counter, clerk)
    clock.advance(3)
    return t.number


def logged(hall, kind):
    return [e for e in hall.events(hall.today(), hall.today()) if e["kind"] == kind]


# --- a chosen ticket, out of order --------------------------------------------------------
def test_a_chosen_ticket_is_called_out_of_order_with_who_and_why(hall, clock):
    a = issue(hall, "F-NEW", 4)
    hall.open_counter("1", "alice")
    clock.advance(30)
    called, events = hall.call_ticket("1", "alice", "a003", "预约客户")     # typed, lower case
    assert called.id == a[2].id and called.status == "called" and called.counter == "1"
    assert isinstance(events[-1], TicketCalled) and events[-1].counter == "1"
    e = logged(hall, "called")[-1]
    assert e["data"]["out_of_order"] is True and e["data"]["reason"] == "预约客户"
    assert e["data"]["skipped"] == 2 and e["clerk"] == "alice"
    clock.advance(5)
    hall.start("1", "alice")
    clock.advance(5)
    # The others keep their order: A001, A002, A004.
    assert [serve(hall, clock) for _ in range(4)] == ["A001", "A002", "A004", None]


def test_a_ticket_is_found_by_its_token_or_its_qr_link(hall, clock):
    a = issue(hall, "F-NEW", 3)
    hall.open_counter("1", "alice")
    assert hall.call_ticket("1", "alice", a[1].id)[0].id == a[1].id
    clock.advance(5)
    hall.start("1", "alice")
    clock.advance(5)
    scanned = f"  https://hall.example/t/{a[2].id}?from=qr \n"      # a scanner types the link
    assert hall.call_ticket("1", "alice", scanned)[0].id == a[2].id


def test_what_cannot_be_called_out_of_order(hall, clock):
    a = issue(hall, "F-NEW", 2)
    m = issue(hall, "M-TOPUP", 1)
    hall.open_counter("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.call_ticket("1", "alice", m[0].number)             # counter 1 does not serve M-TOPUP
    assert e.value.code == "not_for_this_counter" and "5G" in e.value.message
    with pytest.raises(NotFound) as e:
        hall.call_ticket("1", "alice", "A999")
    assert e.value.code == "unknown_ticket"
    with pytest.raises(NotFound):
        hall.call_ticket("1", "alice", "no-such-token-at-all")
    with pytest.raises(HallError) as e:
        hall.call_ticket("1", "alice", "A001", "想叫就叫")
    assert e.value.code == "unknown_call_reason"
    hall.call_ticket("1", "alice", "A002", "其他")
    with pytest.raises(Conflict) as e:                           # a double press
        hall.call_ticket("1", "alice", "A001", "其他")
    assert e.value.code == "call_repeated"
    clock.advance(5)
    with pytest.raises(Conflict) as e:                           # called, never started
        hall.call_ticket("1", "alice", "A001", "其他")
    assert e.value.code == "not_started"
    hall.start("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.call_ticket("1", "alice", "A002")                   # at the window already
    assert e.value.code == "ticket_not_waiting"
    assert hall.ticket(a[0].id).status == "waiting"             # nothing changed by a refusal


def test_yesterdays_ticket_is_not_called(hall, clock):
    old = issue(hall, "F-NEW", 1)[0]
    clock.advance(86400)                                         # the next business day
    issue(hall, "F-NEW", 1, tag="today")
    hall.open_counter("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.call_ticket("1", "alice", old.id)
    assert e.value.code in ("ticket_not_today", "ticket_not_waiting")


# --- a no-show brought back ---------------------------------------------------------------
def missed(hall, clock, counter="1", clerk="alice"):
    t, _ = hall.call_next(counter, clerk)
    clock.advance(30)
    hall.no_show(counter, clerk)
    clock.advance(3)
    return t


def test_a_no_show_comes_back_after_the_next_three(hall, clock):
    issue(hall, "F-NEW", 8, clock=clock)
    hall.open_counter("1", "alice")
    first = missed(hall, clock)                                  # A001 missed their call
    back, events = hall.requeue(first.number, "guide1")
    assert back.status == "waiting" and back.number == "A001" and back.requeues == 1
    assert isinstance(events[-1], TicketChanged) and events[-1].kind == "requeued"
    assert logged(hall, "requeued")[-1]["data"]["ahead"] == 3
    snap = hall.snapshot()
    assert snap.ahead(hall.ticket(first.id)) == 3               # what the ticket is told
    assert [serve(hall, clock) for _ in range(5)] == ["A002", "A003", "A004", "A001", "A005"]


def test_with_fewer_waiting_it_goes_last_and_a_newcomer_after_it(hall, clock):
    issue(hall, "F-NEW", 2, clock=clock)
    hall.open_counter("1", "alice")
    first = missed(hall, clock)
    hall.requeue(first.id, "alice")
    clock.advance(5)
    issue(hall, "F-NEW", 1, tag="late")                          # A003, issued after the re-queue
    assert hall.snapshot().ahead(hall.ticket(first.id)) == 1
    assert [serve(hall, clock) for _ in range(3)] == ["A002", "A001", "A003"]


def test_a_requeue_has_a_limit_and_only_a_no_show_of_today(hall, clock):
    issue(hall, "F-NEW", 3)
    hall.open_counter("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.requeue("A002", "alice")                           # waiting: nothing to bring back
    assert e.value.code == "not_a_no_show"
    first = missed(hall, clock)
    hall.requeue(first.id, "alice")
    while (t := hall.call_next("1", "alice")[0]) is not None and t.id != first.id:
        clock.advance(5)
        hall.start("1", "alice")
        clock.advance(5)
        hall.finish("1", "alice")
        clock.advance(3)
    clock.advance(30)
    hall.no_show("1", "alice")                                   # missed it again
    with pytest.raises(Conflict) as e:
        hall.requeue(first.id, "alice")
    assert e.value.code == "requeue_limit" and "最多重排 1 次" in e.value.message
    clock.advance(86400)
    issue(hall, "F-NEW", 1, tag="next")
    other = hall.issue_ticket("F-NEW", "x-next-day")[0]
    assert other.day != first.day
    with pytest.raises(Conflict) as e:
        hall.requeue(first.id, "alice")
    assert e.value.code in ("ticket_not_today", "requeue_limit")


def test_a_requeue_respects_priority_tickets_ahead(hall, clock, config):
    from core.routing import priority_rank
    from core.serving import requeue_place
    from core.tickets import QueuedTicket
    cls = config.priority_classes[0].code

    def q(n, at, priority=None):
        return QueuedTicket(f"t{n}", f"A{n:03d}", "F-NEW", "waiting", priority, at, at, None)
    line = [q(2, 10.0, cls), q(3, 20.0), q(4, 30.0), q(5, 40.0)]
    me = hall.issue_ticket("F-NEW", "me")[0].with_(issued_at=1.0)
    at, ahead = requeue_place(config, me, line, 3, 100.0)
    assert requeue_place(config, me, [q(3, 20.0), q(4, 20.0)], 1, 100.0)[0] == 20.0 + 1e-6
    assert 30.0 < at < 40.0 and ahead == 3                       # the priority one counts
    assert priority_rank(config, me) > priority_rank(config, line[0])
    assert requeue_place(config, me, line, 0, 100.0) == (19.999, 1)
    assert requeue_place(config, me, line, 9, 100.0) == (100.0, 4)


# --- through the API ----------------------------------------------------------------------
def _staff(app, username):
    from conftest import login
    c = app.test_client()
    login(c, username)
    return c


def test_the_api_calls_out_of_order_and_says_why_it_cannot(app, clerk, clock):
    from conftest import issue as take
    tickets = [take(app.test_client(), "F-NEW").get_json() for _ in range(3)]
    m = take(app.test_client(), "M-TOPUP").get_json()
    r = clerk.post("/api/counters/1/call", json={"ticket": tickets[2]["number"], "reason": "预约客户"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["ticket"]["number"] == tickets[2]["number"] and body["ticket"]["status"] == "called"
    assert body["desk"]["customer"]["number"] == tickets[2]["number"]       # the page needs no re-read
    assert [t["number"] for t in body["desk"]["line"]] == [tickets[0]["number"], tickets[1]["number"]]
    assert "预约客户" in body["desk"]["call_reasons"]
    clock.advance(5)
    clerk.post("/api/counters/1/start")
    clock.advance(5)
    for body, status, code in [
            ({}, 422, None),                                            # no ticket
            ({"ticket": ""}, 422, None),
            ({"ticket": "A001", "reason": "x" * 61}, 422, None),
            ({"ticket": "A001", "reason": "随便"}, 400, "unknown_call_reason"),
            ({"ticket": m["number"]}, 409, "not_for_this_counter"),     # another business
            ({"ticket": tickets[2]["id"]}, 409, "ticket_not_waiting"),  # already called
            ({"ticket": "Z999"}, 404, "unknown_ticket")]:
        r = clerk.post("/api/counters/1/call", json=body)
        assert r.status_code == status, (body, r.get_json())
        error = r.get_json()["error"]
        assert error["message"] and (code is None or error["code"] == code), error
        assert not any(word in error["message"] for word in ("reason", "ticket", "Field"))
    # Someone else's counter, a guide, a stranger.
    assert _staff(app, "demo-guide").post("/api/counters/1/call", json={"ticket": "A001"}).status_code == 403
    assert app.test_client().post("/api/counters/1/call", json={"ticket": "A001"}).status_code == 401


def test_the_api_requeues_a_no_show_for_the_guide_or_the_clerk(app, clerk, clock):
    from conftest import issue as take
    for _ in range(5):
        take(app.test_client(), "F-NEW")
        clock.advance(10)
    first = clerk.post("/api/counters/1/call-next").get_json()["ticket"]
    clock.advance(30)
    assert clerk.post("/api/counters/1/no-show").status_code == 200
    assert app.test_client().post(f"/api/tickets/{first['id']}/requeue").status_code == 401
    guide = _staff(app, "demo-guide")
    r = guide.post(f"/api/tickets/{first['id']}/requeue")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["ticket"]["status"] == "waiting" and body["ticket"]["number"] == first["number"]
    assert body["ticket"]["ahead"] == 3 and body["requeues"] == 1 and body["requeue_limit"] == 1
    again = guide.post(f"/api/tickets/{first['id']}/requeue")        # waiting: not a no-show
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_a_no_show"
    r = guide.post("/api/tickets/nope/requeue")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_ticket"
    # The phone is told: waiting again, with its place.
    phone = app.test_client().get(f"/api/tickets/{first['id']}").get_json()
    assert phone["status"] == "waiting" and phone["ahead"] == 3
