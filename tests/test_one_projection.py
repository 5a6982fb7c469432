"""Place, on-deck state and estimate come from one projection and never contradict each other
(docs/routing.md, "What a customer is told"): checked over many random busy halls."""
from __future__ import annotations

import random
import uuid

import pytest

from core import views
from core.errors import Conflict

CLERKS = ["c1", "c2", "c3", "c4", "c5", "c6"]


def busy_hall(hall, clock, seed: int):
    """A random stretch of a day: tickets of every business (a few green-channel), some windows
    open, some calling, serving or paused, a transfer or two."""
    rnd = random.Random(seed)
    codes = [b.code for b in hall.config.businesses]
    counters = [c.id for c in hall.config.counters]
    opened = rnd.sample(counters, rnd.randint(1, len(counters)))
    for cid in opened:
        hall.open_counter(cid, CLERKS[counters.index(cid)])
    for i in range(rnd.randint(5, 45)):
        clock.advance(rnd.randint(1, 90))
        priority = "senior" if rnd.random() < 0.08 else None
        hall.issue_ticket(rnd.choice(codes), uuid.uuid4().hex, priority=priority)
        if rnd.random() < 0.3:
            cid = rnd.choice(opened)
            clerk = CLERKS[counters.index(cid)]
            try:
                state = hall.counters()[cid]
                if state.current_ticket and hall.ticket(state.current_ticket).status == "called":
                    if rnd.random() < 0.2:
                        hall.no_show(cid, clerk)
                    else:
                        hall.start(cid, clerk)
                    continue
                ticket, _ = hall.call_next(cid, clerk)
                if ticket is not None and rnd.random() < 0.1:
                    hall.start(cid, clerk)
                    hall.transfer(cid, clerk, business=rnd.choice(codes))
            except Conflict:        # the checklist, a repeat: the clerk does something else
                pass
    for cid in opened:
        if rnd.random() < 0.15 and not hall.counters()[cid].current_ticket:
            hall.pause(cid, CLERKS[counters.index(cid)])
    clock.advance(1)
    return opened


@pytest.mark.parametrize("seed", range(24))
def test_place_deck_and_wait_agree_everywhere(hall, clock, seed):
    busy_hall(hall, clock, seed)
    snap = hall.snapshot()
    queued = snap.queued
    state = views.hall_state(hall)
    tickets = {t.id: views.ticket_view(hall.config, hall.ticket(t.id), snap) for t in queued}

    # On deck or third at one window at most, and the window's row says the same.
    decks = [n for c in state["counters"] for n in (c.get("on_deck"), c.get("third")) if n]
    assert len(decks) == len(set(decks)), state["counters"]
    by_number = {v["number"]: v for v in tickets.values()}
    for c in state["counters"]:
        if c.get("on_deck"):
            assert by_number[c["on_deck"]]["deck_position"] == 1
        if c.get("third"):
            assert by_number[c["third"]]["deck_position"] == 2
    assert sum(v["on_deck"] for v in tickets.values()) == len(decks)

    # Within one queue (same business, same class, no transfer to one window) the earlier ticket
    # is never told it has more people ahead or a longer wait than a later one.
    groups: dict[tuple, list] = {}
    for t in sorted(queued, key=lambda t: (t.issued_at, t.number)):
        if t.target_counter is None:
            groups.setdefault((t.business, t.priority), []).append(tickets[t.id])
    for group in groups.values():
        for a, b in zip(group, group[1:]):
            assert a["ahead"] <= b["ahead"], (a, b)
            if a["estimated_wait_s"] is not None and b["estimated_wait_s"] is not None:
                assert a["estimated_wait_s"] <= b["estimated_wait_s"], (a, b)
            assert (a["estimated_wait_s"] is None) == (b["estimated_wait_s"] is None)

    # Nobody ahead: called as soon as a window able to serve it is free; on deck: nobody else
    # is expected at that window first. A wait is unknown only when no working window serves it.
    working = {c["id"] for c in state["counters"] if c["state"] == "open"} or \
        {c["id"] for c in state["counters"] if c["state"] == "paused"}
    for t in queued:
        v = tickets[t.id]
        able = {t.target_counter} if t.target_counter else \
            {c.id for c in hall.config.counters_serving(t.business)}
        if working:
            assert (v["estimated_wait_s"] is None) == (not able & working), v
        if v["deck_position"] == 1:
            assert v["estimated_wait_s"] is not None
        if v["on_deck"]:
            assert v["status"] in ("waiting", "transferred")

    # What the kiosk, the manager and the estimates event tell a newcomer is one answer, and the
    # ticket issued next is told exactly that.
    board = {b["code"]: b for b in hall.hall_board()["businesses"]}
    estimates = hall.business_estimates()
    for code, e in estimates.items():
        assert board[code]["new_ticket_wait_s"] == e["estimated_wait_s"]
        same = [tickets[t.id] for t in queued if t.business == code and t.priority is None
                and t.target_counter is None]
        if e["estimated_wait_s"] is not None:
            assert all(s["estimated_wait_s"] <= e["estimated_wait_s"] for s in same)
        assert all(s["ahead"] <= e["ahead"] for s in same)
    code = random.Random(seed).choice(list(estimates))
    ticket, _, _ = hall.issue_ticket(code, uuid.uuid4().hex)
    told = views.ticket_view(hall.config, ticket, hall.snapshot())
    assert (told["ahead"], told["estimated_wait_s"]) == (
        estimates[code]["ahead"], estimates[code]["estimated_wait_s"])


def test_the_worked_example_of_on_deck(hall, clock):
    """docs/routing.md, "On deck": four windows busy, four 续费 tickets and a 新开户 waiting. Every
    window's own line starts with A002 or C001; the projection gives each ticket one window."""
    clock.advance(30 * 60)                                  # 10:00
    for cid, business in zip("1256", ["F-NEW", "F-CHANGE", "M-TOPUP", "M-QUERY"]):
        hall.open_counter(cid, "c" + cid)
        hall.issue_ticket(business, "at-" + cid)
        clock.advance(1)
        hall.call_next(cid, "c" + cid)
        clock.advance(5)
        hall.start(cid, "c" + cid)
        clock.advance(60)
    for i in range(4):
        hall.issue_ticket("F-RENEW", f"r{i}")
        clock.advance(20)
    hall.issue_ticket("F-NEW", "n")
    clock.advance(20)
    snap = hall.snapshot()
    assert {cid: [t.number for t in snap.line(cid)[:2]] for cid in "1256"} == {
        "1": ["A002", "C001"], "2": ["A002", "C001"], "5": ["C001", "C002"], "6": ["A002", "C001"]}
    rows = {c["id"]: (c["current"], c["on_deck"], c["third"])
            for c in views.hall_state(hall)["counters"] if c["state"] == "open"}
    assert rows == {"1": ("A001", "A002", "C004"), "2": ("B001", "C003", None),
                    "5": ("M001", "C001", None), "6": ("P001", "C002", None)}
    told = {t.number: views.ticket_view(hall.config, hall.ticket(t.id), snap) for t in snap.queued}
    assert {n: (v["ahead"], v["deck_position"]) for n, v in told.items()} == {
        "C001": (0, 1), "C002": (0, 1), "C003": (3, 1), "C004": (4, 2), "A002": (0, 1)}
    assert told["C004"]["estimated_wait_s"] == max(v["estimated_wait_s"] for v in told.values())
