"""Alerts the server raises by itself (issue 7): a service over its business's maximum, a wait over
the hall's threshold, a queue over its length, a counter paused too long; each raised once,
cleared when the condition ends, kept in the event log."""
from __future__ import annotations

import time

from conftest import login
from core.events import AlertChanged


def kinds_up(hall):
    return sorted((a["kind"], a["subject"]) for a in hall.alerts() if a["cleared_at"] is None)


def changes(events):
    return [(e.alert["kind"], e.alert["subject"], e.kind) for e in events if isinstance(e, AlertChanged)]


def test_a_quiet_hall_raises_nothing(hall):
    assert hall.watch_floor() == (0, [])


def test_a_service_over_its_maximum(hall, clock):
    hall.issue_ticket("M-NEW", "a")
    hall.open_counter("3", "alice")
    t, _ = hall.call_next("3", "alice")
    hall.start("3", "alice")
    limit = hall.config.business("M-NEW").max_s or hall.config.business("M-NEW").target_s * 2
    clock.advance(limit - 1)
    assert hall.watch_floor() == (0, [])
    clock.advance(2)
    n, events = hall.watch_floor()
    assert n == 1 and changes(events) == [("long_service", f"3:{t.id}", "raised")]
    assert "3号窗口" in events[0].alert["message"] and t.number in events[0].alert["message"]
    assert hall.watch_floor() == (1, [])                     # said once, not every tick
    for key in ("real_name", "anti_fraud", "contract_terms"):
        hall.tick("3", "alice", key, True)
    hall.finish("3", "alice")
    n, events = hall.watch_floor()
    assert n == 0 and changes(events) == [("long_service", f"3:{t.id}", "cleared")]
    day = hall.today()
    logged = [(e["kind"], e["data"]["alert_kind"]) for e in hall.events(day, day, ("alert", "alert_cleared"))]
    assert logged == [("alert", "long_service"), ("alert_cleared", "long_service")]


def test_a_long_wait_and_a_long_queue(hall, clock):
    limits = hall.config.alerts
    for i in range(limits.queue_length):
        hall.issue_ticket("M-TOPUP", f"r{i}")
    assert hall.watch_floor() == (0, [])
    hall.issue_ticket("M-TOPUP", "one-more")
    n, events = hall.watch_floor()
    assert changes(events) == [("long_queue", "M-TOPUP", "raised")]
    assert f"超过 {limits.queue_length} 人" in events[0].alert["message"]
    clock.advance(limits.wait_s + 1)
    n, events = hall.watch_floor()
    assert n == 2 and changes(events) == [("long_wait", "M-TOPUP", "raised")]
    # The manager (or guide) acknowledges: it stays acknowledged while the condition lasts.
    wait_alert = next(a for a in hall.alerts() if a["kind"] == "long_wait")
    hall.ack_alert(wait_alert["id"], "boss")
    assert hall.watch_floor() == (1, [])
    assert ("long_wait", "M-TOPUP") not in kinds_up(hall)


def test_a_counter_paused_too_long(hall, clock):
    hall.open_counter("2", "bob")
    hall.pause("2", "bob", "break")
    clock.advance(hall.config.alerts.pause_s + 1)
    n, events = hall.watch_floor()
    assert changes(events) == [("long_pause", "2", "raised")]
    hall.resume("2", "bob")
    n, events = hall.watch_floor()
    assert n == 0 and changes(events) == [("long_pause", "2", "cleared")]


def test_the_server_watches_by_itself(app, client, clerk):
    """The publisher's watcher raises alerts with no page open; staff sockets hear them."""
    hall = app.extensions["hall"].hall
    socketio = app.extensions["hall"].socketio
    http = app.test_client()
    login(http, "demo-guide")
    guide = socketio.test_client(app, flask_test_client=http)
    guide.get_received()
    limit = hall.config.alerts.queue_length
    for i in range(limit + 1):
        client.post("/api/tickets", json={"business": "M-TOPUP", "request_id": f"w{i}"})
    deadline = time.monotonic() + 3 * hall.config.alerts.check_s + 5
    got = []
    while time.monotonic() < deadline and not got:
        got = [m["args"][0] for m in guide.get_received() if m["name"] == "alert_changed"]
        time.sleep(0.2)
    assert got and got[0]["kind"] == "long_queue" and got[0]["change"] == "raised"
    assert [a["kind"] for a in http.get("/api/alerts").get_json()["alerts"]] == ["long_queue"]
