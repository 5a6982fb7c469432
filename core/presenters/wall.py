"""The wall display's board (`hall_state`): everything a wall shows, enough to be right with
nothing else, from one picture."""
from __future__ import annotations

from ..picture import Picture, estimates
from . import parts


def hall_state(p: Picture, hours: dict, last_calls: int = 10) -> dict:
    """`hours`: core/hours.py's state of the moment (without `now`: the board stays the same
    from one second to the next)."""
    config = p.config
    return {
        "hall": config.hall.name,
        "waiting": dict(p.counts),
        "estimates": estimates(p),
        "issuing": p.issuing,
        "hours": hours,
        "last_calls": [parts.call_from_event(config, e) for e in p.last_calls[:last_calls]],
        "counters": [parts.counter(config, p.counters[c.id], p.current_of(c.id), p.queue)
                     for c in config.counters if c.id in p.counters],
    }
