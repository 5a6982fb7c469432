"""接一顾二招呼三 for the floor: per counter, who is served, who is on deck, who comes third."""
from __future__ import annotations

from core import views
from web.api import ok, route
from web.context import ctx

from . import bp


@route(bp, "/api/lineup", "GET", summary="Per counter: current, on deck and third ticket",
       tag="guide", roles=("guide", "clerk", "manager", "admin"))
def lineup(staff):
    return ok({"counters": views.hall_state(ctx().hall, last_calls=0)["counters"]})
