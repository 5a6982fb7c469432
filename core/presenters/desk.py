"""The clerk's desk (`GET /api/counters/<id>/desk`, every counter action's answer, pushed as
`desk` to the clerk): the counter, the customer in hand with the key moments, the next two,
the queues it serves, the clerk's day, what to record after service."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from .. import day_config, routing
from ..config import HallConfig
from ..picture import Picture
from ..tickets import Ticket
from . import parts
from .parts import CounterStateOut, Shape, TicketOut


class DeskCounterOut(CounterStateOut):
    clerk: str | None = Field(None, description="the username at the counter")


class DeskOut(Shape):
    counter: DeskCounterOut
    customer: dict | None = Field(description="the ticket in hand, with masked_name, the timer's "
                                  "timestamps and standard, and the key moments (checklist)")
    waiting: dict[str, int] = Field(description="the counter's businesses → tickets waiting")
    line: list[dict] = Field(default_factory=list, description="the tickets this counter can call, "
                             "in the order it would call them (the first LINE_SHOWN): to call one "
                             "out of order")
    call_reasons: list[str] = Field(default_factory=list, description="why a ticket may be called "
                                    "out of order (the hall's list)")
    parked: list[dict] = Field(default_factory=list, description="the customers parked at this "
                               "counter (stepped away), the longest parked first: `id`, `number`, "
                               "`business_name`, `parked_ts`, `returns_ts` (back in line by itself)")
    park_limit: int = Field(0, description="how many may be parked at a counter (0: parking is off)")
    my_day: dict = Field(description="the clerk's own day: served, service_mean_s, within_target")
    after_service: dict | None = Field(description="what to record on the customer just served")
    undo_no_show: dict | None = Field(description="the no-show this counter may still undo")
    now_ts: float = Field(description="the hall's clock: the page's timer runs on it")
    version: int | None = Field(None, description="the hall's version (GET …/desk)")
    v: int | None = Field(None, description="the hall's version (pushed `desk`)")


class CounterActionOut(Shape):
    counter: CounterStateOut
    ticket: TicketOut | None = None
    version: int | None = Field(None, description="the hall's version this answer shows; a page "
                                "paints an answer only if it is newer than what it shows")
    desk: DeskOut | None = Field(None, description="the desk after the action, as GET …/desk "
                                 "answers it: the page paints it without asking again")


class CallOut(CounterActionOut):
    """call-next's answer: `ticket` null when nothing waits for that counter."""
    ticket: TicketOut | None
    counter: CounterStateOut | None = None


def desk(p: Picture, counter_id: str, my_day: dict, after_service: dict | None,
         undo_no_show: dict | None, now: float, parked: list[Ticket] = (), **version) -> dict:
    """The desk from the picture and what the hall read for this clerk (their day, the
    after-service block, the no-show still undoable, who is parked here); `version=` or `v=`:
    p's version."""
    config = p.config
    state = p.counters[counter_id]
    current = p.current_of(counter_id)
    customer = None
    if current is not None:
        b = config.business(current.business)
        customer = {**parts.ticket(config, current, p.queue),
                    "masked_name": current.masked_name, "age_band": current.age_band,
                    "issued_ts": current.issued_at, "called_ts": current.called_at,
                    "started_ts": current.started_at, "target_s": b.target_s, "max_s": b.max_s,
                    "checklist": [{"key": k, "text": config.checklist.get(k, k),
                                   "required": k in b.checklist_required, "ticked": k in current.ticked}
                                  for k in b.checklist]}
    return parts.shaped(
        DeskOut, counter=parts.counter(config, state, current, p.queue, model=DeskCounterOut,
                                       clerk=state.clerk),
        customer=customer,
        waiting={code: p.counts.get(code, 0) for code in config.counter(counter_id).businesses},
        line=line(p, counter_id, now), call_reasons=list(config.routing.call_reasons),
        parked=[parked_row(config, t) for t in parked], park_limit=config.routing.park_limit,
        my_day=my_day, after_service=after_service, undo_no_show=undo_no_show, now_ts=now,
        **version)


LINE_SHOWN = 40        # the rest of the line is reached by typing or scanning a number


def line(p: Picture, counter_id: str, now: float) -> list[dict]:
    """The counter's line in its calling order (core/routing.py), for its out-of-order list."""
    config = p.config
    cfg = config.counter(counter_id)
    out = []
    for t in routing.line_for(config, cfg, p.queued, now)[:LINE_SHOWN]:
        b = config.business(t.business)
        cls = config.priority_class(t.priority) if t.priority else None
        out.append({"id": t.id, "number": t.number, "business": t.business,
                    "business_name": day_config.line_name(b) if b else t.business,
                    "waited_s": max(0, round(now - t.issued_at)),
                    "priority": cls.name if cls else None,
                    "requeued": t.order_at is not None,
                    "transferred_here": t.target_counter == counter_id})
    return out


def parked_row(config: HallConfig, t: Ticket) -> dict:
    b = config.business(t.business)
    return {"id": t.id, "number": t.number, "business": t.business,
            "business_name": day_config.line_name(b) if b else t.business,
            "parked_ts": t.parked_at, "returns_ts": t.parked_at + config.routing.park_return_s}


def after_service(config: HallConfig, t: Ticket, due: date, warning: str | None,
                  recorded: dict) -> dict:
    """The desk's after-service block: the ticket to record on, the lists, what is recorded."""
    b = config.business(t.business)
    lists = config.after_service
    return {
        "ticket": t.id, "number": t.number, "business": t.business,
        "business_name": b.name if b else t.business, "done": t.status == "done",
        "retention": bool(b and config.asks_retention(b)),
        "follow_up_due": {"date": due.isoformat(), "warning": warning,
                          "working_days": config.follow_up_days(b) if b else None},
        "lists": {"recommendations": list(lists.recommendations),
                  "churn_reasons": list(lists.churn_reasons),
                  "retention_offers": list(lists.retention_offers)},
        "recorded": recorded,
    }


def answer(p: Picture, counter_id: str, ticket: Ticket | None, desk_view: dict | None,
           model: type[CounterActionOut] = CounterActionOut) -> dict:
    """A counter action's answer: the counter, the ticket acted on (as it is now), the picture's
    version, and the whole desk (so the page asks nothing more)."""
    config = p.config
    state = p.counters[counter_id]
    return parts.shaped(
        model, counter=parts.counter(config, state, p.current_of(counter_id), p.queue),
        ticket=parts.ticket(config, ticket, p.queue) if ticket else None, version=p.version,
        desk=desk_view)
