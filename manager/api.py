"""Waiting and service statistics against the hall's standard."""
from __future__ import annotations

from core import stats
from web.api import ok, route
from web.context import ctx, run
from web.schemas import Issuing, StatsOut, StatsQuery

from . import bp


@route(bp, "/api/stats", "GET", summary="Per business: issued, served, waits and service times",
       tag="manager", query=StatsQuery, roles=("manager", "admin"), answers={200: StatsOut})
def hall_stats(staff, query: StatsQuery):
    hall = ctx().hall
    result = stats.compute(hall.config, hall.events(query.from_.isoformat(), query.to.isoformat()))
    return ok({"from": query.from_.isoformat(), "to": query.to.isoformat(), **result})


@route(bp, "/api/hall/issuing", "POST",
       summary="Pause ticket issuing, limit it to some businesses, or reopen it (emergency mode)",
       tag="manager", body=Issuing, roles=("manager", "admin"), errors=(404,))
def set_issuing(staff, body: Issuing):
    state = run(ctx().hall.set_issuing, body.mode, body.message, body.businesses, staff.username)
    return ok(state)
