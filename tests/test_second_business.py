"""A second business in the same visit (issue 18): the first is finished and counted with its
own standard, the second served at once on the same ticket or sent to its queue; statistics
count both services."""
from __future__ import annotations

import pytest

from core.errors import Conflict, NotFound
from tests.test_counter_hand import issue, logged
from tests.test_parking import _staff


def serving(hall, clock, business="F-NEW", counter="1", clerk="alice"):
    t = issue(hall, business, 1, tag=f"s{clock.now()}")[0]
    hall.open_counter(counter, clerk)
    hall.call_next(counter, clerk)
    clock.advance(5)
    hall.start(counter, clerk)
    clock.advance(240)
    return t


def test_a_second_business_served_at_once_counts_both_services(hall, clock):
    t = serving(hall, clock)
    after, events = hall.add_business("1", "alice", "F-QUERY", "serve")
    assert after.id == t.id and after.business == "F-QUERY" and after.status == "serving"
    assert after.number == t.number and after.issued_business == "F-NEW"
    assert [e.kind for e in events] == ["business_added"]        # no rating asked mid-visit
    assert hall.counters()["1"].current_ticket == t.id
    e = logged(hall, "business_added")[-1]
    assert e["data"] == {**e["data"], "from_business": "F-NEW", "to_business": "F-QUERY", "how": "serve"}
    assert e["clerk"] == "alice"
    clock.advance(60)
    hall.finish("1", "alice")
    stats = hall.statistics(hall.today(), hall.today())
    new, query = stats["businesses"]["F-NEW"], stats["businesses"]["F-QUERY"]
    assert new["served"] == 1 and new["service_mean_s"] == 240          # each with its own time
    assert query["served"] == 1 and query["service_mean_s"] == 60
    assert stats["total"]["served"] == 2 and stats["clerks"]["alice"]["served"] == 2
    assert stats["counter_hand"]["second_businesses"]["F-QUERY"] == {"added": 1, "served_at_once": 1}


def test_a_second_business_sent_to_its_queue_keeps_the_ticket(hall, clock):
    t = serving(hall, clock)
    after, events = hall.add_business("1", "alice", "M-TOPUP", "queue")
    assert after.status == "transferred" and after.business == "M-TOPUP" and after.counter is None
    assert [e.kind for e in events] == ["finished", "business_added"]
    assert hall.counters()["1"].current_ticket is None
    assert hall.ticket(t.id).issued_at == t.issued_at            # its place in time kept
    clock.advance(100)
    hall.open_counter("5", "bob")
    called, _ = hall.call_next("5", "bob")
    assert called.id == t.id
    stats = hall.statistics(hall.today(), hall.today())
    assert stats["businesses"]["F-NEW"]["served"] == 1
    assert stats["businesses"]["M-TOPUP"]["called"] == 1
    assert stats["businesses"]["M-TOPUP"]["wait_mean_s"] == 100   # from when it joined that queue
    assert stats["businesses"]["F-NEW"]["transferred_out"] == 0


def test_what_cannot_be_added(hall, clock):
    serving(hall, clock)
    for business, how, code in [("F-NEW", "serve", "same_business"),
                                ("M-TOPUP", "serve", "not_for_this_counter")]:
        with pytest.raises(Conflict) as e:
            hall.add_business("1", "alice", business, how)
        assert e.value.code == code and e.value.message
    with pytest.raises(NotFound):
        hall.add_business("1", "alice", "X-NONE", "serve")
    hall.finish("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.add_business("1", "alice", "F-QUERY", "serve")
    assert e.value.code == "no_current_ticket"


def test_the_api_adds_a_business(app, clerk, clock):
    from conftest import issue as take
    take(app.test_client(), "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clock.advance(5)
    assert clerk.post("/api/counters/1/add-business", json={"business": "F-QUERY"}).status_code == 409
    clerk.post("/api/counters/1/start")           # only while serving (not_started before)
    r = clerk.post("/api/counters/1/add-business", json={"business": "F-QUERY", "how": "serve"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["ticket"]["business"] == "F-QUERY" and body["desk"]["customer"]["business"] == "F-QUERY"
    for body, status in [({}, 422), ({"business": "F-RENEW", "how": "later"}, 422),
                         ({"business": "X-NONE"}, 404)]:
        r = clerk.post("/api/counters/1/add-business", json=body)
        assert r.status_code == status and r.get_json()["error"]["message"], r.get_json()
    assert _staff(app, "demo-guide").post("/api/counters/1/add-business",
                                          json={"business": "F-RENEW"}).status_code == 403
