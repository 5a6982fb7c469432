"""The phone's shapes: every phone's place in one broadcast (`places`), a ticket's own page and
its `ticket_update`.

- `places`: what every phone is told after a change, in one broadcast: each queue in the order
  the projection will call it, with the place and wait each ticket is told.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict

from pydantic import Field

from ..picture import Picture
from .parts import Shape, TicketOut, shaped

_NUMBER = re.compile(r"^(.*?)(\d+)$")


def places(p: Picture) -> dict:
    """`places`: {"v": version, "queues": {business: [run, …]}, "deck": {number: 1 | 2}}.

    A queue is its tickets in calling order, written as runs (one message to every phone stays
    small however long the queue): a run [prefix, first, count, ahead, ahead_step, wait,
    wait_step] stands for the tickets prefix+first … prefix+(first+count-1) called in that
    order, the j-th of them told `ahead + ahead_step·j` ahead and a wait of
    max(0, floor(wait + wait_step·j + 0.5)) seconds (wait null: no working counter serves the
    queue). A run ends wherever the next ticket does not follow it exactly, so every phone reads
    the very figures its ticket's own answer gives (GET /api/tickets/<token>)."""
    q = p.queue
    calls = q.projection().calls
    lines: dict[str, list] = defaultdict(list)
    for t in p.queued:
        lines[t.business].append(t)
    queues = {}
    for business, tickets in lines.items():
        tickets.sort(key=lambda t: (calls.get(t.id, math.inf), t.place_at, t.number))
        runs: list[list] = []
        for t in tickets:
            _add(runs, t.number, q.ahead(t), q.estimated_wait_s(t), q.wait_exact(t))
        queues[business] = runs
    deck = {t.number: pos for t in p.queued if (pos := q.deck_position(t.id))}
    return {"v": p.version, "queues": queues, "deck": deck}


def _told(wait: float | None, step: float | None, j: int) -> int | None:
    """The wait a phone reads off a run (as phone.js computes it)."""
    return None if wait is None else max(0, math.floor(wait + step * j + 0.5))


def _add(runs: list[list], number: str, ahead: int, wait: int | None, exact: float | None) -> None:
    m = _NUMBER.match(number)
    prefix, n = (m.group(1), int(m.group(2))) if m else (number, 0)
    if runs and m:
        run = runs[-1]
        px, first, count, a0, da, w0, dw = run
        if px == prefix and n == first + count:
            if count == 1 and (wait is None) == (w0 is None):
                # The second ticket of a run gives its steps.
                step = None if wait is None else round(exact - w0, 4)
                if _told(w0, step, 1) == wait:
                    run[2], run[4], run[6] = 2, ahead - a0, step
                    return
            elif count > 1 and ahead == a0 + da * count and _told(w0, dw, count) == wait:
                run[2] += 1
                return
    w0 = None if wait is None else round(exact, 3)
    if w0 is not None and _told(w0, 0, 0) != wait:
        w0 = float(wait)
    runs.append([prefix, n, 1, ahead, 0, w0, None if w0 is None else 0])


def read_place(payload: dict, business: str, number: str) -> tuple[int, int | None, int] | None:
    """(ahead, wait, deck) of `number` in a `places` payload, read as a phone reads it
    (display/static/phone.js); None when it is not in the queue."""
    m = _NUMBER.match(number)
    prefix, n = (m.group(1), int(m.group(2))) if m else (number, 0)
    for px, first, count, a0, da, w0, dw in payload.get("queues", {}).get(business, []):
        if px == prefix and first <= n < first + count:
            j = n - first
            return a0 + da * j, _told(w0, dw, j), payload.get("deck", {}).get(number, 0)
    return None


class TicketPageOut(TicketOut):
    rated: bool | None = Field(None, description="whether the service was rated (the phone asks once)")


class TicketUpdateOut(Shape):
    """What a tracking phone gets in `ticket_update`."""
    ticket: str
    number: str
    status: str
    ahead: int
    estimated_wait_s: int | None
    on_deck: bool
    deck_position: int | None
    counter: str | None
    counter_name: str | None
    business: str
    recalls: int
    parked_until: str | None = None


UPDATE_KEYS = tuple(TicketUpdateOut.model_fields)[1:]      # the view's own names, after `ticket`


def ticket_page(view: dict, rated: bool) -> dict:
    """`GET /api/tickets/<token>`: the ticket (parts.ticket) and whether it was rated."""
    return shaped(TicketPageOut, **view, rated=rated)


def update(view: dict) -> dict:
    """A ticket's `ticket_update`, from its view (parts.ticket). A plain copy: the view was
    shaped already, and this runs for every phone an older page follows."""
    return {"ticket": view["id"], **{k: view[k] for k in UPDATE_KEYS}}
