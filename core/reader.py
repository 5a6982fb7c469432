"""The reading side of the hall: snapshots of the queue, tickets, counters, the event log."""
from __future__ import annotations

import json
from datetime import date, timedelta

from . import stats
from .clock import SystemClock, business_day
from .config import HallConfig
from .day_config import DayConfig
from .errors import NotFound
from .estimates import QueueSnapshot
from .projection import AtCounter, Pace
from .store import Store
from .tickets import CounterState, Ticket

STATS_KEPT = 8       # date ranges whose statistics are kept


def _days(day_from: str, day_to: str) -> list[str]:
    first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


class HallReader(DayConfig):
    def __init__(self, config: HallConfig, store: Store, clock=None):
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = config.hall.tz
        self._stats_cache: dict[tuple, dict] = {}
        self._init_day_config(config)

    def today(self) -> str:
        return business_day(self.clock.now(), self.tz)

    def issuing(self) -> dict:
        """Ticket issuing: mode normal · paused · limited, the manager's message, open businesses."""
        with self.store.read() as tx:
            raw = tx.setting("issuing")
        return json.loads(raw) if raw else {"mode": "normal", "message": "", "businesses": []}

    def business_estimates(self) -> dict[str, dict]:
        """Per business: how many wait, and what a ticket taken now would be told."""
        snap = self.snapshot()
        counts = self.waiting_counts()
        out = {}
        for b in self.config.businesses:
            ahead, wait = snap.for_newcomer(b.code)
            out[b.code] = {"waiting": counts.get(b.code, 0), "ahead": ahead, "estimated_wait_s": wait}
        return out

    def version(self) -> int:
        """The event log's newest number: every change of the hall appends to it."""
        with self.store.read() as tx:
            return tx.last_seq()

    def as_of(self, read):
        """(read(), the version it shows at least): `read` may take several reads of the store;
        the version is the hall's before them (exactly the one they show when nothing changed
        meanwhile: the common case). Pages paint only answers at least as new as theirs. Not
        read again on a change: under a busy hall's churn that tripled every answer's cost."""
        before = self.version()
        return read(), before

    def undoable_no_show(self, counter_id: str) -> dict | None:
        """The no-show this counter may still undo: its number and until when (hall time)."""
        with self.store.read() as tx:
            last = tx.last_turn(counter_id)
        if not last or last["kind"] != "no_show":
            return None
        until = last["at"] + self.config.routing.no_show_undo_s
        return {"number": last["number"], "until_ts": until} if self.clock.now() <= until else None

    def rated(self, ticket_id: str) -> bool:
        with self.store.read() as tx:
            return tx.rating(ticket_id) is not None

    def counter_name(self, counter_id: str) -> str:
        c = self.config.counter(counter_id)
        return c.name if c else counter_id

    # --- reading --------------------------------------------------------------------
    def snapshot(self) -> QueueSnapshot:
        now = self.clock.now()
        routing = self.config.routing
        with self.store.read() as tx:
            queued, counters = tx.queued_tickets(), tx.counters()

        def history() -> tuple[Pace, dict[str, AtCounter]]:
            with self.store.read() as rtx:
                ended = rtx.recent_ends(now - routing.estimate_horizon_s, routing.estimate_window)
                at_counters = rtx.at_counters()
            return Pace(self.config, ended), at_counters

        return QueueSnapshot(self.config, queued, counters, now, history)

    def waiting_counts(self) -> dict[str, int]:
        """Business code → tickets waiting in its queue (every business, zeros included)."""
        with self.store.read() as tx:
            counts = tx.queued_counts()
        return {b.code: counts.get(b.code, 0) for b in self.config.businesses}

    def ticket(self, ticket_id: str) -> Ticket:
        with self.store.read() as tx:
            t = tx.ticket(ticket_id)
        if t is None:
            raise NotFound("unknown_ticket", "没有找到这张号票")
        return t

    def ticket_today(self, number: str) -> Ticket | None:
        """Today's ticket called by this number (A007), whatever its state now; None if none."""
        with self.store.read() as tx:
            return tx.ticket_of_day(self.today(), number)

    def tickets(self, ids: list[str]) -> list[Ticket]:
        with self.store.read() as tx:
            return tx.tickets(ids)

    def counters(self) -> dict[str, CounterState]:
        with self.store.read() as tx:
            return tx.counters()

    def last_calls(self, limit: int = 10) -> list[dict]:
        with self.store.read() as tx:
            return tx.last_calls(limit)

    def events(self, day_from: str, day_to: str, kinds: tuple[str, ...] | None = None) -> list[dict]:
        with self.store.read() as tx:
            return tx.events(day_from, day_to, kinds)

    def statistics(self, day_from: str, day_to: str) -> dict:
        """stats.compute over these days: past days from their kept tallies (each worked out
        once), today from the log. The answer is kept while nothing can have changed it (a
        range of past days until the day ends, one with today until the next event): the page
        and its six CSV exports read the same range one after the other."""
        today = self.today()
        mark = None
        if day_to >= today:
            with self.store.read() as tx:
                mark = tx.last_seq()
        key = (day_from, day_to, today, mark, id(self.config))
        result = self._stats_cache.get(key)
        if result is None:
            tally = self._past_tally(day_from, min(day_to, _day_before(today)))
            if day_to >= today:
                tally.add(self.config, self.events(max(day_from, today), day_to))
            follow_ups = stats.follow_ups(self.events(day_from, day_to, stats.FOLLOW_UP_KINDS), today)
            result = {**tally.result(self.config), "follow_ups": follow_ups}
            while len(self._stats_cache) >= STATS_KEPT:
                self._stats_cache.pop(next(iter(self._stats_cache)))
            self._stats_cache[key] = result
        return result

    def keep_tallies(self, days: int = 366, pause=lambda: None) -> None:
        """Count the past `days` not kept yet, a week at a time with `pause()` between (run in
        the background after start-up, so the first look at a year is not the slow one)."""
        yesterday = date.fromisoformat(_day_before(self.today()))
        for start in range(days, 0, -7):
            first = yesterday - timedelta(days=start - 1)
            last = min(yesterday, first + timedelta(days=6))
            self._past_tally(first.isoformat(), last.isoformat())
            pause()

    def _past_tally(self, day_from: str, day_to: str) -> stats.Tally:
        """The sum of these past days' tallies, counting (and keeping) the days not kept yet."""
        total = stats.Tally()
        if day_from > day_to:
            return total
        key = stats.fingerprint(self.config)
        with self.store.read() as tx:
            kept = tx.day_tallies(day_from, day_to, key)
        days = _days(day_from, day_to)
        missing = [d for d in days if d not in kept]
        if missing:
            by_day: dict[str, list[dict]] = {d: [] for d in missing}
            for e in self.events(missing[0], missing[-1]):
                if e["day"] in by_day:
                    by_day[e["day"]].append(e)
            counted = {}
            for day, events in by_day.items():
                t = stats.Tally()
                t.add(self.config, events)
                counted[day] = t.to_json()
            with self.store.write() as tx:
                tx.save_day_tallies(counted, key)
            kept.update(counted)
        for day in days:
            total.merge(stats.Tally.from_json(kept[day]))
        return total
