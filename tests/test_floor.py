"""The floor guide's side in the core: help requests, the document pre-check, the board, device
alerts, and what each leaves in the event log."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import Conflict, NotFound
from core.events import AlertChanged, HelpChanged, TicketPrechecked
from core.guide import HELP_REPEAT_S

DAY = 86400


def logged(store, day: str, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """The event log as stored (not through the Hall)."""
    with store.read() as tx:
        return tx.events(day, day, kinds)


def kinds(store, day: str) -> list[str]:
    return [e["kind"] for e in logged(store, day)]


def printer(ok: bool, state: str, kiosk: str = "k1") -> dict:
    return {"device": f"printer-{kiosk}", "kind": "printer", "kiosk": kiosk, "ok": ok, "state": state}


# --- help requests ------------------------------------------------------------------------
def test_help_request_is_open_and_announced(hall, store):
    view, events = hall.request_help("k1", "M-TOPUP")
    assert view == {**view, "kiosk": "k1", "kiosk_name": "大门取号机", "business": "M-TOPUP",
                    "business_name": "充值卡", "state": "open", "accepted_by": None}
    assert view["at"] == "2026-11-25T09:30:00+08:00"
    assert [type(e) for e in events] == [HelpChanged] and events[0].kind == "requested"
    assert events[0].request == view
    help_events = logged(store, hall.today(), ("help",))
    assert len(help_events) == 1
    assert help_events[0]["business"] == "M-TOPUP"
    assert help_events[0]["data"] == {"kiosk": "k1", "help": view["id"]}


def test_help_without_a_business(hall):
    view, _ = hall.request_help("k2", None)
    assert view["business"] is None and view["business_name"] is None
    assert view["kiosk_name"] == "自助区取号机"


def test_a_repeated_tap_within_five_minutes_joins_the_open_request(hall, clock, store):
    first, _ = hall.request_help("k1", "M-TOPUP")
    clock.advance(HELP_REPEAT_S - 10)
    again, events = hall.request_help("k1", "M-TOPUP")
    assert again["id"] == first["id"] and events == []
    assert again["at"] == first["at"]                       # still the first tap's time
    other_kiosk, events = hall.request_help("k2", None)
    assert other_kiosk["id"] != first["id"] and len(events) == 1
    clock.advance(20)                                       # now over five minutes after the first tap
    later, events = hall.request_help("k1", "M-TOPUP")
    assert later["id"] not in (first["id"], other_kiosk["id"]) and len(events) == 1
    assert kinds(store, hall.today()).count("help") == 3
    board = hall.floor_board()
    assert [h["id"] for h in board["help"]] == [first["id"], other_kiosk["id"], later["id"]]


def test_a_tap_while_the_guide_is_on_the_way_joins_that_request(hall, clock):
    first, _ = hall.request_help("k1", "M-TOPUP")
    hall.accept_help(first["id"], "guide1")
    clock.advance(60)
    again, events = hall.request_help("k1", "M-TOPUP")
    assert again["id"] == first["id"] and again["state"] == "accepted" and events == []
    hall.close_help(first["id"], "guide1")
    after, events = hall.request_help("k1", "M-TOPUP")      # helped and closed: a new request
    assert after["id"] != first["id"] and len(events) == 1


def test_accept_then_close(hall, clock, store):
    req, _ = hall.request_help("k1", "M-TOPUP")
    clock.advance(30)
    accepted, events = hall.accept_help(req["id"], "guide1")
    assert accepted["state"] == "accepted" and accepted["accepted_by"] == "guide1"
    assert [type(e) for e in events] == [HelpChanged] and events[0].kind == "accepted"
    with store.read() as tx:
        row = tx.help_request(req["id"])
    assert row["accepted_at"] == clock.now() and row["closed_at"] is None
    assert hall.floor_board()["help"][0]["state"] == "accepted"

    clock.advance(60)
    closed, events = hall.close_help(req["id"], "guide2")
    assert closed["state"] == "closed" and events[0].kind == "closed"
    assert closed["accepted_by"] == "guide1"                # closing keeps who took it
    with store.read() as tx:
        row = tx.help_request(req["id"])
    assert row["closed_at"] == clock.now()
    assert hall.floor_board()["help"] == []                 # closed requests leave the board

    day = hall.today()
    assert kinds(store, day) == ["help", "help_accepted", "help_closed"]
    acc, clo = logged(store, day, ("help_accepted", "help_closed"))
    assert acc["clerk"] == "guide1" and acc["data"]["help"] == req["id"]
    assert clo["clerk"] == "guide2" and clo["business"] == "M-TOPUP"


def test_closing_an_open_request_directly_records_who(hall):
    req, _ = hall.request_help("k1", None)
    closed, _ = hall.close_help(req["id"], "guide1")
    assert closed["state"] == "closed" and closed["accepted_by"] == "guide1"


def test_help_conflicts(hall, store):
    req, _ = hall.request_help("k1", None)
    hall.accept_help(req["id"], "guide1")
    with pytest.raises(Conflict) as e:
        hall.accept_help(req["id"], "guide2")
    assert e.value.code == "help_accepted" and "guide1" in e.value.message
    hall.close_help(req["id"], "guide1")
    with pytest.raises(Conflict) as e:
        hall.close_help(req["id"], "guide1")
    assert e.value.code == "help_closed" and e.value.status == 409
    with pytest.raises(Conflict) as e:
        hall.accept_help(req["id"], "guide2")
    assert e.value.code == "help_closed"
    # The refusals left nothing in the log.
    assert kinds(store, hall.today()) == ["help", "help_accepted", "help_closed"]


def test_help_unknowns(hall, store):
    with pytest.raises(NotFound) as e:
        hall.request_help("k9", None)
    assert e.value.code == "unknown_kiosk"
    with pytest.raises(NotFound) as e:
        hall.request_help("k1", "NOPE")
    assert e.value.code == "unknown_business"
    for command in (hall.accept_help, hall.close_help):
        with pytest.raises(NotFound) as e:
            command(999, "guide1")
        assert e.value.code == "unknown_help_request"
    assert logged(store, hall.today()) == []


def test_yesterdays_open_requests_leave_the_board(hall, clock):
    hall.request_help("k1", None)
    clock.advance(DAY)
    assert hall.floor_board()["help"] == []
    fresh, events = hall.request_help("k1", None)           # a new day's tap is a new request
    assert len(events) == 1
    assert [h["id"] for h in hall.floor_board()["help"]] == [fresh["id"]]


# --- pre-check ----------------------------------------------------------------------------
def test_precheck_a_waiting_ticket_and_undo_it(hall, clock, store):
    t, _, _ = hall.issue_ticket("F-NEW", "r1")
    clock.advance(60)
    checked, events = hall.precheck(t.id, "guide1")
    assert checked.prechecked_at == clock.now() and checked.prechecked_by == "guide1"
    assert [type(e) for e in events] == [TicketPrechecked] and events[0].ticket == checked
    assert hall.ticket(t.id).prechecked_by == "guide1"       # stored
    clock.advance(10)
    unchecked, _ = hall.precheck(t.id, "guide1", checked=False)
    assert unchecked.prechecked_at is None and unchecked.prechecked_by is None
    assert hall.ticket(t.id).prechecked_at is None
    pre = logged(store, hall.today(), ("precheck",))
    assert [(e["ticket"], e["number"], e["clerk"], e["data"]["checked"]) for e in pre] == [
        (t.id, "A001", "guide1", True), (t.id, "A001", "guide1", False)]


def test_precheck_only_while_waiting(hall, store):
    t, _, _ = hall.issue_ticket("F-NEW", "r1")
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    with pytest.raises(Conflict) as e:
        hall.precheck(t.id, "guide1")
    assert e.value.code == "not_waiting" and "A001" in e.value.message
    hall.finish("1", "alice")
    with pytest.raises(Conflict):
        hall.precheck(t.id, "guide1", checked=False)
    with pytest.raises(NotFound) as e:
        hall.precheck("no-such-ticket", "guide1")
    assert e.value.code == "unknown_ticket"
    assert logged(store, hall.today(), ("precheck",)) == []


def test_a_transferred_ticket_can_be_prechecked(hall):
    hall.issue_ticket("F-QUERY", "r1")
    hall.open_counter("2", "alice")
    hall.call_next("2", "alice")
    moved, _ = hall.transfer("2", "alice", business="M-QUERY")
    assert moved.status == "transferred"
    checked, _ = hall.precheck(moved.id, "guide1")
    assert checked.prechecked_by == "guide1" and checked.status == "transferred"


# --- the board ----------------------------------------------------------------------------
def test_board_current_on_deck_and_third_per_counter(hall, clock):
    a, _, _ = hall.issue_ticket("F-NEW", "r1", kiosk="k1")
    clock.advance(10)
    b, _, _ = hall.issue_ticket("F-NEW", "r2")
    clock.advance(10)
    c, _, _ = hall.issue_ticket("F-CHANGE", "r3")
    clock.advance(10)
    d, _, _ = hall.issue_ticket("F-NEW", "r4")
    hall.open_counter("1", "alice")
    hall.open_counter("2", "bob")
    hall.call_next("1", "alice")                              # A001
    hall.precheck(b.id, "guide1")
    clock.advance(30)

    board = hall.floor_board()
    assert board["today"] == "2026-11-25" and board["wait_threshold_s"] == 1200
    by_id = {c_["id"]: c_ for c_ in board["counters"]}
    assert list(by_id) == ["1", "2", "3", "4", "5", "6"]
    one = by_id["1"]
    assert one["state"] == "open" and one["name"] == "1号窗口"
    assert one["current"]["id"] == a.id and one["current"]["deck"] is None
    assert one["current"]["waited_s"] == 60
    assert one["on_deck"] == {**one["on_deck"], "id": b.id, "number": "A002", "deck": 1,
                              "prechecked": True, "prechecked_by": "guide1", "first_on_deck": True,
                              "business_name": "新开户", "id_required": True, "waited_s": 50}
    # One projection: counter 2, idle, takes B001 now and A003 after it, before counter 1 is free
    # again; so A003 is third at counter 2 only, and counter 1 has nobody third.
    assert one["third"] is None
    assert one["waiting"] == 3
    two = by_id["2"]
    assert two["current"] is None and two["waiting"] == 3
    assert two["on_deck"] == {**two["on_deck"], "id": c.id, "deck": 1, "first_on_deck": True}
    assert two["third"] == {**two["third"], "id": d.id, "deck": 2, "prechecked": False}
    for closed in ("3", "4", "5", "6"):
        assert by_id[closed] == {**by_id[closed], "state": "closed", "current": None, "on_deck": None,
                                 "third": None, "waiting": None}


def test_a_ticket_is_on_deck_at_one_window_only(hall):
    t, _, _ = hall.issue_ticket("F-NEW", "r1")
    hall.open_counter("1", "alice")
    hall.open_counter("6", "carol")
    board = {c["id"]: c for c in hall.floor_board()["counters"]}
    # Both could call it; the projection gives it to counter 1 (first free, first listed).
    assert board["1"]["on_deck"]["id"] == t.id and board["1"]["on_deck"]["first_on_deck"] is True
    assert board["6"]["on_deck"] is None and board["1"]["third"] is None


def test_board_long_waits_over_the_threshold(hall, clock, config):
    old, _, _ = hall.issue_ticket("F-NEW", "r1")
    clock.advance(300)
    older_than_threshold, _, _ = hall.issue_ticket("M-NEW", "r2")
    clock.advance(config.alerts.wait_s - 200)               # old: wait_s + 100; the second: wait_s - 200
    assert [p["id"] for p in hall.floor_board()["long_waits"]] == [old.id]
    clock.advance(300)
    long = hall.floor_board()["long_waits"]
    assert [p["id"] for p in long] == [old.id, older_than_threshold.id]      # longest first
    assert long[0]["waited_s"] == config.alerts.wait_s + 400 and long[0]["deck"] is None
    # A called ticket is no longer waiting.
    hall.open_counter("1", "alice")
    hall.call_next("1", "alice")
    assert [p["id"] for p in hall.floor_board()["long_waits"]] == [older_than_threshold.id]


def test_board_arrivals_newest_first(hall, clock):
    ids = []
    for i, code in enumerate(("F-NEW", "M-TOPUP", "F-QUERY")):
        t, _, _ = hall.issue_ticket(code, f"r{i}", kiosk="k2" if i == 1 else None)
        ids.append(t.id)
        clock.advance(5)
    arrivals = hall.floor_board()["arrivals"]
    assert [a["id"] for a in arrivals] == ids[::-1]
    assert arrivals[1] == {**arrivals[1], "number": "M001", "business_name": "充值卡",
                           "kiosk_name": "自助区取号机", "status": "waiting",
                           "at": "2026-11-25T09:30:05+08:00"}
    assert arrivals[0]["kiosk_name"] is None
    clock.advance(DAY)                                       # a new day starts empty
    assert hall.floor_board()["arrivals"] == []


def test_board_arrivals_are_capped(hall, clock):
    for i in range(25):
        hall.issue_ticket("M-TOPUP", f"r{i}")
        clock.advance(1)
    arrivals = hall.floor_board()["arrivals"]
    assert len(arrivals) == 20 and arrivals[0]["number"] == "M025" and arrivals[-1]["number"] == "M006"


def test_board_help_and_alerts(hall):
    req, _ = hall.request_help("k1", "M-TOPUP")
    hall.record_device(printer(False, "paper_out"))
    board = hall.floor_board()
    assert [h["id"] for h in board["help"]] == [req["id"]]
    assert len(board["alerts"]) == 1
    assert board["alerts"][0] == {**board["alerts"][0], "kind": "device", "subject": "printer-k1",
                                  "state": "paper_out", "message": "大门取号机打印机缺纸",
                                  "cleared": False, "acknowledged": False, "acked_by": None}


def test_board_follow_ups_due_today_and_overdue(hall, clock):
    # Opened on Wed 2026-11-25: mobile due in 2 working days (Fri 27th), fixed in 3 (Mon 30th).
    mobile, _ = hall.open_follow_up("guide1", "13812345678", "5G 套餐能否叠加?", business="M-QUERY")
    fixed, _ = hall.open_follow_up("guide1", "010-87654321", "宽带账单有误", "complaint",
                                   business="F-QUERY")
    assert (mobile["due_date"], fixed["due_date"]) == ("2026-11-27", "2026-11-30")
    assert hall.floor_board()["follow_ups"] == []            # nothing due yet
    clock.advance(2 * DAY)                                   # Friday
    due = hall.floor_board()["follow_ups"]
    assert [f["id"] for f in due] == [mobile["id"]]
    assert due[0] == {**due[0], "due_today": True, "overdue": False, "question": "5G 套餐能否叠加?",
                      "business_name": "查询", "contact": "13812345678", "answered": False}
    clock.advance(3 * DAY)                                   # Monday 30th
    due = hall.floor_board()["follow_ups"]
    assert [f["id"] for f in due] == [mobile["id"], fixed["id"]]           # soonest due first
    assert (due[0]["overdue"], due[0]["due_today"]) == (True, False)
    assert (due[1]["overdue"], due[1]["due_today"], due[1]["kind"]) == (False, True, "complaint")
    hall.answer_follow_up(mobile["id"], "guide1", "可以叠加")
    assert [f["id"] for f in hall.floor_board()["follow_ups"]] == [fixed["id"]]


# --- device alerts ------------------------------------------------------------------------
def test_paper_out_raises_an_alert(hall, store):
    payload = printer(False, "paper_out")
    echoed, events = hall.record_device(payload)
    assert echoed == payload
    assert [type(e) for e in events] == [AlertChanged] and events[0].kind == "raised"
    alerts = hall.alerts()
    assert len(alerts) == 1
    a = alerts[0]
    assert a == {**a, "kind": "device", "subject": "printer-k1", "state": "paper_out",
                 "message": "大门取号机打印机缺纸", "cleared_at": None, "acked_at": None}
    day = hall.today()
    assert kinds(store, day) == ["device", "alert"]
    device, alert = logged(store, day)
    assert device["data"] == {"device": "printer-k1", "device_kind": "printer", "kiosk": "k1",
                              "ok": False, "state": "paper_out"}
    assert alert["data"] == {"alert": a["id"], "alert_kind": "device", "subject": "printer-k1",
                             "state": "paper_out"}


def test_a_repeat_updates_the_one_unacknowledged_alert(hall, clock, store):
    first = hall.record_device(printer(False, "paper_out"))[1][0].alert
    clock.advance(60)
    _, events = hall.record_device(printer(False, "cover_open"))
    assert events[0].kind == "raised" and events[0].alert["id"] == first["id"]
    alerts = hall.alerts()
    assert len(alerts) == 1
    assert alerts[0]["state"] == "cover_open" and alerts[0]["message"] == "大门取号机打印机纸仓盖打开"
    assert alerts[0]["raised_at"] == first["raised_at"]
    # Another device is another subject.
    hall.record_device(printer(False, "offline", kiosk="k2"))
    assert [a["subject"] for a in hall.alerts()] == ["printer-k1", "printer-k2"]
    assert hall.alerts()[1]["message"] == "自助区取号机打印机离线(无响应)"


def test_back_to_ok_clears_but_stays_until_acknowledged(hall, clock, store):
    raised = hall.record_device(printer(False, "paper_out"))[1][0].alert
    clock.advance(120)
    _, events = hall.record_device(printer(True, "ok"))
    assert [e.kind for e in events] == ["cleared"]
    (a,) = hall.alerts()
    assert a["id"] == raised["id"] and a["cleared_at"] == clock.now() and a["acked_at"] is None
    assert hall.alert_view(a)["cleared"] is True
    _, events = hall.record_device(printer(True, "ok"))       # already cleared: nothing new
    assert events == []
    _, events = hall.record_device(printer(False, "paper_out"))   # out again: the same alert, live
    assert events[0].alert["id"] == raised["id"] and events[0].alert["cleared_at"] is None
    assert kinds(store, hall.today()) == ["device", "alert", "device", "alert_cleared", "device",
                                          "device", "alert"]


def test_a_healthy_device_without_an_alert_only_logs(hall, store):
    _, events = hall.record_device(printer(True, "ok"))
    assert events == [] and hall.alerts() == []
    assert kinds(store, hall.today()) == ["device"]


def test_paper_near_end_alerts_although_it_prints(hall):
    _, events = hall.record_device(printer(True, "paper_near_end"))
    assert events[0].kind == "raised" and hall.alerts()[0]["message"] == "大门取号机打印机纸将用尽"


def test_a_counter_device_is_named_after_its_counter(hall):
    hall.record_device({"device": "callpad-3", "kind": "callpad", "counter": "3", "ok": False,
                        "state": "offline"})
    assert hall.alerts()[0]["message"] == "3号窗口呼叫器离线(无响应)"


def test_unknown_state_is_still_described(hall):
    hall.record_device(printer(False, "jammed"))
    assert hall.alerts()[0]["message"] == "大门取号机打印机故障:jammed"


def test_ack_alert(hall, clock, store):
    raised = hall.record_device(printer(False, "paper_out"))[1][0].alert
    clock.advance(30)
    acked, events = hall.ack_alert(raised["id"], "guide1")
    assert acked["acked_at"] == clock.now() and acked["acked_by"] == "guide1"
    assert [e.kind for e in events] == ["acknowledged"]
    assert hall.alerts() == [] and hall.floor_board()["alerts"] == []
    with pytest.raises(Conflict) as e:
        hall.ack_alert(raised["id"], "guide2")
    assert e.value.code == "already_acknowledged" and "guide1" in e.value.message
    with pytest.raises(NotFound) as e:
        hall.ack_alert(999, "guide1")
    assert e.value.code == "unknown_alert"
    (ack,) = logged(store, hall.today(), ("alert_acked",))
    assert ack["clerk"] == "guide1" and ack["data"] == {"alert": raised["id"], "alert_kind": "device",
                                                         "subject": "printer-k1"}
    # The device still out of paper later raises a fresh alert; the old one stays acknowledged.
    _, events = hall.record_device(printer(False, "paper_out"))
    assert events[0].alert["id"] != raised["id"]
    assert [a["id"] for a in hall.alerts()] == [events[0].alert["id"]]
    # Back to ok after the acknowledgement clears the new one, not the old.
    _, events = hall.record_device(printer(True, "ok"))
    assert events[0].kind == "cleared" and events[0].alert["id"] != raised["id"]
