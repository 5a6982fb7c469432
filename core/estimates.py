"""Where a ticket stands: how many are ahead, how long it will wait, whether it is on deck.

A snapshot is built from one consistent read of the queue; it answers for every ticket in it.

- ahead: queued tickets that the counters able to serve this ticket would also take, and that
  come first (higher priority class, or same class and issued earlier). The counters are the
  open ones that serve the business, or all that serve it while none is open.
- estimated wait: when the working counters, played forward with the routing rule, would call
  it (projection.py); a ticket no working counter serves: the catalogue's target times of the
  tickets ahead, shared over the counters able to serve it.
- on deck (接一顾二招呼三): among the next two tickets some open counter would call.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Callable

from .config import HallConfig
from .projection import DEFAULT_HANDLING_S, AtCounter, Pace, Projection
from .routing import line_for, priority_rank
from .tickets import OPEN, PAUSED, CounterState, QueuedTicket, Ticket


class QueueSnapshot:
    def __init__(self, config: HallConfig, queued: list[QueuedTicket], counters: dict[str, CounterState],
                 now: float, history: Callable[[], tuple[Pace, dict[str, AtCounter]]],
                 opens_at: float | None = None):
        self.config = config
        self.queued = queued
        self.counters = counters
        self.now = now
        self._history = history            # → (recent pace, tickets now at counters), read lazily
        self._opens_at = opens_at          # today's opening, for a queue formed before it
        self._projection: Projection | None = None
        self._lines: dict[str, list[Ticket]] = {}
        self._on_deck: dict[str, int] | None = None
        self._groups: dict[tuple, tuple[list, list]] = {}

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

    def _rank(self, t) -> tuple:
        return (priority_rank(self.config, t), t.issued_at, t.number)

    def _competition(self, counters: tuple[str, ...]) -> tuple[list[tuple], list[int]]:
        """For one set of serving counters: the sorted keys of every queued ticket competing for
        them, and the running sum of their target times (one pass, shared by every ticket that
        has the same counters — so a whole queue's positions cost O(n log n), not O(n²))."""
        if counters not in self._groups:
            cfgs = [c for c in (self.config.counter(cid) for cid in counters) if c is not None]
            ids = {c.id for c in cfgs}
            businesses = {b for c in cfgs for b in c.businesses}
            rivals = sorted((self._rank(t), self._target(t.business)) for t in self.queued
                            if ((t.target_counter in ids) if t.target_counter else (t.business in businesses)))
            keys = [k for k, _ in rivals]
            totals = [0]
            for _, target in rivals:
                totals.append(totals[-1] + target)
            self._groups[counters] = (keys, totals)
        return self._groups[counters]

    def _position(self, ticket) -> tuple[int, int, int]:
        """(how many come first, their summed target times, number of serving counters)."""
        counters = tuple(self.serving_counters(ticket))
        keys, totals = self._competition(counters)
        ahead = bisect_left(keys, self._rank(ticket))
        return ahead, totals[ahead], len(counters)

    def ahead(self, ticket: Ticket) -> int:
        return self._position(ticket)[0] if ticket.queued else 0

    def estimated_wait_s(self, ticket: Ticket) -> int:
        if not ticket.queued:
            return 0
        at = self.projection().calls.get(ticket.id)
        return self._wait(at, ticket)

    def for_newcomer(self, business: str) -> tuple[int, int]:
        """(ahead, estimated wait) for a ticket of `business` issued now: the kiosk's promise."""
        probe = QueuedTicket(id="", number="~", business=business, status="waiting", priority=None,
                             issued_at=self.now, queued_at=self.now, target_counter=None)
        return self.ahead(probe), self._wait(self.projection().newcomer.get(business), probe)

    def _wait(self, projected: float | None, ticket) -> int:
        if projected is not None:
            return max(0, round(projected - self.now))
        ahead, targets, n_counters = self._position(ticket)     # no working counter serves it
        return round(targets / max(1, n_counters)) if ahead else 0

    def projection(self) -> Projection:
        """Computed once per snapshot, for every ticket and newcomer at once."""
        if self._projection is None:
            pace, at_counters = self._history()
            working = self.active_counters() or [
                c.id for c in self.config.counters
                if (s := self.counters.get(c.id)) is not None and s.state == PAUSED]
            start = self.now
            if not working:                 # nobody at work yet: every counter, from opening
                working = [c.id for c in self.config.counters]
                start = max(self.now, self._opens_at or self.now)
            self._projection = Projection(self.config, self.queued, working, at_counters,
                                          start, pace, asked_at=self.now)
        return self._projection

    def _target(self, business: str) -> int:
        b = self.config.business(business)
        return (b.target_s if b and b.target_s else DEFAULT_HANDLING_S)
