"""A counter's businesses changed for the day: routing follows, a business is never left with
no counter, the change is logged and ends with the day."""
from __future__ import annotations

import pytest

from core.errors import HallError, NotFound


def test_a_counter_serves_what_the_manager_gives_it_today(hall, clock):
    hall.open_counter("3", "demo-clerk")
    t = hall.issue_ticket("F-NEW", "r1")[0]
    assert hall.call_next("3", "demo-clerk")[0] is None            # counter 3 is mobile only
    result, events = hall.set_counter_businesses("3", ["F-NEW", "M-NEW"], by="demo-manager")
    assert result == {"counter": "3", "businesses": ["F-NEW", "M-NEW"], "changed_today": True}
    assert events[0].kind == "businesses"
    assert list(hall.config.counter("3").businesses) == ["F-NEW", "M-NEW"]
    assert hall.call_next("3", "demo-clerk")[0].id == t.id
    logged = hall.events(hall.today(), hall.today(), ("counter_businesses",))
    assert logged[-1]["counter"] == "3" and logged[-1]["clerk"] == "demo-manager"
    assert logged[-1]["data"]["businesses"] == ["F-NEW", "M-NEW"]


def test_back_to_the_config_and_the_next_day_forgets(hall, clock):
    hall.set_counter_businesses("1", ["F-QUERY"], by="m")
    assert list(hall.config.counter("1").businesses) == ["F-QUERY"]
    hall.set_counter_businesses("1", None, by="m")
    assert list(hall.config.counter("1").businesses) == list(hall.base_config.counter("1").businesses)
    hall.set_counter_businesses("1", ["F-QUERY"], by="m")
    clock.advance(24 * 3600)
    hall._day_config_changed()
    assert list(hall.config.counter("1").businesses) == list(hall.base_config.counter("1").businesses)


def test_refused_when_a_business_would_have_no_counter(hall):
    # M-TOPUP is served by counters 5 and 6 only.
    hall.set_counter_businesses("5", ["M-RENEW"], by="m")
    with pytest.raises(HallError) as e:
        hall.set_counter_businesses("6", ["M-QUERY"], by="m")
    assert e.value.code == "counter_businesses_invalid" and "「5G充值卡」" in e.value.message and "没有窗口办理" in e.value.message
    assert "M-TOPUP" in e.value.details["businesses"] and "businesses[" not in e.value.message
    assert "M-TOPUP" in hall.config.counter("6").businesses        # nothing changed


@pytest.mark.parametrize("counter, businesses, code", [
    ("99", ["F-NEW"], "unknown_counter"), ("1", ["NOPE"], "unknown_business"),
    ("1", [], "businesses_missing"), ("1", ["F-NEW", "F-NEW"], "businesses_repeated")])
def test_bad_changes_are_refused_clearly(hall, counter, businesses, code):
    with pytest.raises((HallError, NotFound)) as e:
        hall.set_counter_businesses(counter, businesses, by="m")
    assert e.value.code == code


def test_another_process_sees_the_change(hall, config, store, clock):
    from core.hall import Hall
    other = Hall(config, store, clock)
    assert other.config.counter("2") is not None
    hall.set_counter_businesses("2", ["F-NEW"], by="m")
    other._day_config_changed()             # instead of waiting the refresh interval
    assert list(other.config.counter("2").businesses) == ["F-NEW"]


def test_through_the_api(app, client):
    from conftest import login
    manager = app.test_client()
    login(manager, "demo-manager")
    r = manager.post("/api/counters/5/businesses", json={"businesses": ["M-RENEW"]})
    assert r.status_code == 200 and r.get_json()["changed_today"] is True
    r = manager.post("/api/counters/6/businesses", json={"businesses": ["M-QUERY"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "counter_businesses_invalid"
    assert manager.post("/api/counters/5/businesses", json={"businesses": "M-RENEW"}).status_code == 422
    assert manager.post("/api/counters/5/businesses", json={}).status_code == 422
    board = manager.get("/api/manager/hall").get_json()
    five = next(c for c in board["counters"] if c["id"] == "5")
    assert five["businesses"] == ["M-RENEW"] and five["changed_today"]
    assert "M-TOPUP" in five["configured_businesses"]
    topup = next(b for b in board["businesses"] if b["code"] == "M-TOPUP")
    assert topup["waiting"] == 0 and topup["longest_wait_s"] is None
    assert manager.post("/api/counters/5/businesses", json={"businesses": None}).get_json()["changed_today"] is False
    assert client.get("/api/manager/hall").status_code == 401
