"""Who a counter calls next. The rule, with a worked example, is in docs/routing.md.

1. Priority tickets first (green channel: seniors by ID age, and the config's other classes),
   the lower class rank first.
2. Then the counter's preference: a ticket transferred to this very counter, then its businesses
   in the order the config lists them. A ticket that has waited `starvation_cap_s` or longer
   counts as most preferred, so a side queue is never starved by a busy main one.
3. Then the longest wait (the original issue time: a transfer keeps its place in time; a
   no-show brought back stands where a re-queue put it, `Ticket.place_at`).
"""
from __future__ import annotations

from .config import Counter, HallConfig
from .tickets import QueuedTicket, Ticket

NO_PRIORITY = 1_000_000


def can_serve(counter: Counter, ticket: Ticket) -> bool:
    if ticket.target_counter is not None:
        return ticket.target_counter == counter.id
    return ticket.business in counter.businesses


def priority_rank(config: HallConfig, ticket: Ticket) -> int:
    rank = config.priority_rank(ticket.priority)
    return NO_PRIORITY if rank is None else rank


def call_order_key(config: HallConfig, counter: Counter, ticket: Ticket, now: float) -> tuple:
    """Sort key: the smallest is called first."""
    if ticket.target_counter == counter.id:
        preference = -1
    else:
        preference = counter.businesses.index(ticket.business)
        if preference > 0 and now - ticket.place_at >= config.routing.starvation_cap_s:
            preference = 0
    return (priority_rank(config, ticket), preference, ticket.place_at, ticket.number)


def line_for(config: HallConfig, counter: Counter, queued: list[QueuedTicket], now: float
             ) -> list[QueuedTicket]:
    """The queued tickets this counter can call, in the order it would call them."""
    mine = [t for t in queued if can_serve(counter, t)]
    mine.sort(key=lambda t: call_order_key(config, counter, t, now))
    return mine


def pick_next(config: HallConfig, counter: Counter, queued: list[QueuedTicket], now: float
              ) -> QueuedTicket | None:
    candidates = [t for t in queued if can_serve(counter, t)]
    if not candidates:
        return None
    return min(candidates, key=lambda t: call_order_key(config, counter, t, now))
