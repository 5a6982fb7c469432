"""Ahead, estimated wait and on deck (接一顾二招呼三)."""
from __future__ import annotations

from core import views


def view(hall, t):
    return views.ticket_view(hall.config, hall.ticket(t.id), hall.snapshot())


def test_ahead_counts_those_the_same_counters_take_first(hall, clock):
    a = hall.issue_ticket("M-TOPUP", "a")[0]
    clock.advance(1)
    b = hall.issue_ticket("M-RENEW", "b")[0]      # counters 5 and 6 serve both
    clock.advance(1)
    c = hall.issue_ticket("M-TOPUP", "c")[0]
    assert [view(hall, t)["ahead"] for t in (a, b, c)] == [0, 1, 2]
    hall.open_counter("5", "alice")
    hall.call_next("5", "alice")
    assert view(hall, c)["ahead"] == 1
    assert view(hall, a)["ahead"] == 0 and view(hall, a)["status"] == "called"


def test_priority_tickets_are_ahead(hall, clock):
    a = hall.issue_ticket("F-NEW", "a")[0]
    clock.advance(5)
    hall.issue_ticket("F-NEW", "s", priority="senior")
    assert view(hall, a)["ahead"] == 1


def test_estimate_falls_back_to_target_times_without_history(hall, clock, config):
    hall.issue_ticket("F-NEW", "a")        # target 300 s
    clock.advance(1)
    hall.issue_ticket("F-CHANGE", "b")     # target 300 s
    clock.advance(1)
    c = hall.issue_ticket("F-NEW", "c")[0]
    # Counters able to serve F-NEW: 1, 2, 6 (none open yet, so all three count).
    serving = [x.id for x in config.counters_serving("F-NEW")]
    assert serving == ["1", "2", "6"]
    assert view(hall, c)["estimated_wait_s"] == round((300 + 300) / 3)


def test_estimate_uses_observed_completions(hall, clock):
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
