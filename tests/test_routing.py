"""Who a counter calls next: priority, then preference (with the starvation cap), then wait."""
from __future__ import annotations

import threading

from core.config import load_config
from core.hall import Hall
from core.store import Store

from conftest import serve_next


def test_longest_wait_first_within_a_business(hall, clock):
    a = hall.issue_ticket("F-NEW", "a")[0]
    clock.advance(10)
    b = hall.issue_ticket("F-NEW", "b")[0]
    hall.open_counter("1", "alice")
    assert serve_next(hall, clock, "1", "alice").id == a.id
    assert serve_next(hall, clock, "1", "alice").id == b.id


def test_preferred_business_before_a_longer_wait(hall, clock):
    # Counter 3 prefers M-NEW, then M-SIM; the SIM customer came first.
    sim = hall.issue_ticket("M-SIM", "sim")[0]
    clock.advance(60)
    new = hall.issue_ticket("M-NEW", "new")[0]
    hall.open_counter("3", "alice")
    assert serve_next(hall, clock, "3", "alice").id == new.id
    assert serve_next(hall, clock, "3", "alice").id == sim.id


def test_starvation_cap_lifts_a_long_waiting_non_preferred_ticket(hall, clock, config):
    cap = config.routing.starvation_cap_s
    sim = hall.issue_ticket("M-SIM", "sim")[0]
    clock.advance(cap)                                   # the SIM customer has waited the cap
    new = hall.issue_ticket("M-NEW", "new")[0]
    hall.open_counter("3", "alice")
    assert serve_next(hall, clock, "3", "alice").id == sim.id
    assert serve_next(hall, clock, "3", "alice").id == new.id


def test_just_under_the_cap_preference_still_wins(hall, clock, config):
    sim = hall.issue_ticket("M-SIM", "sim")[0]
    clock.advance(config.routing.starvation_cap_s - 5)      # still under it at the first call
    new = hall.issue_ticket("M-NEW", "new")[0]
    hall.open_counter("3", "alice")
    assert serve_next(hall, clock, "3", "alice").id == new.id
    assert serve_next(hall, clock, "3", "alice").id == sim.id


def test_priority_before_preference_and_wait(hall, clock):
    new = hall.issue_ticket("M-NEW", "new")[0]
    clock.advance(30)
    senior_sim = hall.issue_ticket("M-SIM", "sim", priority="senior")[0]
    clock.advance(30)
    military_new = hall.issue_ticket("M-NEW", "mil", priority="military")[0]
    hall.open_counter("3", "alice")
    order = [serve_next(hall, clock, "3", "alice").id for _ in range(3)]
    # senior (rank 1) before military (rank 2) before the ordinary, preferred, earlier ticket.
    assert order == [senior_sim.id, military_new.id, new.id]


def test_senior_by_id_card_age(hall, clock):
    from datetime import date
    young = hall.issue_ticket("F-NEW", "y")[0]
    read = hall.register_card("k1", "张小三", "11010119500101001X", date(1950, 1, 1))
    assert read.senior and read.masked_name == "张*三" and read.age_band == "75+"
    clock.advance(5)
    old = hall.issue_ticket("F-NEW", "o", kiosk="k1", card_token=read.token)[0]   # where it was read
    assert old.priority == "senior" and old.masked_name == "张*三"
    hall.open_counter("1", "alice")
    assert serve_next(hall, clock, "1", "alice").id == old.id
    assert serve_next(hall, clock, "1", "alice").id == young.id


def test_only_counters_serving_the_business_call_it(hall, clock):
    hall.issue_ticket("M-NEW", "m")
    hall.open_counter("1", "alice")                     # fixed-line only
    assert serve_next(hall, clock, "1", "alice") is None


def test_twenty_counters_calling_at_once_never_share_a_ticket(tmp_path, clock):
    config = load_config()
    raw = config.model_dump()
    raw["counters"] = [{"id": str(i), "name": f"{i}号窗口", "businesses": [b.code for b in config.businesses]}
                       for i in range(1, 21)]
    raw["routing"]["repeat_call_s"] = 0             # calls as fast as the threads go
    from core.config import parse_config
    config = parse_config(raw)
    hall = Hall(config, Store(tmp_path / "h.db"), clock)
    for i in range(300):
        hall.issue_ticket(config.businesses[i % 18].code, f"r{i}")
    for i in range(1, 21):
        hall.open_counter(str(i), f"clerk{i}")
    got: list[str] = []
    lock = threading.Lock()

    def counter(i):
        while True:
            t, _ = hall.call_next(str(i), f"clerk{i}")
            if t is None:
                return
            hall.no_show(str(i), f"clerk{i}")        # the counter moves on at once
            with lock:
                got.append(t.id)

    threads = [threading.Thread(target=counter, args=(i,)) for i in range(1, 21)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(got) == 300 and len(set(got)) == 300


def test_the_worked_example_of_docs_routing(hall, clock, config):
    """docs/routing.md: counter 3 at 10:00 calls J004, K001, L003, G005, H002."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from datetime import date

    def at(hh, mm):
        clock.set(datetime(2026, 11, 25, hh, mm, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())

    hall.open_counter("4", "bob")
    at(9, 30); hall.issue_ticket("F-NEW", "a10")
    at(9, 40); k = hall.issue_ticket("M-ACCOUNT", "k")[0]
    hall.call_next("4", "bob"); hall.transfer("4", "bob", to_counter="3")
    at(9, 48); hall.issue_ticket("M-SIM", "l")
    at(9, 52); hall.issue_ticket("M-PLAN", "h")
    at(9, 55); hall.issue_ticket("M-NEW", "g")
    at(9, 58)
    card = hall.register_card("k1", "李四", "110101195601010011", date(1956, 1, 1))
    hall.issue_ticket("M-SERVICE", "j", kiosk="k1", card_token=card.token)
    at(10, 0)
    hall.close_counter("4", "bob")
    hall.open_counter("3", "alice")
    order = [serve_next(hall, clock, "3", "alice").number for _ in range(5)]
    assert order == ["J001", "K001", "L001", "G001", "H001"]
    assert k.number == "K001"
    assert serve_next(hall, clock, "3", "alice") is None          # A001 is for the fixed-line counters
