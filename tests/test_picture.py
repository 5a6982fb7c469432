"""The picture of the hall: read once per change, kept while nothing changes, an issue drawn in."""
from __future__ import annotations

import uuid

import pytest

from core import views
from core.config import load_config
from core.estimates import QueueSnapshot
from core.hall import Hall
from core.store import Store


@pytest.fixture
def hall(tmp_path, clock):
    return Hall(load_config(None), Store(tmp_path / "hall.db"), clock)


def counting_reads(store):
    """Counts the store's read transactions from now on."""
    seen = {"n": 0}
    read = store.read

    def counted():
        seen["n"] += 1
        return read()
    store.read = counted
    return seen


def test_hall_state_is_one_read_and_none_while_nothing_changes(hall):
    for i in range(5):
        hall.issue_ticket("F-NEW", f"r{i}")
    hall.open_counter("1", "c1")
    hall.config                                 # today's window changes: read every few seconds
    reads = counting_reads(hall.store)
    state = views.hall_state(hall)
    assert reads["n"] == 1 and state["waiting"]["F-NEW"] == 5
    assert views.hall_state(hall) == state and reads["n"] == 1      # kept: no read at all
    hall.call_next("1", "c1")
    reads["n"] = 0
    state = views.hall_state(hall)
    assert reads["n"] == 1 and state["waiting"]["F-NEW"] == 4


def test_an_alert_or_a_help_request_keeps_the_picture(hall):
    hall.issue_ticket("F-NEW", "a")
    before = hall.picture()
    reads = hall.pictures.reads
    hall.request_help("k1", None)               # logged, but nothing a picture holds
    assert hall.picture().version > before.version and hall.pictures.reads == reads


def test_an_issue_is_drawn_into_the_picture_without_reading_it(hall, clock):
    for i in range(200):
        hall.issue_ticket(["F-NEW", "M-TOPUP", "F-QUERY"][i % 3], f"r{i}")
    hall.open_counter("1", "c1")
    hall.pictures.drawn()
    reads = hall.pictures.reads
    clock.advance(0.2)
    ticket = hall.issue_ticket("F-NEW", "new")[0]
    p = hall.placing(ticket)
    told = views.ticket_view(hall.config, ticket, p)
    assert hall.pictures.reads == reads and p.drawn          # no read of the queues
    # What it was told, and everyone's place, is what the whole projection drawn again says.
    again = QueueSnapshot(hall.config, p.queued, p.counters, p.now, p.history)
    assert again.projection().calls == p.projection().calls
    keys = ("ahead", "estimated_wait_s", "on_deck", "deck_position")
    assert {k: told[k] for k in keys} == {k: views.ticket_view(hall.config, ticket, again)[k] for k in keys}


def test_a_burst_of_issues_is_placed_by_one_drawing(hall):
    for i in range(50):
        hall.issue_ticket("F-NEW", f"r{i}")
    burst = [hall.issue_ticket("M-TOPUP", uuid.uuid4().hex)[0] for _ in range(5)]
    draws = []
    real = hall.pictures.current

    def current():
        p = real()
        if not p.queue.drawn:
            draws.append(p.version)
        return p
    hall.pictures.current = current
    places = [views.ticket_view(hall.config, t, hall.placing(t))["ahead"] for t in burst]
    assert len(set(draws)) == 1                              # one drawing placed all five
    snap = hall.pictures.drawn().queue
    assert places == [snap.ahead(t) for t in burst] and places == sorted(places)


def test_issues_during_a_redrawing_are_drawn_into_it(hall, clock, monkeypatch):
    """The screens' task redraws the picture every second; tickets issued while it draws are
    drawn into its drawing after it, so a steady stream of issues never leaves it stale."""
    from core import picture
    for i in range(60):
        hall.issue_ticket(["F-NEW", "M-TOPUP", "F-QUERY"][i % 3], f"r{i}")
    hall.open_counter("1", "c1")
    hall.open_counter("5", "c5")
    hall.pictures.drawn()
    clock.advance(2.0)
    real, late = picture.redrawn, []

    def redrawn_while_issuing(p, now):
        out = real(p, now)
        if not late:
            late.extend(hall.issue_ticket("M-TOPUP", f"late{k}")[0] for k in range(3))
        return out
    monkeypatch.setattr(picture, "redrawn", redrawn_while_issuing)
    hall.pictures.refresh()
    kept = hall.pictures.kept()
    assert kept.at == clock.now() and len(late) == 3
    assert all(kept.queue.holds(t.id) for t in late) and kept.counts["M-TOPUP"] == 23
    again = QueueSnapshot(hall.config, kept.queued, kept.counters, kept.at, kept.queue.history)
    assert again.projection().calls == kept.queue.projection().calls
    reads = hall.pictures.reads
    ticket = hall.issue_ticket("F-NEW", "after")[0]
    assert hall.placing(ticket).holds(ticket.id) and hall.pictures.reads == reads


