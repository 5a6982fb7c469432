"""Where a ticket stands: its place, its wait, whether it is on deck. One projection answers all
three, so they never contradict each other (docs/routing.md, "What a customer is told").

A snapshot is built from one consistent read of the queue; it answers for every ticket in it.
The projection (projection.py) plays the working counters forward over the queue with the
routing rule, so it knows for each ticket when it is called and by which counter:

- estimated wait: that call's time, from now;
- ahead: the tickets called before that moment by the counters able to serve this ticket;
- on deck (接一顾二招呼三): the first (1) or second (2) call of an open counter, so a ticket is
  on deck at one window at most, the window expected to take it.

A ticket no working counter serves is not projected: its wait is unknown (None), its place is
its rank among the tickets competing for the counters able to serve it, and it is not on deck.
"""
from __future__ import annotations

import threading
from collections import Counter
from bisect import bisect_left
from typing import Callable

from .config import HallConfig
from .projection import AtCounter, Pace, Projection
from .routing import line_for, priority_rank
from .tickets import OPEN, PAUSED, CounterState, QueuedTicket, Ticket


class QueueSnapshot:
    def __init__(self, config: HallConfig, queued: list[QueuedTicket], counters: dict[str, CounterState],
                 now: float, history: Callable[[], tuple[Pace, dict[str, AtCounter]]],
                 projection: Projection | None = None, by_id: dict | None = None):
        """`projection`: already drawn (an issue drawn into the last one: core/picture.py), and
        `by_id` the queued tickets by id when known."""
        self.config = config
        self.queued = queued
        self.counters = counters
        self.now = now
        self._history = history            # → (recent pace, tickets now at counters), read lazily
        self._projection: Projection | None = projection
        self._lines: dict[str, list[Ticket]] = {}
        self._on_deck: dict[str, int] | None = None
        self._lengths: dict[str, int] | None = None
        self._serving: dict[str, list[str]] = {}
        self._groups: dict[tuple, list[tuple]] = {}
        self._by_id_: dict[str, QueuedTicket] | None = by_id
        self._drawing = threading.Lock()

    @property
    def _by_id(self) -> dict[str, QueuedTicket]:
        if self._by_id_ is None:
            self._by_id_ = {t.id: t for t in self.queued}
        return self._by_id_

    def with_one_more(self, q: QueuedTicket, projection: Projection) -> "QueueSnapshot":
        """This queue with `q` issued last, and the projection that places it."""
        by_id = None if self._by_id_ is None else {**self._by_id_, q.id: q}
        return QueueSnapshot(self.config, [*self.queued, q], self.counters, self.now,
                             self._history, projection=projection, by_id=by_id)

    def holds(self, ticket_id: str) -> bool:
        return ticket_id in self._by_id

    def held(self, ticket_id: str) -> QueuedTicket | None:
        """The ticket as this snapshot holds it."""
        return self._by_id.get(ticket_id)

    @property
    def drawn(self) -> bool:
        return self._projection is not None

    def history(self) -> tuple[Pace, dict[str, AtCounter]]:
        return self._history()

    # --- lines per counter ----------------------------------------------------------
    def active_counters(self) -> list[str]:
        return [c.id for c in self.config.counters
                if (s := self.counters.get(c.id)) is not None and s.state == OPEN]

    def line(self, counter_id: str) -> list[Ticket]:
        if counter_id not in self._lines:
            self._lines[counter_id] = line_for(self.config, self.config.counter(counter_id),
                                               self.queued, self.now)
        return self._lines[counter_id]

    def line_length(self, counter_id: str) -> int:
        """How many queued tickets this counter can call: its businesses' and its transfers."""
        if self._lengths is None:
            plain = Counter(t.business for t in self.queued if t.target_counter is None)
            direct = Counter(t.target_counter for t in self.queued if t.target_counter is not None)
            self._lengths = {c.id: sum(plain[b] for b in c.businesses) + direct[c.id]
                             for c in self.config.counters}
        return self._lengths.get(counter_id, 0)

    def deck(self, counter_id: str) -> list[QueuedTicket]:
        """The next two tickets this open counter is expected to call (on deck, then third)."""
        state = self.counters.get(counter_id)
        if state is None or state.state != OPEN:
            return []
        ids = self.projection().order.get(counter_id, [])[:2]
        return [self._by_id[i] for i in ids]

    def deck_position(self, ticket_id: str) -> int | None:
        """1 = next at the open counter expected to call it, 2 = after that; None = not on deck."""
        if self._on_deck is None:
            deck: dict[str, int] = {}
            for cid in self.active_counters():
                for pos, t in enumerate(self.deck(cid), start=1):
                    deck[t.id] = pos
            self._on_deck = deck
        return self._on_deck.get(ticket_id)

    # --- ahead and estimate ---------------------------------------------------------
    def serving_counters(self, ticket: Ticket) -> list[str]:
        if ticket.target_counter is not None:
            return [ticket.target_counter]
        found = self._serving.get(ticket.business)
        if found is None:
            able = [c.id for c in self.config.counters_serving(ticket.business)]
            open_ = [cid for cid in able if self.counters.get(cid) and self.counters[cid].state != "closed"]
            found = self._serving[ticket.business] = open_ or able
        return found

    def _rank(self, t) -> tuple:
        return (priority_rank(self.config, t), t.place_at, t.number)

    def _rank_among(self, ticket) -> int:
        """Rank among the queued tickets competing for the counters able to serve this one
        (for a ticket the projection does not call). One sorted pass per set of counters, shared
        by every ticket with the same set."""
        counters = tuple(self.serving_counters(ticket))
        if counters not in self._groups:
            cfgs = [c for c in (self.config.counter(cid) for cid in counters) if c is not None]
            ids = {c.id for c in cfgs}
            businesses = {b for c in cfgs for b in c.businesses}
            self._groups[counters] = sorted(
                self._rank(t) for t in self.queued
                if ((t.target_counter in ids) if t.target_counter else (t.business in businesses)))
        return bisect_left(self._groups[counters], self._rank(ticket))

    def ahead(self, ticket: Ticket) -> int:
        if not ticket.queued:
            return 0
        at = self.projection().calls.get(ticket.id)
        return self._rank_among(ticket) if at is None else self._called_before(ticket, at)

    def estimated_wait_s(self, ticket: Ticket) -> int | None:
        """Seconds until the ticket is called; None when no working counter serves it."""
        if not ticket.queued:
            return 0
        return self._wait(self.projection().calls.get(ticket.id))

    def for_newcomer(self, business: str) -> tuple[int, int | None]:
        """(ahead, estimated wait) for a ticket of `business` issued now: the kiosk's promise,
        and what that ticket is told once issued."""
        last = max(self.now, self.queued[-1].issued_at) if self.queued else self.now
        probe = QueuedTicket(id="", number="~", business=business, status="waiting", priority=None,
                             issued_at=last, queued_at=last, target_counter=None)
        at = self.projection().newcomer.get(business)
        ahead = self._rank_among(probe) if at is None else self._called_before(probe, at)
        return ahead, self._wait(at)

    def wait_exact(self, ticket: Ticket) -> float | None:
        """Seconds until the projected call, unrounded and unclamped (for `places`' runs)."""
        if not ticket.queued:
            return 0.0
        at = self.projection().calls.get(ticket.id)
        return None if at is None else at - self.now

    def _wait(self, projected: float | None) -> int | None:
        return None if projected is None else max(0, round(projected - self.now))

    def _called_before(self, ticket, at: float) -> int:
        """Tickets the counters able to serve `ticket` are expected to call before `at`."""
        times = self.projection().times
        return sum(bisect_left(times[cid], at) for cid in self.serving_counters(ticket) if cid in times)

    def projection(self) -> Projection:
        """Computed once per snapshot, for every ticket and newcomer at once (by one thread: the
        others asking meanwhile take its result)."""
        if self._projection is not None:
            return self._projection
        with self._drawing:
            return self._draw()

    def _draw(self) -> Projection:
        if self._projection is None:
            pace, at_counters = self._history()
            working = self.active_counters() or [
                c.id for c in self.config.counters
                if (s := self.counters.get(c.id)) is not None and s.state == PAUSED]
            if not working:                 # nobody at work yet: every counter, from now
                working = [c.id for c in self.config.counters]
            self._projection = Projection(self.config, self.queued, working, at_counters,
                                          self.now, pace, asked_at=self.now)
        return self._projection

