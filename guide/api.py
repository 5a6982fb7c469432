"""The floor: 接一顾二招呼三 per counter, the document pre-check, help requests, alerts,
follow-ups. The guide's tablet reads `/api/floor` and acts through the rest."""
from __future__ import annotations

from core import presenters, views
from web.api import ok, route, row_id
from web.context import ctx, run
from web.schemas import Answer, FollowUp, GivePriority, Precheck, PriorityOut, RequeuedOut  # noqa: F401 (docs/API.md)
from web.states import FLOOR_ROLES
from web import states

from . import bp

ANSWER_ROLES = ("guide", "clerk", "manager", "admin")


@route(bp, "/api/lineup", "GET", summary="Per counter: current, on deck and third ticket",
       tag="guide", roles=("guide", "clerk", "manager", "admin"))
def lineup(staff):
    return ok({"counters": views.hall_state(ctx().hall, last_calls=0)["counters"]})


@route(bp, "/api/floor", "GET",
       summary="The guide's board: lineup per counter with pre-check, arrivals, help requests, "
               "alerts, long waits, follow-ups due (pushed as `floor`, topic \"floor\")",
       tag="guide", roles=FLOOR_ROLES)
def floor(staff):
    return ok(states.floor(ctx()))


@route(bp, "/api/tickets/<ticket_id>/precheck", "POST",
       summary="Mark a waiting customer's documents checked (预审), or not", tag="guide",
       roles=FLOOR_ROLES, body=Precheck, errors=(404, 409))
def precheck(ticket_id: str, staff, body: Precheck):
    t = run(ctx().hall.precheck, ticket_id, staff.username, body.checked)
    return ok({"ticket": t.id, "number": t.number, "prechecked": t.prechecked_at is not None,
               "prechecked_by": t.prechecked_by})


@route(bp, "/api/tickets/<ticket_id>/requeue", "POST",
       summary="Bring back a no-show of today (过号重排): the same number, placed after the next "
               "`routing.requeue_after` tickets of its line, at most `routing.requeue_limit` times",
       tag="guide", roles=("clerk", "guide", "manager", "admin"), answers={200: RequeuedOut},
       errors=(404, 409))
def requeue(ticket_id: str, staff):
    hall = ctx().hall
    t = run(hall.requeue, ticket_id, staff.username)
    return ok({"ticket": presenters.parts.ticket(hall.config, t, hall.placing(t)),
               "requeues": t.requeues, "requeue_limit": hall.config.routing.requeue_limit})


@route(bp, "/api/tickets/<ticket_id>/priority", "POST",
       summary="Give a waiting ticket of today a priority class on the floor (绿色通道: disabled, "
               "pregnant, military …), or take it back (`priority: null`); logged with who and why",
       tag="guide", roles=("clerk", "guide", "manager", "admin"), body=GivePriority,
       answers={200: PriorityOut}, errors=(404, 409))
def give_priority(ticket_id: str, staff, body: GivePriority):
    hall = ctx().hall
    t = run(hall.give_priority, ticket_id, body.priority, staff.username, body.note)
    return ok({"ticket": presenters.parts.ticket(hall.config, t, hall.placing(t))})


def _help_action(name: str, summary: str):
    def view(help_id: str, staff):
        hall = ctx().hall
        command = getattr(hall, f"{name}_help")
        return ok(run(command, row_id(help_id, "unknown_help_request", "没有找到这条求助"), staff.username))
    view.__name__ = f"{name}_help"
    route(bp, f"/api/help/<help_id>/{name}", "POST", summary=summary, tag="guide", roles=FLOOR_ROLES,
          errors=(404, 409))(view)


_help_action("accept", "Take a help request (the guide is on the way)")
_help_action("close", "Close a help request (the customer was helped)")


@route(bp, "/api/alerts", "GET", summary="Alerts not yet acknowledged", tag="guide", roles=FLOOR_ROLES)
def alerts(staff):
    hall = ctx().hall
    return ok({"alerts": hall.alert_details([hall.alert_view(a) for a in hall.alerts()])})


@route(bp, "/api/alerts/<alert_id>/ack", "POST", summary="Acknowledge an alert", tag="guide",
       roles=FLOOR_ROLES, errors=(404, 409))
def ack_alert(alert_id: str, staff):
    hall = ctx().hall
    alert = run(hall.ack_alert, row_id(alert_id, "unknown_alert", "没有找到这条提醒"), staff.username)
    return ok(hall.alert_view(alert))


@route(bp, "/api/follow-ups", "GET", summary="Open follow-ups, soonest due first", tag="guide",
       roles=ANSWER_ROLES)
def follow_ups(staff):
    hall = ctx().hall
    today = hall.today()
    return ok({"today": today, "follow_ups": [hall.follow_up_view(f, today) for f in hall.follow_ups()]})


@route(bp, "/api/follow-ups", "POST",
       summary="Record a complaint or question taken on the floor: due in working days; `ticket` "
               "may name the customer's ticket of today by its number (A007)",
       tag="guide", roles=FLOOR_ROLES, body=FollowUp, answers={201: None}, errors=(404,))
def open_follow_up(staff, body: FollowUp):
    hall = ctx().hall
    row = run(hall.open_follow_up, staff.username, body.contact, body.question, body.kind,
              business=body.business, ticket_number=body.ticket)
    return ok(hall.follow_up_view(row), 201)


@route(bp, "/api/follow-ups/<follow_up_id>/answer", "POST", summary="Record the answer given",
       tag="guide", roles=ANSWER_ROLES, body=Answer, errors=(404, 409))
def answer_follow_up(follow_up_id: str, staff, body: Answer):
    hall = ctx().hall
    row = run(hall.answer_follow_up, row_id(follow_up_id, "unknown_follow_up", "没有找到这条回访"),
              staff.username, body.answer)
    return ok(hall.follow_up_view(row))