def test_a_look_never_puts_back_an_older_picture_than_an_issue_kept(hall, monkeypatch):
    """A screen's look reads while a kiosk's ticket is issued: the picture the issue drew the
    ticket into stays kept (else every issue after it would read and draw the hall again)."""
    from contextlib import contextmanager
    for i in range(30):
        hall.issue_ticket("F-NEW", f"r{i}")
    hall.open_counter("1", "c1")
    hall.pictures.drawn()
    hall.request_help("k1", None)               # a commit: the next look checks the store
    real, issued = hall.store.read, []

    @contextmanager
    def read_while_issuing():
        if not issued:
            issued.append(hall.issue_ticket("F-NEW", "meanwhile")[0])
        with real() as tx:
            yield tx
    monkeypatch.setattr(hall.store, "read", read_while_issuing)
    hall.picture()
    kept = hall.pictures.kept()
    assert kept.queue.drawn and kept.queue.holds(issued[0].id)
    reads = hall.pictures.reads
    monkeypatch.setattr(hall.store, "read", real)
    ticket = hall.issue_ticket("F-NEW", "next")[0]
    assert hall.placing(ticket).holds(ticket.id) and hall.pictures.reads == reads


def test_a_redrawing_is_dropped_when_more_than_issues_changed(hall, clock, monkeypatch):
    from core import picture
    for i in range(20):
        hall.issue_ticket("F-NEW", f"r{i}")
    hall.open_counter("1", "c1")
    hall.pictures.drawn()
    clock.advance(2.0)
    real, called = picture.redrawn, []

    def redrawn_while_calling(p, now):
        out = real(p, now)
        if not called:
            called.append(hall.call_next("1", "c1"))
            hall.picture()                      # read again: the call is in the kept picture
        return out
    monkeypatch.setattr(picture, "redrawn", redrawn_while_calling)
    hall.pictures.refresh()
    assert hall.picture().counts["F-NEW"] == 19             # the call is not lost


def test_an_issue_replayed_from_its_step_is_the_whole_projection_drawn_again():
    """Projection.with_issued against drawing it all again: random queues (priorities,
    transfers to a window), random windows at work, busy or not, issues one after another."""
    import random
    from core.projection import AtCounter, Pace, Projection
    from core.tickets import QueuedTicket
    config = load_config(None)
    codes, windows = [b.code for b in config.businesses], [c.id for c in config.counters]
    classes = [None, None, None] + [p.code for p in config.priority_classes]
    rnd = random.Random(2)

    def drawn(p):
        return p.calls, p.counter_of, p.order, p.times, p.newcomer, p.newcomer_counter
    for _ in range(150):
        queued = [QueuedTicket(f"t{i}", f"N{i:03d}", rnd.choice(codes), "waiting", rnd.choice(classes),
                               1000 + rnd.uniform(0, 5000), 0,
                               rnd.choice(windows) if rnd.random() < 0.05 else None)
                  for i in range(rnd.randint(0, 200))]
        working = rnd.sample(windows, rnd.randint(1, len(windows)))
        busy = {c: AtCounter(c, rnd.choice(codes), 6000 - rnd.uniform(0, 600))
                for c in working if rnd.random() < 0.5}
        pace = Pace(config, [])
        p = Projection(config, queued, working, busy, 6000.0, pace, asked_at=6000.0)
        for k in range(rnd.randint(1, 4)):
            new = QueuedTicket(f"x{k}", f"X{k:03d}", rnd.choice(codes), "waiting", None,
                               6000.0 + k, 6000.0 + k, None)
            queued = [*queued, new]
            p = p.with_issued(new)
            assert drawn(p) == drawn(Projection(config, queued, working, busy, 6000.0, pace, asked_at=6000.0))


def test_a_ticket_changed_since_the_kept_picture_is_placed_by_a_new_drawing(hall, clock):
    """The kept picture holds a waiting ticket; given a priority since, that ticket is placed
    as it is now (first), not as the kept picture last drew it."""
    tickets = [hall.issue_ticket("F-NEW", f"p{i}")[0] for i in range(3)]
    hall.open_counter("1", "alice")
    hall.pictures.drawn()                   # the screens' drawing: kept, holding all three
    assert hall.placing(tickets[2]).ahead(tickets[2]) == 2
    given, _ = hall.give_priority(tickets[2].id, "pregnant", "demo-guide")
    assert hall.placing(given).ahead(given) == 0
