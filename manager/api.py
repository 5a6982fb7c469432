"""The duty manager: the live hall, emergency issuing, a counter's businesses for the day, and
waiting and service statistics against the hall's standard."""
from __future__ import annotations

from flask import Response

from web.api import ok, route
from web.context import ctx, run
from web import states
from web.schemas import CounterBusinesses, Issuing, StatsOut, StatsQuery
from web.states import BOARD_ROLES

from . import bp
from .export import table_rows, to_csv


MANAGER_ROLES = BOARD_ROLES


@route(bp, "/api/manager/hall", "GET",
       summary="The live hall: counters with service timers, queues with longest waits and the "
               "wait a new ticket would be told, issuing, alerts, devices (pushed as `board`, "
               "topic \"board\")", tag="manager",
       roles=MANAGER_ROLES)
def live_hall(staff):
    return ok(states.board(ctx()))


@route(bp, "/api/counters/<counter_id>/businesses", "POST",
       summary="What a counter serves today (in order of preference); null restores the config",
       tag="manager", body=CounterBusinesses, roles=MANAGER_ROLES, errors=(404, 409))
def counter_businesses(counter_id: str, staff, body: CounterBusinesses):
    return ok(run(ctx().hall.set_counter_businesses, counter_id, body.businesses, staff.username))


@route(bp, "/api/stats", "GET", summary="Per business: issued, served, waits and service times",
       tag="manager", query=StatsQuery, roles=MANAGER_ROLES, answers={200: StatsOut})
def hall_stats(staff, query: StatsQuery):
    return ok({"from": query.from_.isoformat(), "to": query.to.isoformat(), **_stats(query)})


@route(bp, "/api/hall/issuing", "POST",
       summary="Pause ticket issuing, limit it to some businesses, or reopen it (emergency mode)",
       tag="manager", body=Issuing, roles=MANAGER_ROLES, errors=(404,))
def set_issuing(staff, body: Issuing):
    state = run(ctx().hall.set_issuing, body.mode, body.message, body.businesses, staff.username)
    return ok(state)


def _stats(query: StatsQuery) -> dict:
    return ctx().hall.statistics(query.from_.isoformat(), query.to.isoformat())


@route(bp, "/api/stats.csv", "GET",
       summary="One table of the statistics as CSV (UTF-8 with BOM, for Excel)", tag="manager",
       query=StatsQuery, roles=MANAGER_ROLES)
def stats_csv(staff, query: StatsQuery):
    c = ctx()
    result = _stats(query)
    names = {m.username: (m.display_name or m.username) for m in c.accounts.all()}
    body = to_csv(table_rows(c.hall.config, result, query.table, names))
    name = f"hall-{query.table}-{query.from_.isoformat()}-{query.to.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Content-Type": "text/csv; charset=utf-8"})
