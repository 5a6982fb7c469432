"""The shapes screens are drawn from a picture: `places`, every phone's place in one message."""
from __future__ import annotations

import random

import pytest

from core import presenters
from core.config import load_config
from core.hall import Hall
from core.store import Store


@pytest.fixture
def busy(tmp_path, clock):
    """A hall with every kind of ticket waiting: ten businesses, priorities, a transfer, three
    windows open with different businesses, a service under way."""
    config = load_config(None)
    hall = Hall(config, Store(tmp_path / "hall.db"), clock)
    rnd = random.Random(4)
    codes = [b.code for b in config.businesses][:10]
    for i in range(120):
        clock.advance(rnd.uniform(5, 40))
        hall.issue_ticket(rnd.choice(codes), f"r{i}", priority="senior" if i % 17 == 0 else None)
    for counter, clerk in (("1", "c1"), ("3", "c3"), ("6", "c6")):
        hall.open_counter(counter, clerk)
        hall.call_next(counter, clerk)
        hall.start(counter, clerk)
    clock.advance(90)
    hall.transfer("3", "c3", business="F-QUERY")
    return hall


def test_every_ticket_reads_its_own_place_from_the_one_message(busy):
    p = busy.picture()
    payload = presenters.places(p)
    snap = p.queue
    for t in p.queued:
        want = (snap.ahead(t), snap.estimated_wait_s(t), snap.deck_position(t.id) or 0)
        assert presenters.read_place(payload, t.business, t.number) == want, t.number
    # Runs keep it short: far fewer runs than tickets.
    runs = sum(len(r) for r in payload["queues"].values())
    assert runs < len(p.queued)


def test_one_queue_one_window_is_one_run(tmp_path, clock):
    hall = Hall(load_config(None), Store(tmp_path / "hall.db"), clock)
    for i in range(300):
        clock.advance(3)
        hall.issue_ticket("M-TOPUP", f"t{i}")
    hall.open_counter("5", "c5")
    hall.call_next("5", "c5")
    payload = presenters.places(hall.picture())
    assert len(payload["queues"]["M-TOPUP"]) == 1
    assert presenters.read_place(payload, "M-TOPUP", "M300")[0] == 298


def test_each_shape_is_written_once_in_its_model(busy, monkeypatch):
    """A presenter fills its model: the answer's fields are the model's, in its order; a name the
    model lacks is refused, validated or not (the hall checks the names, the tests the types)."""
    from core.presenters import desk, kiosk, parts, wall
    from core import hours
    p = busy.picture()
    t = busy.ticket(p.queued[0].id)
    view = parts.ticket(busy.config, t, p.queue)
    assert list(view) == list(parts.TicketOut.model_fields)
    assert list(kiosk.hall_view(busy.config)) == [n for n in kiosk.HallOut.model_fields if n != "hours"]
    board = wall.hall_state(p, hours.state(busy, with_now=False))
    assert all(parts.CounterStateOut.model_validate(c) for c in board["counters"])
    one = desk.desk(p, "1", {"served": 0}, None, None, p.at, v=p.version)
    assert desk.DeskOut.model_validate(one).counter.clerk == "c1"
    for check in (True, False):
        monkeypatch.setattr(parts, "CHECK", check)
        with pytest.raises(ValueError):
            parts.shaped(parts.CounterStateOut, **{**board["counters"][0], "clerk": "c1"})
        with pytest.raises(ValueError):
            parts.shaped(parts.CounterStateOut, id="1")
        assert parts.shaped(parts.CounterStateOut, **board["counters"][0]) == board["counters"][0]
