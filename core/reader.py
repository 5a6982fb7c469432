"""The reading side of the hall: the picture (core/picture.py) and what is read from it, tickets,
the event log."""
from __future__ import annotations

from .clock import business_day
from .errors import NotFound
from .estimates import QueueSnapshot
from .picture import LAST_CALLS, Picture, Pictures, estimates
from .store import Store
from .tickets import CounterState, Ticket


class HallReader:
    def __init__(self, store: Store, clock, pictures: Pictures, tz):
        self.store = store
        self.clock = clock
        self.pictures = pictures
        self.tz = tz

    def today(self) -> str:
        return business_day(self.clock.now(), self.tz)

    def picture(self) -> Picture:
        """The hall now (core/picture.py): read once per change, shared by every screen."""
        return self.pictures.current()

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

    def snapshot(self) -> QueueSnapshot:
        return self.picture().queue

    def placing(self, ticket: Ticket) -> QueueSnapshot:
        """A snapshot that places this ticket, cheaply in a burst of issues (core/picture.py)."""
        return self.pictures.placing(ticket).queue

    def waiting_counts(self, after: Ticket | None = None) -> dict[str, int]:
        """Business code → tickets waiting in its queue (every business, zeros included); just
        `after` a ticket's issue, from the picture that issue kept (no read)."""
        p = self.picture() if after is None else self.pictures.placing(after)
        return dict(p.counts)

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
