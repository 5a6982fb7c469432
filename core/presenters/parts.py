"""The elements several screens share: a ticket, a call, a counter. Each shape is its model
here (the API's documented answer too, web/schemas.py): a presenter fills the model and hands
on its dict, so the shape is written once and a field the model lacks cannot slip out."""
from __future__ import annotations

import hashlib
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..clock import iso
from ..config import HallConfig
from ..estimates import QueueSnapshot
from ..tickets import PARKED, QUEUED, CounterState, Ticket


class Shape(BaseModel):
    # A presenter that fills a field the shape does not have is a bug, caught in the tests.
    model_config = ConfigDict(extra="forbid")


# Validating every shape costs ~40 µs (a ticket's view is drawn for every issue and every older
# phone): the tests validate fully (HALL_CHECK_SHAPES=1), the hall checks the names only.
CHECK = os.environ.get("HALL_CHECK_SHAPES") == "1"
_names: dict[type, tuple[tuple[str, ...], frozenset, frozenset]] = {}


def shaped(model: type[BaseModel], **fields) -> dict:
    """`fields` as `model` says: its fields in its order, the optional ones only when given (a
    closed counter has no `on_deck`); a name the model lacks, or a required one left out, is an
    error."""
    if CHECK:
        return model(**fields).model_dump(exclude_unset=True)
    known = _names.get(model)
    if known is None:
        f = model.model_fields
        known = _names[model] = (tuple(f), frozenset(f), frozenset(n for n, x in f.items() if x.is_required()))
    order, allowed, required = known
    if not (fields.keys() <= allowed and required <= fields.keys()):
        raise ValueError(f"{model.__name__}: {sorted(fields.keys() - allowed)} not in the shape, "
                         f"{sorted(required - fields.keys())} missing")
    return {n: fields[n] for n in order if n in fields}


class TicketOut(Shape):
    id: str = Field(description="unguessable token")
    number: str = Field(description="prefix + 3 digits, e.g. A007")
    business: str
    business_name: str
    status: Literal["waiting", "called", "serving", "done", "no_show", "transferred", "parked"]
    priority: str | None
    issued_at: str = Field(description="ISO 8601 with offset")
    ahead: int
    estimated_wait_s: int | None = Field(description="seconds; null when no open window serves the business")
    on_deck: bool
    deck_position: int | None
    counter: str | None
    counter_name: str | None
    target_counter: str | None
    called_at: str | None
    recalls: int = Field(description="重呼 so far in this call (0 while waiting)")
    track_url: str
    parked_until: str | None = Field(None, description="parked at `counter` (the customer stepped "
                                     "away): back in line by itself at this time (ISO 8601)")


class CounterStateOut(Shape):
    id: str
    name: str
    state: Literal["closed", "open", "paused"]
    current: str | None
    current_status: str | None
    businesses: list[str]
    on_deck: str | None = None
    third: str | None = None
    waiting: int | None = None


class TicketCalledOut(Shape):
    """A `ticket_called` payload (before the announcer's words), and the wall's last calls."""
    ticket_id: str = Field(description="a digest of the ticket's token, never the token")
    number: str
    counter: str
    counter_name: str
    business: str
    business_name: str
    called_at: str
    recall: bool
    recalls: int | None = None


def ticket(config: HallConfig, t: Ticket, snap: QueueSnapshot) -> dict:
    """A ticket as the API returns it; no personal data (the masked name stays with staff)."""
    tz = config.hall.tz
    b = config.business(t.business)
    counter = config.counter(t.counter) if t.counter and t.status not in QUEUED else None
    deck = snap.deck_position(t.id) if t.status in QUEUED else None
    return shaped(
        TicketOut, id=t.id, number=t.number, business=t.business,
        business_name=b.name if b else t.business, status=t.status, priority=t.priority,
        issued_at=iso(t.issued_at, tz), ahead=snap.ahead(t),
        estimated_wait_s=snap.estimated_wait_s(t), on_deck=deck is not None, deck_position=deck,
        counter=counter.id if counter else None, counter_name=counter.name if counter else None,
        target_counter=t.target_counter,
        called_at=iso(t.last_called_at, tz) if counter else None,
        recalls=t.recalls if counter else 0, track_url=track_url(config, t.id),
        parked_until=iso(t.parked_at + config.routing.park_return_s, tz)
        if t.status == PARKED and t.parked_at else None)


def track_url(config: HallConfig, ticket_id: str) -> str:
    """Built from the hall's configured public address, never from a request's Host."""
    return f"{config.hall.public_url}/t/{ticket_id}"


def public_id(token: str) -> str:
    """What a broadcast says of a ticket: its token is the key to the phone page and the rating,
    so everyone sees only a digest of it (the phone knows its own and can match a recall)."""
    return hashlib.sha256(token.encode()).hexdigest()[:20]


def call(config: HallConfig, t: Ticket, counter_id: str, recall: bool) -> dict:
    """A `ticket_called` payload."""
    b = config.business(t.business)
    c = config.counter(counter_id)
    return shaped(TicketCalledOut, ticket_id=public_id(t.id), number=t.number, counter=counter_id,
                  counter_name=c.name if c else counter_id, business=t.business,
                  business_name=b.name if b else t.business,
                  called_at=iso(t.last_called_at, config.hall.tz), recall=recall, recalls=t.recalls)


def call_from_event(config: HallConfig, e: dict) -> dict:
    """A `ticket_called` payload rebuilt from the event log (for `hall_state.last_calls`)."""
    b = config.business(e["business"])
    c = config.counter(e["counter"])
    return shaped(TicketCalledOut, ticket_id=public_id(e["ticket"]), number=e["number"],
                  counter=e["counter"], counter_name=c.name if c else e["counter"],
                  business=e["business"], business_name=b.name if b else e["business"],
                  called_at=iso(e["at"], config.hall.tz), recall=e["kind"] == "recalled")


def counter(config: HallConfig, c: CounterState, current: Ticket | None,
            snap: QueueSnapshot | None = None, model: type[CounterStateOut] = CounterStateOut,
            **extra) -> dict:
    """A counter for everyone (no clerk name); with a snapshot, its next two tickets too.
    `model` and `extra`: a screen's larger counter (the desk's has its clerk)."""
    cfg = config.counter(c.id)
    fields = dict(id=c.id, name=cfg.name if cfg else c.id, state=c.state,
                  current=current.number if current else None,
                  current_status=current.status if current else None,
                  businesses=list(cfg.businesses) if cfg else [])
    if snap is not None and c.state != "closed":
        # 接一顾二招呼三: the next two the projection expects this counter to call, each at
        # one window only.
        deck = snap.deck(c.id)
        fields.update(on_deck=deck[0].number if len(deck) > 0 else None,
                      third=deck[1].number if len(deck) > 1 else None,
                      waiting=snap.line_length(c.id))
    return shaped(model, **fields, **extra)
