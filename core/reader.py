"""The reading side of the hall: snapshots of the queue, tickets, counters, the event log."""
from __future__ import annotations

import json

from .clock import SystemClock, business_day
from .config import HallConfig
from .day_config import DayConfig
from .errors import NotFound
from .estimates import QueueSnapshot
from .picture import LAST_CALLS, Picture, Pictures, estimates
from .statistics import HallStatistics
from .store import Store
from .tickets import CounterState, Ticket


class HallReader(DayConfig):
    def __init__(self, config: HallConfig, store: Store, clock=None):
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = config.hall.tz
        self._init_day_config(config)
        self.pictures = Pictures(store, self.clock, lambda: self.config)
        self.statistics_part = HallStatistics(config, store, self.clock)

    def today(self) -> str:
        return business_day(self.clock.now(), self.tz)

    def picture(self) -> Picture:
        """The hall now (core/picture.py): read once per change, shared by every screen."""
        return self.pictures.current()

    def issuing(self) -> dict:
        """Ticket issuing: mode normal · paused · limited, the manager's message, open businesses."""
        return json.loads(json.dumps(self.picture().issuing))

    def business_estimates(self) -> dict[str, dict]:
        """Per business: how many wait, and what a ticket taken now would be told."""
        return estimates(self.picture())

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
        return self.picture().queue

    def placing(self, ticket: Ticket) -> QueueSnapshot:
        """A snapshot that places this ticket, cheaply in a burst of issues (core/picture.py)."""
        return self.pictures.placing(ticket).queue

    def waiting_counts(self) -> dict[str, int]:
        """Business code → tickets waiting in its queue (every business, zeros included)."""
        return dict(self.picture().counts)

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
        return dict(self.picture().counters)

    def last_calls(self, limit: int = 10) -> list[dict]:
        if limit <= LAST_CALLS:
            return self.picture().last_calls[:limit]
        with self.store.read() as tx:
            return tx.last_calls(limit)

    def events(self, day_from: str, day_to: str, kinds: tuple[str, ...] | None = None) -> list[dict]:
        with self.store.read() as tx:
            return tx.events(day_from, day_to, kinds)

    # --- the manager's statistics: their own part (core/statistics.py) ----------------
    def statistics(self, day_from: str, day_to: str) -> dict:
        """stats.compute over these days: past days summed from their kept tallies, today from
        the log."""
        return self.statistics_part.of_days(day_from, day_to)

    def keep_tallies(self, days: int = 366, pause=lambda: None) -> None:
        """Count the past `days` not kept yet, a week at a time with `pause()` between (run in
        the background after start-up, so the first look at a year is not the slow one)."""
        self.statistics_part.keep_days(days, pause)
