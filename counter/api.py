"""Counter actions. Every action needs the signed-in clerk to hold that counter."""
from __future__ import annotations

from core import presenters
from core.errors import NotFound
from web import states
from web.api import ok, route
from web.context import ctx, run
from web.schemas import (AddBusiness, CallOut, CallParked, CallTicket, CounterActionOut, DeskOut, Park, Pause,
                         Tick, Transfer)

from . import ERRORS, SERVING_ROLES, bp


def _answer(staff, counter_state=None, ticket=None, counter_id: str | None = None, model=CounterActionOut):
    """An action's answer: the counter, the ticket acted on, the hall's `version` (the page paints
    it only if newer than what it shows) and the whole desk, so the page asks nothing more."""
    c = ctx()
    counter_id = counter_id or counter_state.id
    p = c.hall.picture()
    desk = states.desk(c, counter_id, staff.username, p)
    return ok(presenters.desk.answer(p, counter_id, c.hall.ticket(ticket.id) if ticket else None,
                                     desk, model))


@route(bp, "/api/counters/<counter_id>/open", "POST", summary="Take the counter (sign in at it)",
       tag="counter", roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)
def open_counter(counter_id: str, staff):
    return _answer(staff, run(ctx().hall.open_counter, counter_id, staff.username))


@route(bp, "/api/counters/<counter_id>/close", "POST", summary="Leave the counter",
       tag="counter", roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)
def close_counter(counter_id: str, staff):
    hall = ctx().hall
    holder = hall.counters().get(counter_id)
    # A manager may close a counter someone else left open; a clerk only their own.
    clerk = None if staff.role in ("manager", "admin") and holder and holder.clerk != staff.username \
        else staff.username
    return _answer(staff, run(hall.close_counter, counter_id, clerk))


@route(bp, "/api/counters/<counter_id>/call-next", "POST", summary="Call the next ticket",
       tag="counter", roles=SERVING_ROLES, answers={200: CallOut}, errors=ERRORS)
def call_next(counter_id: str, staff):
    ticket = run(ctx().hall.call_next, counter_id, staff.username)
    return _answer(staff, ticket=ticket, counter_id=counter_id, model=CallOut)


@route(bp, "/api/counters/<counter_id>/call", "POST",
       summary="Call a chosen waiting ticket out of order (its token, today's number or its QR link), "
               "with a reason from the hall's list (`routing.call_reasons`)",
       tag="counter", roles=SERVING_ROLES, body=CallTicket, answers={200: CallOut}, errors=ERRORS)
def call_ticket(counter_id: str, staff, body: CallTicket):
    ticket = run(ctx().hall.call_ticket, counter_id, staff.username, body.ticket, body.reason)
    return _answer(staff, ticket=ticket, counter_id=counter_id, model=CallOut)


@route(bp, "/api/counters/<counter_id>/park", "POST",
       summary="Park the counter's customer (暂挂: stepped away to fetch a document or pay); the "
               "window calls others meanwhile. Back in line by itself after `routing.park_return_s`",
       tag="counter", roles=SERVING_ROLES, body=Park, answers={200: CounterActionOut}, errors=ERRORS)
def park(counter_id: str, staff, body: Park):
    ticket = run(ctx().hall.park, counter_id, staff.username, body.reason)
    return _answer(staff, ticket=ticket, counter_id=counter_id)


@route(bp, "/api/counters/<counter_id>/call-parked", "POST",
       summary="Call a customer parked at this counter back to it (叫回), ahead of the line",
       tag="counter", roles=SERVING_ROLES, body=CallParked, answers={200: CallOut}, errors=ERRORS)
def call_parked(counter_id: str, staff, body: CallParked):
    ticket = run(ctx().hall.call_parked, counter_id, staff.username, body.ticket)
    return _answer(staff, ticket=ticket, counter_id=counter_id, model=CallOut)


@route(bp, "/api/counters/<counter_id>/add-business", "POST",
       summary="A second business in the same visit (加办业务): the one being served is finished, "
               "the next served here at once (`how: serve`) or sent to its queue (`queue`)",
       tag="counter", roles=SERVING_ROLES, body=AddBusiness, answers={200: CounterActionOut}, errors=ERRORS)
def add_business(counter_id: str, staff, body: AddBusiness):
    ticket = run(ctx().hall.add_business, counter_id, staff.username, body.business, body.how)
    return _answer(staff, ticket=ticket, counter_id=counter_id)


def _action(name: str, summary: str, answers_counter: bool = False):
    """A counter action without a body: the command of the same name, done by the clerk."""
    command = name.replace("-", "_")

    def view(counter_id: str, staff):
        result = run(getattr(ctx().hall, command), counter_id, staff.username)
        if answers_counter:
            return _answer(staff, result)
        return _answer(staff, ticket=result, counter_id=counter_id)
    view.__name__ = command
    route(bp, f"/api/counters/<counter_id>/{name}", "POST", summary=summary, tag="counter",
          roles=SERVING_ROLES, answers={200: CounterActionOut}, errors=ERRORS)(view)


_action("recall", "Call the current ticket again (重呼)")
_action("start", "The customer arrived: start serving")
_action("finish", "Service done")
_action("no-show", "The called customer did not come (过号)")
_action("undo-no-show", "Undo this counter's no-show of the last minute: the customer is called here again")
_action("resume", "Resume after a pause", answers_counter=True)


@route(bp, "/api/counters/<counter_id>/pause", "POST", summary="Pause the counter (暂停服务), with a reason",
       tag="counter", roles=SERVING_ROLES, body=Pause, answers={200: CounterActionOut}, errors=ERRORS)
def pause(counter_id: str, staff, body: Pause):
    return _answer(staff, run(ctx().hall.pause, counter_id, staff.username, body.reason))


@route(bp, "/api/counters/<counter_id>/checklist", "POST",
       summary="Tick or untick a key moment (关键时刻) of the current customer's business",
       tag="counter", roles=SERVING_ROLES, body=Tick, answers={200: CounterActionOut}, errors=ERRORS)
def tick(counter_id: str, staff, body: Tick):
    ticket = run(ctx().hall.tick, counter_id, staff.username, body.key, body.ticked)
    return _answer(staff, ticket=ticket, counter_id=counter_id)


@route(bp, "/api/counters/<counter_id>/desk", "GET",
       summary="Everything the counter page shows: the counter, its customer, its line, the clerk's "
               "day (pushed as `desk` to the clerk's pages)",
       tag="counter", roles=SERVING_ROLES, answers={200: DeskOut}, errors=ERRORS)
def desk(counter_id: str, staff):
    c = ctx()
    if c.hall.config.counter(counter_id) is None:
        raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
    p = c.hall.picture()
    return ok(states.desk(c, counter_id, staff.username, p, version=p.version))


@route(bp, "/api/counters/<counter_id>/transfer", "POST",
       summary="Send the current customer to another business or counter (keeps number and issue time)",
       tag="counter", roles=SERVING_ROLES, body=Transfer, answers={200: CounterActionOut}, errors=ERRORS)
def transfer(counter_id: str, staff, body: Transfer):
    ticket = run(ctx().hall.transfer, counter_id, staff.username, business=body.business,
                 to_counter=body.counter, reason=body.reason)
    return _answer(staff, ticket=ticket, counter_id=counter_id)
