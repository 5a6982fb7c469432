"""The business day's end: yesterday's leftovers closed by the first command of a new day, and
the day ended by hand (reset_day: live tickets close, counters close, numbering restarts)."""
from __future__ import annotations

from . import tickets as T
from .clock import business_day
from .events import DayClosed
from .store import Store, Tx
from .tickets import Ticket


class DayEnd:
    def __init__(self, store: Store, clock, tz):
        self.store = store
        self.clock = clock
        self.tz = tz
        self._seen_day: str | None = None

    def begin(self, tx: Tx, events: list) -> tuple[float, str]:
        """Now and today's business day; on the first command of a new day, close the old one."""
        now = self.clock.now()
        day = business_day(now, self.tz)
        if day != self._seen_day:
            closed = self._close_live(tx, now, day, tx.live_tickets(before_day=day), reason="day_end")
            if closed:
                # Cached only once nothing is left to close: this transaction may still roll back.
                events.append(DayClosed(day=day, closed_tickets=closed))
            else:
                self._seen_day = day
        return now, day

    def reset_day(self) -> tuple[int, list]:
        """End the business day now: live tickets close, counters close, numbering restarts."""
        with self.store.write() as tx:
            now = self.clock.now()
            day = business_day(now, self.tz)
            closed = self._close_live(tx, now, day, tx.live_tickets(), reason="day_reset")
            for c in tx.counters().values():
                if c.state != T.CLOSED:
                    tx.save_counter(c.with_(state=T.CLOSED, clerk=None, current_ticket=None,
                                            updated_at=now))
            tx.restart_numbers(day)
            tx.append_event(at=now, day=day, kind="day_closed", closed=closed)
        return closed, [DayClosed(day=day, closed_tickets=closed)]

    def _close_live(self, tx: Tx, now: float, day: str, live: list[Ticket], reason: str) -> int:
        for t in live:
            status = T.DONE if t.status == T.SERVING else T.NO_SHOW
            tx.save_ticket(t.with_(status=status, ended_at=now))
            tx.append_event(at=now, day=day, kind="finished" if status == T.DONE else "no_show",
                            ticket=t, counter=t.counter, clerk=t.clerk, reason=reason)
        if live:
            for c in tx.counters().values():
                if c.current_ticket or c.state != T.CLOSED:
                    tx.save_counter(c.with_(state=T.CLOSED, clerk=None, current_ticket=None,
                                            updated_at=now))
        return len(live)
