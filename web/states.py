"""Each staff screen's whole state, as its GET answers it and its push carries it (web/screens.py):
the hall's rows and the web's own facts (the staff's names, the devices) gathered for the
presenters (core/presenters/). `v`: the version of the picture it was drawn from, read first, so
that what it shows is at least that new."""
from __future__ import annotations

from datetime import date

from core import presenters, stats

FLOOR_ROLES = ("guide", "manager", "admin")     # the guide's tablet, and its topic "floor"
BOARD_ROLES = ("manager", "admin")              # the manager's live hall, and its topic "board"


def floor(c) -> dict:
    v = c.hall.picture().version
    return {**presenters.floor.named(c.hall.floor_board(), c.accounts.names()), "v": v}


def board(c) -> dict:
    hall = c.hall
    v = hall.picture().version
    board = presenters.board.named(hall.hall_board(), c.accounts.names(), c.devices.status(),
                                   hall.config)
    return {**board, "v": v}


def desk(c, counter_id: str, clerk: str, p=None, **version) -> dict:
    """The desk of `clerk` at `counter_id` (their day, what they record after service), drawn
    from `p` (default: the hall now); `version=` (an answer) or `v=` (a push): p's version."""
    hall = c.hall
    p = p or hall.picture()
    today = hall.today()
    my_day = stats.clerk_day(hall.config, hall.events(today, today, ("finished",)), clerk)
    return presenters.desk.desk(p, counter_id, my_day, after_service(hall, counter_id, clerk),
                                hall.undoable_no_show(counter_id), hall.clock.now(),
                                hall.parked(counter_id), **version)


def after_service(hall, counter_id: str, clerk: str) -> dict | None:
    t = hall.recordable(counter_id, clerk)
    if t is None:
        return None
    due, warning = hall.due_date(t.business, date.fromisoformat(hall.today()))
    return presenters.desk.after_service(hall.config, t, due, warning, hall.recorded_for(t.id))


def screen(c, counter_id: str, p=None, v: int | None = None) -> dict:
    p = p or c.hall.picture()
    state = p.counters[counter_id]
    clerk = c.accounts.get(state.clerk) if state.clerk else None
    return presenters.screen.screen(p, counter_id, clerk, v=v)
