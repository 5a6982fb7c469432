"""Where a ticket stands: how many are ahead, how long it will wait, whether it is on deck.

A snapshot is built from one consistent read of the queue; it answers for every ticket in it.

- ahead: queued tickets that the counters able to serve this ticket would also take, and that
  come first (higher priority class, or same class and issued earlier). The counters are the
  open ones that serve the business, or all that serve it while none is open.
- estimated wait: ahead × the observed time between service completions at those counters
  (their recent finishes, pooled); with too little history, the catalogue's target handling
  times of the tickets ahead, shared over those counters.
- on deck (接一顾二招呼三): among the next two tickets some open counter would call.
"""
from __future__ import annotations

from typing import Callable

from .config import HallConfig
from .routing import line_for, priority_rank
from .tickets import OPEN, CounterState, QueuedTicket, Ticket

DEFAULT_HANDLING_S = 180   # for businesses whose standard gives no target time
MIN_HISTORY = 3            # finishes needed before observed times replace the targets


class QueueSnapshot:
    def __init__(self, config: HallConfig, queued: list[QueuedTicket], counters: dict[str, CounterState],
                 now: float, finishes: Callable[[list[str]], list[float]]):
        self.config = config
        self.queued = queued
        self.counters = counters
        self.now = now
        self._finishes = finishes          # counters → recent finish times, oldest first
        self._interval_cache: dict[tuple, float | None] = {}
        self._lines: dict[str, list[Ticket]] = {}
        self._on_deck: dict[str, int] | None = None

    # --- lines per counter ----------------------------------------------------------
    def active_counters(self) -> list[str]:
        return [c.id for c in self.config.counters
                if (s := self.counters.get(c.id)) is not None and s.state == OPEN]

    def line(self, counter_id: str) -> list[Ticket]:
        if counter_id not in self._lines:
            self._lines[counter_id] = line_for(self.config, self.config.counter(counter_id),
                                               self.queued, self.now)
        return self._lines[counter_id]

    def deck_position(self, ticket_id: str) -> int | None:
        """1 = next at some open counter, 2 = after that; None = not on deck."""
        if self._on_deck is None:
            deck: dict[str, int] = {}
            for cid in self.active_counters():
                for pos, t in enumerate(self.line(cid)[:2], start=1):
                    deck[t.id] = min(pos, deck.get(t.id, pos))
            self._on_deck = deck
        return self._on_deck.get(ticket_id)

    # --- ahead and estimate ---------------------------------------------------------
    def serving_counters(self, ticket: Ticket) -> list[str]:
        if ticket.target_counter is not None:
            return [ticket.target_counter]
        able = [c.id for c in self.config.counters_serving(ticket.business)]
        open_ = [cid for cid in able if self.counters.get(cid) and self.counters[cid].state != "closed"]
        return open_ or able

    def tickets_ahead(self, ticket: Ticket) -> list[Ticket]:
        counters = [self.config.counter(cid) for cid in self.serving_counters(ticket)]
        counters = [c for c in counters if c is not None]
        ids = {c.id for c in counters}
        businesses = {b for c in counters for b in c.businesses}
        mine = (priority_rank(self.config, ticket), ticket.issued_at, ticket.number)
        ahead = []
        for t in self.queued:
            if t.id == ticket.id:
                continue
            competes = (t.target_counter in ids) if t.target_counter else (t.business in businesses)
            if competes and (priority_rank(self.config, t), t.issued_at, t.number) < mine:
                ahead.append(t)
        return ahead

    def ahead(self, ticket: Ticket) -> int:
        return len(self.tickets_ahead(ticket)) if ticket.queued else 0

    def estimated_wait_s(self, ticket: Ticket) -> int:
        if not ticket.queued:
            return 0
        ahead = self.tickets_ahead(ticket)
        if not ahead:
            return 0
        counters = self.serving_counters(ticket)
        interval = self._observed_interval(counters)
        if interval is not None:
            return round(len(ahead) * interval)
        total = sum(self._target(t.business) for t in ahead)
        return round(total / max(1, len(counters)))

    def for_newcomer(self, business: str) -> tuple[int, int]:
        """(ahead, estimated wait) for a ticket of `business` issued now: the kiosk's promise."""
        probe = QueuedTicket(id="", number="~", business=business, status="waiting", priority=None,
                             issued_at=self.now, queued_at=self.now, target_counter=None)
        return len(self.tickets_ahead(probe)), self.estimated_wait_s(probe)

    def _observed_interval(self, counters: list[str]) -> float | None:
        key = tuple(sorted(counters))
        if key not in self._interval_cache:
            times = self._finishes(list(key))
            self._interval_cache[key] = (
                (times[-1] - times[0]) / (len(times) - 1) if len(times) >= MIN_HISTORY else None)
        return self._interval_cache[key]

    def _target(self, business: str) -> int:
        b = self.config.business(business)
        return (b.target_s if b and b.target_s else DEFAULT_HANDLING_S)
