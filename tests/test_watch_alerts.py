"""Alerts the server raises by itself (issue 7): a service over its business's maximum, a wait over
the hall's threshold, a queue over its length, a counter paused too long; each raised once,
cleared when the condition ends, kept in the event log."""
from __future__ import annotations

import time

from conftest import issue, login
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
        issue(client, "M-TOPUP", f"w{i}")
    deadline = time.monotonic() + 3 * hall.config.alerts.check_s + 5
    got = []
    while time.monotonic() < deadline and not got:
        got = [m["args"][0] for m in guide.get_received() if m["name"] == "alert_changed"]
        time.sleep(0.2)
    assert got and got[0]["kind"] == "long_queue" and got[0]["change"] == "raised"
    assert [a["kind"] for a in http.get("/api/alerts").get_json()["alerts"]] == ["long_queue"]


# --- a customer called and not come (issue 14) ---------------------------------------------------

def test_a_customer_called_and_not_come(hall, clock):
    """Called, never started: flagged after `[alerts] called_s`, with the window, the number and
    when it was called; once the clerk starts, the alert leaves by itself (no one has to act)."""
    limit = hall.config.alerts.called_s
    hall.issue_ticket("F-NEW", "a")
    hall.open_counter("1", "alice")
    t, _ = hall.call_next("1", "alice")
    clock.advance(limit - 1)
    assert hall.watch_floor() == (0, [])
    clock.advance(2)
    n, events = hall.watch_floor()
    assert n == 1 and changes(events) == [("called", f"1:{t.id}", "raised")]
    message = events[0].alert["message"]
    assert "1号窗口" in message and t.number in message and "未到" in message
    assert hall.watch_floor() == (1, [])                     # said once, not every tick
    clock.advance(8 * 60)                                    # 11 minutes after the call
    assert hall.watch_floor() == (1, [])
    [view] = hall.alert_details([hall.alert_view(a) for a in hall.alerts()])
    assert (view["counter"], view["counter_name"], view["number"]) == ("1", "1号窗口", t.number)
    assert view["called_ts"] == t.called_at and round(clock.now() - view["called_ts"]) == limit + 1 + 480
    # No long_service for a customer who never started, however long.
    assert [a["kind"] for a in hall.alerts()] == ["called"]

    hall.start("1", "alice")
    n, events = hall.watch_floor()
    assert n == 0 and changes(events) == [("called", f"1:{t.id}", "cleared")]
    assert hall.alerts() == []                               # off the guide's and manager's pages
    day = hall.today()
    logged = [(e["kind"], e["data"]["alert_kind"], e.get("clerk"))
              for e in hall.events(day, day, ("alert", "alert_cleared", "alert_acked"))]
    assert logged == [("alert", "called", None), ("alert_cleared", "called", None),
                      ("alert_acked", "called", "system")]


def test_a_called_alert_ends_with_a_no_show_or_a_transfer(hall, clock):
    limit = hall.config.alerts.called_s
    hall.issue_ticket("M-TOPUP", "a")
    hall.issue_ticket("M-QUERY", "b")
    hall.open_counter("5", "carol")
    hall.open_counter("6", "dave")
    one, _ = hall.call_next("5", "carol")
    two, _ = hall.call_next("6", "dave")
    clock.advance(limit + 1)
    n, events = hall.watch_floor()
    assert n == 2 and sorted(changes(events)) == sorted([("called", f"5:{one.id}", "raised"),
                                                         ("called", f"6:{two.id}", "raised")])
    hall.no_show("5", "carol")
    n, events = hall.watch_floor()
    assert n == 1 and changes(events) == [("called", f"5:{one.id}", "cleared")]
    hall.transfer("6", "dave", business="M-BILL")
    n, events = hall.watch_floor()
    assert n == 0 and changes(events) == [("called", f"6:{two.id}", "cleared")]
    assert hall.alerts() == []


def test_an_acknowledged_called_alert_stays_quiet_and_ends(hall, clock):
    hall.issue_ticket("F-NEW", "a")
    hall.open_counter("1", "alice")
    t, _ = hall.call_next("1", "alice")
    clock.advance(hall.config.alerts.called_s + 1)
    hall.watch_floor()
    [a] = hall.alerts()
    hall.ack_alert(a["id"], "demo-manager")
    assert hall.watch_floor() == (0, [])
    hall.no_show("1", "alice")
    n, events = hall.watch_floor()
    assert changes(events) == [("called", f"1:{t.id}", "cleared")]
    acked = hall.events(hall.today(), hall.today(), ("alert_acked",))
    assert [e["clerk"] for e in acked] == ["demo-manager"]        # not acknowledged twice


def test_a_business_without_a_maximum_or_a_target(hall, clock):
    """M-NEW has a target and no maximum: its maximum is twice the target. F-INVOICE has
    neither: it never alerts (and the watch does not fail on it)."""
    assert hall.config.business("M-NEW").max_s is None
    assert hall.config.business("F-INVOICE").target_s is None
    hall.issue_ticket("M-NEW", "a")
    hall.issue_ticket("F-INVOICE", "b")
    hall.open_counter("3", "alice")
    hall.open_counter("1", "bob")
    t, _ = hall.call_next("3", "alice")
    hall.start("3", "alice")
    hall.call_next("1", "bob")
    hall.start("1", "bob")
    clock.advance(2 * 600 + 1)
    n, events = hall.watch_floor()
    assert changes(events) == [("long_service", f"3:{t.id}", "raised")]
    assert "20 分钟上限" in events[0].alert["message"]


def test_devices_by_name(hall):
    view = hall.device_view({"device": "printer-k1", "kind": "printer", "kiosk": "k1",
                             "ok": False, "state": "paper_out"})
    assert view["name"] == "大门取号机 · 打印机" and view["state_text"] == "缺纸"
    pad = hall.device_view({"device": "callpad-1", "kind": "callpad", "counter": "1",
                            "ok": True, "state": "ok"})
    assert pad["name"] == "1号窗口 · 呼叫器" and pad["state_text"] == "正常"
    assert pad["device"] == "callpad-1"


def test_yesterdays_leftovers_raise_nothing(hall, clock):
    """A ticket left called (or waiting) at the day's end is closed by the next day's first
    action; until then the watch does not flag it as 'called 1,400 minutes ago'."""
    hall.issue_ticket("F-NEW", "a")
    hall.issue_ticket("F-NEW", "b")
    hall.open_counter("1", "alice")
    t, _ = hall.call_next("1", "alice")
    clock.advance(hall.config.alerts.called_s + 1)
    n, events = hall.watch_floor()
    assert changes(events) == [("called", f"1:{t.id}", "raised")]
    clock.advance(24 * 3600)                         # the next morning, nothing done yet
    n, events = hall.watch_floor()
    assert n == 0 and changes(events) == [("called", f"1:{t.id}", "cleared")]
    assert hall.alerts() == []
