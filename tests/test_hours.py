"""Opening hours (core/hours.py): outside them nothing is issued, and the refusal names the next
opening; the demo stays open around the clock."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from conftest import SHANGHAI, issue
from core import hours
from core.clock import ManualClock
from core.config import parse_config
from core.errors import ConfigError
from core.hall import Hall
from core.hours import HallClosed


def at(y, m, d, hh, mm=0, ss=0) -> float:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI).timestamp()


def with_hall(config, **changes):
    return config.model_copy(update={"hall": config.hall.model_copy(update=changes)})


@pytest.fixture
def night_clock():
    return ManualClock(at(2026, 11, 25, 23, 24))          # Wednesday night


def keeping_hours(config, store, clock) -> Hall:
    hall = Hall(config, store, clock)
    hall.always_open = False            # what create_app(demo=False) does
    return hall


def test_a_bare_hall_is_always_open(config, store, night_clock):
    """The simulator, scripts and core tests run a Hall of their own at any hour."""
    hall = Hall(config, store, night_clock)
    assert hall.issue_ticket("F-NEW", "any-time")[1]
    assert hours.state(hall)["always_open"]


def test_a_ticket_at_night_is_refused_and_the_morning_named(config, store, night_clock):
    hall = keeping_hours(config, store, night_clock)
    with pytest.raises(HallClosed) as e:
        hall.issue_ticket("F-NEW", "night-1")
    assert e.value.code == "hall_closed" and e.value.status == 409
    assert e.value.message == "本厅营业时间 09:00–18:00,将于 明天 09:00 开始取号"
    assert e.value.details["next_open"] == "2026-11-26T09:00:00+08:00"
    assert hall.waiting_counts()["F-NEW"] == 0
    st = hours.state(hall)
    assert st["open_now"] is False and st["always_open"] is False
    assert st["next_open"] == "2026-11-26T09:00:00+08:00" and st["closes_at"] is None
    assert st["message"] == e.value.message


def test_the_doors_open_at_opening_and_close_at_closing(config, store, night_clock):
    hall = keeping_hours(config, store, night_clock)
    night_clock.set(at(2026, 11, 26, 8, 59, 59))
    with pytest.raises(HallClosed) as e:
        hall.issue_ticket("F-NEW", "early")
    assert "将于 今天 09:00 开始取号" in e.value.message
    night_clock.set(at(2026, 11, 26, 9, 0))
    ticket, created, _ = hall.issue_ticket("F-NEW", "first")
    assert created and ticket.number == "A001"
    st = hours.state(hall)
    assert st["open_now"] and st["closes_at"] == "2026-11-26T18:00:00+08:00"
    assert st["next_open"] == "2026-11-27T09:00:00+08:00" and st["message"] is None
    night_clock.set(at(2026, 11, 26, 17, 59, 59))
    hall.issue_ticket("F-NEW", "last")
    night_clock.set(at(2026, 11, 26, 18, 0))
    with pytest.raises(HallClosed):
        hall.issue_ticket("F-NEW", "late")
    # A retry of a request that got its ticket before closing gets that ticket, not a refusal.
    again, created, _ = hall.issue_ticket("F-NEW", "last")
    assert not created and again.number == "A002"


def test_a_closed_day_is_refused_with_the_next_opening_named(config, store):
    closed = with_hall(config, closed_days=(date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)),
                       closed_weekdays=(7,))
    clock = ManualClock(at(2026, 10, 1, 10, 0))            # a Thursday, closed
    hall = keeping_hours(closed, store, clock)
    with pytest.raises(HallClosed) as e:
        hall.issue_ticket("F-NEW", "holiday")
    # Fri 2 and Sat 3 are closed days, Sun 4 a closed weekday: Monday 5 October.
    assert e.value.message == "本厅营业时间 09:00–18:00,今日休息,将于 10月5日(周一)09:00 开始取号"
    assert e.value.details["next_open"] == "2026-10-05T09:00:00+08:00"
    assert hours.state(hall)["closed_today"] is True
    clock.set(at(2026, 10, 3, 23, 0))                     # the evening before a closed Sunday
    assert "将于 10月5日(周一)09:00" in hours.state(hall)["message"]
    clock.set(at(2026, 10, 5, 9, 0))
    assert hall.issue_ticket("F-NEW", "monday")[1]


def test_staff_are_refused_too_over_http(tmp_path, night_clock):
    from conftest import login
    from web import create_app
    app = create_app(None, tmp_path / "closed.db", demo=False, clock=night_clock)
    try:
        client = app.test_client()
        r = issue(client, "F-NEW")
        assert r.status_code == 409
        err = r.get_json()["error"]
        assert err["code"] == "hall_closed" and "明天 09:00" in err["message"]
        assert err["next_open"] == "2026-11-26T09:00:00+08:00"
        hall = app.extensions["hall"].hall
        app.extensions["hall"].accounts.add("guide1", "guide", "guide-password")
        login(client, "guide1", "guide-password")
        assert issue(client, "F-NEW").get_json()["error"]["code"] == "hall_closed"
        h = client.get("/api/hall").get_json()["hours"]
        assert h["open_now"] is False and h["next_open"] == "2026-11-26T09:00:00+08:00"
        assert hall.waiting_counts()["F-NEW"] == 0
    finally:
        app.extensions["hall"].hall.store.close()


def test_the_demo_is_always_open(app, clock, client):
    clock.set(at(2026, 11, 25, 23, 24))
    r = issue(client, "F-NEW")
    assert r.status_code == 201
    h = client.get("/api/hall").get_json()["hours"]
    assert h["open_now"] is True and h["always_open"] is True and h["next_open"] is None
    hall = app.extensions["hall"].hall
    assert hours.state(hall)["always_open"]
    sio = app.extensions["hall"].socketio.test_client(app)
    state = next(m["args"][0] for m in sio.get_received() if m["name"] == "hall_state")
    assert state["hours"]["open_now"] and state["hours"]["always_open"] and "now" not in state["hours"]
    sio.disconnect()
    clock.set(at(2026, 11, 29, 3, 0))
    assert issue(client, "F-NEW").status_code == 201


def test_hours_config_is_checked(config):
    raw = config.model_dump(mode="json")
    raw["hall"]["closed_weekdays"] = [0]
    with pytest.raises(ConfigError, match="closed_weekdays"):
        parse_config(raw)
    raw["hall"]["closed_weekdays"] = [1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ConfigError, match="every day"):
        parse_config(raw)
    raw["hall"]["closed_weekdays"] = [7]
    raw["hall"]["closed_days"] = ["2026-10-01"]
    parsed = parse_config(raw)
    assert parsed.hall.closed_days == (date(2026, 10, 1),)
