"""Counter actions. Every action needs the signed-in clerk to hold that counter."""
from __future__ import annotations

from core import views
from web.api import ok, route
from web.context import ctx, run
from web.schemas import CallOut, CounterActionOut, Transfer

from . import bp

SERVING_ROLES = ("clerk", "manager", "admin")   # a manager may staff a counter in a small hall
ERRORS = (403, 404, 409)


def _answer(counter_state=None, ticket=None, counter_id: str | None = None):
    hall = ctx().hall
    snap = hall.snapshot()
    state = counter_state or hall.counters()[counter_id]
    current = hall.tickets([state.current_ticket])[0] if state.current_ticket else None
    return ok({
        "counter": views.counter_view(hall.config, state, current, snap),
        "ticket": views.ticket_view(hall.config, ticket, snap) if ticket else None,
    })


@route(bp, "/api/counters/<counter_id>/open", "POST", summary="Take the counter (sign in at it)",
       tag="counter", roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)
def open_counter(counter_id: str, staff):
    return _answer(run(ctx().hall.open_counter, counter_id, staff.username))


@route(bp, "/api/counters/<counter_id>/close", "POST", summary="Leave the counter",
       tag="counter", roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)
def close_counter(counter_id: str, staff):
    hall = ctx().hall
    holder = hall.counters().get(counter_id)
    # A manager may close a counter someone else left open; a clerk only their own.
    clerk = None if staff.role in ("manager", "admin") and holder and holder.clerk != staff.username \
        else staff.username
    return _answer(run(hall.close_counter, counter_id, clerk))


@route(bp, "/api/counters/<counter_id>/call-next", "POST", summary="Call the next ticket",
       tag="counter", roles=SERVING_ROLES, answers={200: CallOut}, errors=ERRORS)
def call_next(counter_id: str, staff):
    ticket = run(ctx().hall.call_next, counter_id, staff.username)
    return _answer(ticket=ticket, counter_id=counter_id)


def _action(name: str, summary: str, answers_counter: bool = False):
    """A counter action without a body: the command of the same name, done by the clerk."""
    command = name.replace("-", "_")

    def view(counter_id: str, staff):
        result = run(getattr(ctx().hall, command), counter_id, staff.username)
        if answers_counter:
            return _answer(result)
        return _answer(ticket=result, counter_id=counter_id)
    view.__name__ = command
    route(bp, f"/api/counters/<counter_id>/{name}", "POST", summary=summary, tag="counter",
          roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)(view)


_action("recall", "Call the current ticket again (重呼)")
_action("start", "The customer arrived: start serving")
_action("finish", "Service done")
_action("no-show", "The called customer did not come (过号)")
_action("pause", "Pause the counter (暂停服务)", answers_counter=True)
_action("resume", "Resume after a pause", answers_counter=True)


@route(bp, "/api/counters/<counter_id>/transfer", "POST",
       summary="Send the current customer to another business or counter (keeps number and issue time)",
       tag="counter", roles=SERVING_ROLES, body=Transfer, answers={200: CounterActionOut}, errors=ERRORS)
def transfer(counter_id: str, staff, body: Transfer):
    ticket = run(ctx().hall.transfer, counter_id, staff.username, business=body.business,
                 to_counter=body.counter)
    return _answer(ticket=ticket, counter_id=counter_id)
