"""Priority given on the floor (issue 18): the guide or a clerk puts a waiting customer in a
priority class of the config, with who and why in the log; a green-channel ticket issued by
staff is logged the same way."""
from __future__ import annotations

import pytest

from core.errors import Conflict, HallError
from core.events import TicketChanged
from tests.test_counter_hand import issue, logged, serve
from tests.test_parking import _staff


def test_a_waiting_customer_given_a_priority_is_called_first_and_the_log_says_who(hall, clock):
    a = issue(hall, "F-NEW", 4, clock=clock)
    given, events = hall.give_priority(a[3].number.lower(), "pregnant", "demo-guide", "孕妇")
    assert given.priority == "pregnant" and isinstance(events[-1], TicketChanged)
    e = logged(hall, "priority_given")[-1]
    assert e["clerk"] == "demo-guide" and e["data"]["priority"] == "pregnant"
    assert e["data"]["note"] == "孕妇" and e["data"]["before"] is None and e["data"]["at_issue"] is False
    assert hall.placing(hall.ticket(a[3].id)).ahead(hall.ticket(a[3].id)) == 0
    hall.open_counter("1", "alice")
    assert [serve(hall, clock) for _ in range(2)] == ["A004", "A001"]
    # The same class again changes nothing and logs nothing; null takes it back.
    again, events = hall.give_priority(a[2].id, "military", "alice")
    assert hall.give_priority(a[2].id, "military", "alice")[1] == []
    back, _ = hall.give_priority(a[2].id, None, "alice", "按错了")
    assert back.priority is None and logged(hall, "priority_given")[-1]["data"]["before"] == "military"


def test_what_cannot_be_given_a_priority(hall, clock):
    a = issue(hall, "F-NEW", 2, clock=clock)
    with pytest.raises(HallError) as e:
        hall.give_priority(a[0].id, "vip-gold", "demo-guide")
    assert e.value.code == "unknown_priority" and "孕妇" in e.value.message
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.give_priority(a[0].id, "disabled", "demo-guide")        # already called
    assert e.value.code == "ticket_not_waiting"


def test_a_green_channel_ticket_issued_by_staff_is_logged_with_who(app, clock):
    guide = _staff(app, "demo-guide")
    r = guide.post("/api/tickets", json={"business": "F-NEW", "request_id": "g1", "priority": "military"})
    assert r.status_code == 201, r.get_json()
    e = logged(app.extensions["hall"].hall, "priority_given")[-1]
    assert e["clerk"] == "demo-guide" and e["data"]["at_issue"] is True
    assert e["number"] == r.get_json()["number"] and e["data"]["priority"] == "military"


def test_the_api_gives_a_priority_for_the_guide_or_the_clerk(app, clerk, clock):
    from conftest import issue as take
    tickets = [take(app.test_client(), "F-NEW").get_json() for _ in range(3)]
    guide = _staff(app, "demo-guide")
    r = guide.post(f"/api/tickets/{tickets[2]['number']}/priority", json={"priority": "disabled", "note": "轮椅"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ticket"]["priority"] == "disabled" and r.get_json()["ticket"]["ahead"] == 0
    for body, status, code in [
            ({}, 422, None),
            ({"priority": "nope"}, 400, "unknown_priority"),
            ({"priority": "disabled", "note": "x" * 61}, 422, None)]:
        r = guide.post(f"/api/tickets/{tickets[1]['id']}/priority", json=body)
        assert r.status_code == status and r.get_json()["error"]["message"], r.get_json()
        assert code is None or r.get_json()["error"]["code"] == code
    r = guide.post("/api/tickets/Z999/priority", json={"priority": "disabled"})
    assert r.status_code == 404
    assert app.test_client().post(f"/api/tickets/{tickets[0]['id']}/priority",
                                  json={"priority": "disabled"}).status_code == 401
    r = clerk.post(f"/api/tickets/{tickets[0]['id']}/priority", json={"priority": "military"})
    assert r.status_code == 200
    assert clerk.post("/api/counters/1/call-next").get_json()["ticket"]["number"] == tickets[2]["number"]
