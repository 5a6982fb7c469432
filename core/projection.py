"""The waiting estimate: play the open counters forward over today's queue with the hall's own
routing rule, each call taking what calls of that business have lately taken here.

Why a projection and not `ahead × time between completions`: counters serve overlapping sets
of businesses with their own preferences (a green-channel counter serves everything, a fixed-
network one prefers new subscriptions), so the tickets "ahead" of one are not served at the rate
of "its" counters. Measured on simulated days (`run.py simulate`, README) the projection's
error is a fraction of the ratio's.

One pass answers every queued ticket and every newcomer: a newcomer of business b is the last of
its queue, so it changes nothing for the others; it would be called at the first step where a
counter serving b finds nothing it prefers to it (or nothing at all).
"""
from __future__ import annotations

import heapq
from collections import defaultdict, deque
from dataclasses import dataclass
from statistics import median

from .config import HallConfig
from .routing import NO_PRIORITY, priority_rank

DEFAULT_HANDLING_S = 180   # for businesses whose standard gives no target time
MIN_HISTORY = 3            # calls of a business needed before its observed time replaces the target
DEFAULT_WALK_S = 30        # from the call to the customer at the window
DEFAULT_GAP_S = 10         # from one customer's end to the next call, while people wait
BUSY_GAP_S = 120           # a longer gap means the counter had nobody to call
DEFAULT_NO_SHOW_S = 75     # a called customer who never comes: recall, wait, mark


@dataclass(frozen=True)
class Ended:
    """One recent call that ended at a counter (served or no-show)."""
    counter: str
    business: str
    no_show: bool
    called_at: float
    ended_at: float


class Pace:
    """How long a call of each business takes here lately, no-shows and gaps included."""

    def __init__(self, config: HallConfig, history: list[Ended]):
        self.config = config
        served = [e for e in history if not e.no_show]
        by_business: dict[str, list[float]] = defaultdict(list)
        for e in served:
            by_business[e.business].append(e.ended_at - e.called_at)
        self._observed = {b: sum(v) / len(v) for b, v in by_business.items() if len(v) >= MIN_HISTORY}
        no_shows = [e.ended_at - e.called_at for e in history if e.no_show]
        self.no_show_share = len(no_shows) / len(history) if len(history) >= 10 else 0.0
        self.no_show_s = sum(no_shows) / len(no_shows) if no_shows else DEFAULT_NO_SHOW_S
        self.gap_s = _busy_gap(history)
        self._cache: dict[str, float] = {}

    def handling_s(self, business: str) -> float:
        """Call to end of a served customer of this business."""
        if business in self._observed:
            return self._observed[business]
        b = self.config.business(business)
        return (b.target_s if b and b.target_s else DEFAULT_HANDLING_S) + DEFAULT_WALK_S

    def call_s(self, business: str) -> float:
        """What one call of this business costs the counter, on average."""
        if business not in self._cache:
            p = self.no_show_share
            self._cache[business] = (1 - p) * self.handling_s(business) + p * self.no_show_s + self.gap_s
        return self._cache[business]


def _busy_gap(history: list[Ended]) -> float:
    by_counter: dict[str, list[Ended]] = defaultdict(list)
    for e in history:
        by_counter[e.counter].append(e)
    gaps = []
    for ends in by_counter.values():
        ends.sort(key=lambda e: e.called_at)
        gaps += [b.called_at - a.ended_at for a, b in zip(ends, ends[1:])
                 if 0 <= b.called_at - a.ended_at < BUSY_GAP_S]
    return median(gaps) if len(gaps) >= MIN_HISTORY else DEFAULT_GAP_S


@dataclass(frozen=True)
class AtCounter:
    counter: str
    business: str
    called_at: float


class Projection:
    """Projected calls: `calls[ticket id]` and `newcomer[business]` (absolute seconds), the
    counter expected to call each (`counter_of`, `newcomer_counter`) and each counter's calls in
    order (`order`); a ticket or business no working counter serves is absent."""

    def __init__(self, config: HallConfig, queued: list, counters: list[str],
                 at_counters: dict[str, AtCounter], start: float, pace: Pace,
                 asked_at: float | None = None):
        """`counters` work from `start` (now); newcomers come `asked_at`."""
        self.config, self.pace = config, pace
        self.now = start if asked_at is None else asked_at
        self.calls: dict[str, float] = {}
        self.counter_of: dict[str, str] = {}
        self.order: dict[str, list[str]] = {}
        self.newcomer: dict[str, float] = {}
        self.newcomer_counter: dict[str, str] = {}
        cfgs = [c for c in (config.counter(cid) for cid in counters) if c is not None]
        self._run(cfgs, queued, at_counters, start)

    def _run(self, cfgs: list, queued: list, at_counters: dict[str, AtCounter], start: float) -> None:
        now, cap = self.now, self.config.routing.starvation_cap_s
        # One line per business and one per counter (its transfers), each in calling order
        # (priority rank, then issue time): a line's head is its best ticket, so a counter looks
        # at one head per business it serves. Entries are (rank, issued_at, ticket).
        lines: dict[str, deque] = {}
        direct: dict[str, deque] = {}
        for t in sorted(queued, key=lambda t: (priority_rank(self.config, t), t.issued_at, t.number)):
            into = direct if t.target_counter else lines
            into.setdefault(t.target_counter or t.business, deque()).append(
                (priority_rank(self.config, t), t.issued_at, t))
        left = len(queued)
        # Per counter: its transfers' line, its businesses' lines by preference, and every
        # business it serves (for the newcomers).
        plans = [(direct.get(c.id), [(pref, lines[b]) for pref, b in enumerate(c.businesses) if b in lines],
                  list(enumerate(c.businesses))) for c in cfgs]
        waiting = {b for c in cfgs for b in c.businesses}
        calls, counter_of, order, call_s = self.calls, self.counter_of, self.order, self.pace.call_s

        heap = []
        for i, c in enumerate(cfgs):
            busy = at_counters.get(c.id)
            free = start if busy is None else max(
                start + self.pace.gap_s, busy.called_at + call_s(busy.business))
            heap.append((free, i))
        heapq.heapify(heap)
        while heap and (left or waiting):
            t, i = heapq.heappop(heap)
            mine, by_pref, serves = plans[i]
            best_key, best_line = None, None
            if mine:
                rank, issued, _ = mine[0]
                best_key, best_line = (rank, -1, issued), mine
            for pref, line in by_pref:
                if line:
                    rank, issued, _ = line[0]
                    key = (rank, 0 if pref > 0 and t - issued >= cap else pref, issued)
                    if best_key is None or key < best_key:
                        best_key, best_line = key, line
            if waiting:
                cid = cfgs[i].id
                for pref, b in serves:
                    # A newcomer (no priority, issued now) of b against the ticket c takes now.
                    if b in waiting and (best_key is None or (
                            NO_PRIORITY, 0 if pref > 0 and t - now >= cap else pref, now) < best_key):
                        self.newcomer[b] = t
                        self.newcomer_counter[b] = cid
                        waiting.discard(b)
            if best_line is None:
                continue                       # this counter has nothing left to call
            ticket = best_line.popleft()[2]
            calls[ticket.id] = t
            counter_of[ticket.id] = cfgs[i].id
            order.setdefault(cfgs[i].id, []).append(ticket.id)
            left -= 1
            heapq.heappush(heap, (t + call_s(ticket.business), i))
