"""The shapes the outside sees (CONTRACT.md), under their older names: each is written once, in
core/presenters/; here only the wall's board gathers its facts from the hall."""
from __future__ import annotations

from . import hours
from .presenters import kiosk, parts, phone, wall

ticket_view = parts.ticket
track_url = parts.track_url
public_id = parts.public_id
call_view = parts.call
call_view_from_event = parts.call_from_event
counter_view = parts.counter
update_view = phone.update
hall_view = kiosk.hall_view


def hall_state(hall, last_calls: int = 10) -> dict:
    """The `hall_state` snapshot a socket gets on connect, from one picture of the hall."""
    return wall.hall_state(hall.picture(), hours.state(hall, with_now=False), last_calls)
