"""Counter actions. Every action needs the signed-in clerk to hold that counter."""
from __future__ import annotations

from core import stats, views
from core.errors import NotFound
from web.api import ok, route
from web.context import ctx, run
from web.schemas import CallOut, CounterActionOut, Pause, Tick, Transfer

from . import ERRORS, SERVING_ROLES, bp
from .records import after_service


def _answer(counter_state=None, ticket=None, counter_id: str | None = None):
    """An action's answer, with `version`: the page paints it only if newer than what it shows."""
    hall = ctx().hall
    counter_id = counter_id or counter_state.id

    def read():
        snap = hall.snapshot()
        state = hall.counters()[counter_id]
        current = hall.tickets([state.current_ticket])[0] if state.current_ticket else None
        return {
            "counter": views.counter_view(hall.config, state, current, snap),
            "ticket": views.ticket_view(hall.config, hall.ticket(ticket.id), snap) if ticket else None,
        }
    body, version = hall.as_of(read)
    return ok({**body, "version": version})


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
_action("undo-no-show", "Undo this counter's no-show of the last minute: the customer is called here again")
_action("resume", "Resume after a pause", answers_counter=True)


@route(bp, "/api/counters/<counter_id>/pause", "POST", summary="Pause the counter (暂停服务), with a reason",
       tag="counter", roles=SERVING_ROLES, body=Pause, answers={200: CounterActionOut}, errors=ERRORS)
def pause(counter_id: str, staff, body: Pause):
    return _answer(run(ctx().hall.pause, counter_id, staff.username, body.reason))


@route(bp, "/api/counters/<counter_id>/checklist", "POST",
       summary="Tick or untick a key moment (关键时刻) of the current customer's business",
       tag="counter", roles=SERVING_ROLES, body=Tick, answers={200: CounterActionOut}, errors=ERRORS)
def tick(counter_id: str, staff, body: Tick):
    ticket = run(ctx().hall.tick, counter_id, staff.username, body.key, body.ticked)
    return _answer(ticket=ticket, counter_id=counter_id)


@route(bp, "/api/counters/<counter_id>/desk", "GET",
       summary="Everything the counter page shows: the counter, its customer, its line, the clerk's day",
       tag="counter", roles=SERVING_ROLES, errors=ERRORS)
def desk(counter_id: str, staff):
    hall = ctx().hall
    cfg = hall.config.counter(counter_id)
    if cfg is None:
        raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
    body, version = hall.as_of(lambda: _desk(hall, cfg, counter_id, staff))
    return ok({**body, "version": version})


def _desk(hall, cfg, counter_id: str, staff) -> dict:
    snap = hall.snapshot()
    state = hall.counters()[counter_id]
    current = hall.tickets([state.current_ticket])[0] if state.current_ticket else None
    counts = hall.waiting_counts()
    customer = None
    if current is not None:
        b = hall.config.business(current.business)
        customer = {**views.ticket_view(hall.config, current, snap),
                    "masked_name": current.masked_name, "age_band": current.age_band,
                    "issued_ts": current.issued_at, "called_ts": current.called_at,
                    "started_ts": current.started_at, "target_s": b.target_s, "max_s": b.max_s,
                    "checklist": [{"key": k, "text": hall.config.checklist.get(k, k),
                                   "required": k in b.checklist_required, "ticked": k in current.ticked}
                                  for k in b.checklist]}
    today = hall.today()
    day = stats.clerk_day(hall.config, hall.events(today, today, ("finished",)), staff.username)
    return {
        "counter": {**views.counter_view(hall.config, state, current, snap), "clerk": state.clerk},
        "customer": customer,
        "waiting": {code: counts.get(code, 0) for code in cfg.businesses},
        "my_day": day,
        "after_service": after_service(counter_id, staff.username),
        "undo_no_show": hall.undoable_no_show(counter_id),
        "now_ts": hall.clock.now(),           # the page's timer runs on the hall's clock
    }


@route(bp, "/api/counters/<counter_id>/transfer", "POST",
       summary="Send the current customer to another business or counter (keeps number and issue time)",
       tag="counter", roles=SERVING_ROLES, body=Transfer, answers={200: CounterActionOut}, errors=ERRORS)
def transfer(counter_id: str, staff, body: Transfer):
    ticket = run(ctx().hall.transfer, counter_id, staff.username, business=body.business,
                 to_counter=body.counter, reason=body.reason)
    return _answer(ticket=ticket, counter_id=counter_id)
