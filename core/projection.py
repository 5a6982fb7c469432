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
import math
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
    order (`order`); a ticket or business no working counter serves is absent.

    Kept incremental for issues: the play is recorded step by step with a checkpoint every
    CHECKPOINT_EVERY steps, so `with_issued` replays only from where the new ticket is first
    taken (the step its business's newcomer was placed at: a plain ticket issued now is the
    last of its line). With a long queue that step is near the end: every window reaches the
    starvation cap long before, and a newcomer waits behind everyone."""

    def __init__(self, config: HallConfig, queued: list, counters: list[str],
                 at_counters: dict[str, AtCounter], start: float, pace: Pace,
                 asked_at: float | None = None):
        """`counters` work from `start` (now); newcomers come `asked_at`."""
        self.config, self.pace = config, pace
        self.now = start if asked_at is None else asked_at
        self.calls: dict[str, float] = {}
        self.counter_of: dict[str, str] = {}
        self.order: dict[str, list[str]] = {}
        self.times: dict[str, list[float]] = {}     # the same calls' times (rising, per counter)
        self.newcomer: dict[str, float] = {}
        self.newcomer_counter: dict[str, str] = {}
        self._cfgs = [c for c in (config.counter(cid) for cid in counters) if c is not None]
        # One line per business and one per counter (its transfers), each in calling order
        # (priority rank, then issue time): a line's head is its best ticket, so a counter looks
        # at one head per business it serves. Entries are (rank, place in time, ticket): the
        # issue time, or where a re-queue put it (Ticket.place_at).
        self._lines: dict[str, list] = {b: [] for c in self._cfgs for b in c.businesses}
        self._direct: dict[str, list] = {c.id: [] for c in self._cfgs}
        for t in sorted(queued, key=lambda t: (priority_rank(config, t), t.place_at, t.number)):
            if t.target_counter:
                line = self._direct.get(t.target_counter)
            else:
                line = self._lines.get(t.business)
            if line is not None:            # else no working counter serves it
                line.append((priority_rank(config, t), t.place_at, t))
        heap = []
        for i, c in enumerate(self._cfgs):
            busy = at_counters.get(c.id)
            free = start if busy is None else max(
                start + pace.gap_s, busy.called_at + pace.call_s(busy.business))
            heap.append((free, i))
        heapq.heapify(heap)
        waiting = {b for c in self._cfgs for b in c.businesses}
        self._steps: list[tuple] = []           # (counter index, ticket id or None, newcomers placed)
        self._checkpoints: list[tuple] = []     # (step, heap, heads, waiting)
        self._newcomer_step: dict[str, int] = {}
        self._play(heap, {}, waiting)

    def _play(self, heap: list, heads: dict, waiting: set) -> None:
        """Play the counters forward from this state to the end, recording every step."""
        now, cap = self.now, self.config.routing.starvation_cap_s
        lines, direct, cfgs = self._lines, self._direct, self._cfgs
        plans = [(c.id, [(pref, b) for pref, b in enumerate(c.businesses)]) for c in cfgs]
        calls, counter_of, order, call_s = self.calls, self.counter_of, self.order, self.pace.call_s
        times = self.times
        steps, checkpoints = self._steps, self._checkpoints
        left = sum(len(x) for x in (*lines.values(), *direct.values())) - sum(heads.values())
        while heap and (left or waiting):
            if len(steps) % CHECKPOINT_EVERY == 0:
                checkpoints.append((len(steps), list(heap), dict(heads), set(waiting)))
            t, i = heapq.heappop(heap)
            cid, serves = plans[i]
            best_key, best_line = None, None
            mine = direct[cid]
            h = heads.get("@" + cid, 0)          # a counter's own line: its transfers
            if h < len(mine):
                rank, issued, _ = mine[h]
                best_key, best_line = (rank, -1, issued), "@" + cid
            for pref, b in serves:
                line = lines[b]
                h = heads.get(b, 0)
                if h < len(line):
                    rank, issued, _ = line[h]
                    key = (rank, 0 if pref > 0 and t - issued >= cap else pref, issued)
                    if best_key is None or key < best_key:
                        best_key, best_line = key, b
            placed = ()
            if waiting:
                for pref, b in serves:
                    # A newcomer of b (no priority, issued now, after everyone queued: a ticket
                    # drawn in since `now` too) against the ticket c takes now.
                    if b in waiting and (best_key is None or (
                            NO_PRIORITY, 0 if pref > 0 and t - now >= cap else pref, math.inf) < best_key):
                        self.newcomer[b] = t
                        self.newcomer_counter[b] = cid
                        self._newcomer_step[b] = len(steps)
                        waiting.discard(b)
                        placed += (b,)
            if best_line is None:
                steps.append((i, None, placed))
                continue                       # this counter has nothing left to call
            line = direct[cid] if best_key[1] == -1 else lines[best_line]
            h = heads.get(best_line, 0)
            ticket = line[h][2]
            heads[best_line] = h + 1
            calls[ticket.id] = t
            counter_of[ticket.id] = cid
            order.setdefault(cid, []).append(ticket.id)
            times.setdefault(cid, []).append(t)
            left -= 1
            steps.append((i, ticket.id, placed))
            heapq.heappush(heap, (t + call_s(ticket.business), i))

    def with_issued(self, ticket) -> "Projection":
        """This projection with one plain ticket (no priority, no target, issued after every
        other) added last to its business's line, replayed from the step it is first taken."""
        new = object.__new__(Projection)
        new.config, new.pace, new.now, new._cfgs = self.config, self.pace, self.now, self._cfgs
        new._direct = self._direct
        new._lines = dict(self._lines)
        line = new._lines.get(ticket.business)
        if line is not None:
            new._lines[ticket.business] = [*line, (NO_PRIORITY, ticket.issued_at, ticket)]
        new.calls, new.counter_of = dict(self.calls), dict(self.counter_of)
        new.order = {c: list(ids) for c, ids in self.order.items()}
        new.times = {c: list(ts) for c, ts in self.times.items()}
        new.newcomer, new.newcomer_counter = dict(self.newcomer), dict(self.newcomer_counter)
        new._newcomer_step = dict(self._newcomer_step)
        step = self._newcomer_step.get(ticket.business)
        if line is None or step is None:       # no working counter serves it: nobody moves
            new._steps, new._checkpoints = self._steps, self._checkpoints
            return new
        k = step // CHECKPOINT_EVERY
        at, heap, heads, waiting = self._checkpoints[k]
        new._steps, new._checkpoints = self._steps[:at], self._checkpoints[:k]
        for i, tid, placed in self._steps[at:]:          # undo what the replay redoes
            if tid is not None:
                del new.calls[tid]
                cid = new.counter_of.pop(tid)
                new.order[cid].pop()
                new.times[cid].pop()
                if not new.order[cid]:
                    del new.order[cid], new.times[cid]
            for b in placed:
                new.newcomer.pop(b, None)
                new.newcomer_counter.pop(b, None)
                new._newcomer_step.pop(b, None)
        new._play(list(heap), dict(heads), set(waiting))
        return new


CHECKPOINT_EVERY = 8
