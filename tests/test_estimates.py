"""Ahead, estimated wait and on deck (接一顾二招呼三)."""
from __future__ import annotations

from core import views
from core.clock import day_start
from core.projection import DEFAULT_GAP_S, DEFAULT_WALK_S


def view(hall, t):
    return views.ticket_view(hall.config, hall.ticket(t.id), hall.snapshot())


def test_ahead_counts_those_called_first_by_the_counters_able_to_serve_it(hall, clock):
    hall.open_counter("5", "alice")               # M-TOPUP first, then M-RENEW
    a = hall.issue_ticket("M-TOPUP", "a")[0]
    clock.advance(1)
    b = hall.issue_ticket("M-RENEW", "b")[0]
    clock.advance(1)
    c = hall.issue_ticket("M-TOPUP", "c")[0]      # issued after b, called before it (preference)
    assert [view(hall, t)["ahead"] for t in (a, c, b)] == [0, 1, 2]
    hall.call_next("5", "alice")
    assert [view(hall, t)["ahead"] for t in (c, b)] == [0, 1]
    assert view(hall, a)["ahead"] == 0 and view(hall, a)["status"] == "called"


def test_tickets_called_at_the_same_moment_have_nobody_ahead(hall, clock):
    hall.open_counter("5", "alice")
    hall.open_counter("6", "bob")                 # two idle windows both serve M-TOPUP
    a = hall.issue_ticket("M-TOPUP", "a")[0]
    clock.advance(1)
    b = hall.issue_ticket("M-TOPUP", "b")[0]
    assert [(view(hall, t)["ahead"], view(hall, t)["estimated_wait_s"]) for t in (a, b)] == [(0, 0), (0, 0)]
    assert hall.snapshot().for_newcomer("M-TOPUP")[0] == 2


def test_priority_tickets_are_ahead(hall, clock):
    hall.open_counter("1", "alice")
    a = hall.issue_ticket("F-NEW", "a")[0]
    clock.advance(5)
    s = hall.issue_ticket("F-NEW", "s", priority="senior")[0]
    assert view(hall, a)["ahead"] == 1 and view(hall, s)["ahead"] == 0
    assert view(hall, s)["estimated_wait_s"] == 0 < view(hall, a)["estimated_wait_s"]


def test_without_history_each_call_takes_the_target_time(hall, clock):
    hall.open_counter("1", "alice")         # prefers F-NEW, then F-CHANGE
    a = hall.issue_ticket("F-NEW", "a")[0]        # target 300 s
    clock.advance(1)
    b = hall.issue_ticket("F-CHANGE", "b")[0]
    clock.advance(1)
    c = hall.issue_ticket("F-NEW", "c")[0]
    call = 300 + DEFAULT_WALK_S + DEFAULT_GAP_S
    assert view(hall, a)["estimated_wait_s"] == 0
    # Counter 1 takes the later F-NEW before the F-CHANGE: its preference, not the issue order.
    assert view(hall, c)["estimated_wait_s"] == call
    assert view(hall, b)["estimated_wait_s"] == 2 * call
    assert hall.snapshot().for_newcomer("F-CHANGE")[1] == 3 * call


def test_estimate_learns_each_business_time(hall, clock):
    hall.open_counter("1", "alice")
    for i in range(4):                      # four customers served, one every 120 s
        hall.issue_ticket("F-NEW", f"h{i}")
        hall.call_next("1", "alice")
        clock.advance(120)
        hall.finish("1", "alice")
    for i in range(3):
        hall.issue_ticket("F-NEW", f"w{i}")
    last = hall.issue_ticket("F-NEW", "last")[0]
    v = view(hall, last)
    assert v["ahead"] == 3
    assert v["estimated_wait_s"] == 3 * 120


def test_a_service_under_way_counts_what_is_left_of_it(hall, clock):
    hall.open_counter("1", "alice")
    hall.issue_ticket("F-NEW", "a")
    hall.call_next("1", "alice")
    clock.advance(100)
    b = hall.issue_ticket("F-NEW", "b")[0]
    assert view(hall, b)["estimated_wait_s"] == 300 + DEFAULT_WALK_S + DEFAULT_GAP_S - 100


def test_estimate_follows_the_counters_preferences(hall, clock):
    hall.open_counter("6", "alice")         # the green channel serves all, M-QUERY first
    queries = [hall.issue_ticket("F-QUERY", f"f{i}")[0] for i in range(3)]
    clock.advance(5)
    m = hall.issue_ticket("M-QUERY", "m")[0]
    assert view(hall, m)["estimated_wait_s"] == 0      # called first, though issued last
    assert view(hall, queries[0])["estimated_wait_s"] > 0


def test_before_any_window_opens_every_window_is_expected(hall, clock, config):
    opening = config.hall.opening
    start = day_start(hall.today(), config.hall.tz) + opening.hour * 3600 + opening.minute * 60
    clock.set(start)                        # the doors open; no clerk has signed in yet
    t = hall.issue_ticket("F-NEW", "early")[0]
    assert view(hall, t)["estimated_wait_s"] == 0
    for i in range(3):
        hall.issue_ticket("F-NEW", f"more{i}")
    # Counters 1, 2 and 6 serve F-NEW: three are called at once, the fourth one call later.
    last = hall.issue_ticket("F-NEW", "last")[0]
    v = view(hall, last)
    assert v["estimated_wait_s"] == 300 + DEFAULT_WALK_S + DEFAULT_GAP_S and v["ahead"] == 3
    assert v["on_deck"] is False            # nobody is on deck at a window nobody holds


def test_a_business_no_open_counter_serves_has_no_estimate(hall, clock):
    hall.open_counter("3", "alice")          # mobile only: nobody serves F-NEW now
    hall.issue_ticket("F-NEW", "a")
    clock.advance(1)
    b = hall.issue_ticket("F-NEW", "b")[0]
    v = view(hall, b)
    assert v["estimated_wait_s"] is None and v["ahead"] == 1 and v["on_deck"] is False
    assert hall.snapshot().for_newcomer("F-NEW") == (2, None)
    assert hall.business_estimates()["F-NEW"] == {"waiting": 2, "ahead": 2, "estimated_wait_s": None}
    hall.open_counter("1", "bob")            # a window for it opens: the wait is known again
    assert view(hall, b)["estimated_wait_s"] is not None


def test_on_deck_are_the_next_two_of_an_open_counter(hall, clock):
    tickets = []
    for i in range(4):
        tickets.append(hall.issue_ticket("M-NEW", f"r{i}")[0])
        clock.advance(1)
    assert not any(view(hall, t)["on_deck"] for t in tickets)      # no counter open yet
    hall.open_counter("3", "alice")
    hall.call_next("3", "alice")                                      # serving tickets[0]
    flags = [view(hall, t)["on_deck"] for t in tickets[1:]]
    assert flags == [True, True, False]
    assert [view(hall, t)["deck_position"] for t in tickets[1:3]] == [1, 2]
    state = views.hall_state(hall)
    c3 = next(c for c in state["counters"] if c["id"] == "3")
    assert (c3["current"], c3["on_deck"], c3["third"]) == ("G001", "G002", "G003")
