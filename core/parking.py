"""A customer who steps away from the window (to fetch a document, to pay elsewhere) is parked
at that counter: the clerk serves others and calls them back there, ahead of the line, when they
return; a ticket parked for `routing.park_return_s` is back in line by itself, first for that
counter (docs/routing.md)."""
from __future__ import annotations

from . import tickets as T
from .errors import Conflict
from .events import TicketCalled, TicketChanged
from .serving import STATUS_ZH, ServingPart
from .tickets import Ticket


class Parking(ServingPart):
    def park(self, counter_id: str, clerk: str, reason: str | None = None) -> tuple[Ticket, list]:
        """Park the counter's customer (called or being served); the window is free to call."""
        rules = self.plan.config.routing
        if rules.park_limit == 0:
            raise Conflict("parking_off", "本厅未启用暂挂")
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.serving.counter(tx, counter_id, clerk)
            t = self.serving._current(tx, c, T.AT_COUNTER, "暂挂")
            held = tx.parked_tickets(counter_id)
            if len(held) >= rules.park_limit:
                raise Conflict("park_limit",
                               f"{self.plan.counter_name(counter_id)}已有 {len(held)} 位暂挂客户"
                               f"({'、'.join(p.number for p in held)}),请先叫回", limit=rules.park_limit)
            parked = t.with_(status=T.PARKED, parked_at=now)
            tx.save_ticket(parked)
            tx.save_counter(c.with_(current_ticket=None, updated_at=now))
            tx.append_event(at=now, day=day, kind="parked", ticket=parked, counter=counter_id,
                            clerk=clerk, reason=reason, was=t.status,
                            service_s=round(now - t.started_at, 3) if t.started_at else None,
                            returns_at=now + rules.park_return_s)
        events.append(TicketChanged(parked, "parked"))
        return parked, events

    def call_parked(self, counter_id: str, clerk: str, ref: str) -> tuple[Ticket, list]:
        """Call a ticket parked here back to the window (its token or today's number). The rules
        of any call hold (no double press; the customer in hand started, and finished here)."""
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.serving.counter(tx, counter_id, clerk)
            t = self.serving._find(tx, ref, day)
            if t.status != T.PARKED:
                raise Conflict("ticket_not_parked",
                               f"{t.number} 当前状态为{STATUS_ZH[t.status]},不是暂挂的号码")
            if t.counter != counter_id:
                raise Conflict("parked_elsewhere", f"{t.number} 暂挂在{self.plan.counter_name(t.counter)},"
                               "请由该窗口叫回")
            self.serving._ready_to_call(tx, c, now, day, events)
            back = t.with_(status=T.CALLED, clerk=clerk, called_at=now, last_called_at=now,
                           recalls=0, started_at=None, ended_at=None, parked_at=None)
            tx.save_ticket(back)
            tx.save_counter(c.with_(current_ticket=back.id, updated_at=now))
            tx.append_event(at=now, day=day, kind="unparked", ticket=back, counter=counter_id,
                            clerk=clerk, how="called", parked_s=round(now - t.parked_at, 3))
        events.append(TicketCalled(back, counter_id, recall=False))
        return back, events

    def return_due(self) -> tuple[int, list]:
        """Tickets parked `routing.park_return_s` or longer go back in line by themselves,
        first for their counter (for their business when the counter has closed since).
        The floor watcher's tick: a read, and a write only when one is due."""
        after = self.plan.config.routing.park_return_s
        now = self.clock.now()
        with self.store.read() as tx:
            if not any(now - t.parked_at >= after for t in tx.parked_tickets()):
                return 0, []
        events: list = []
        returned = 0
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            for t in tx.parked_tickets():
                if now - t.parked_at < after:
                    continue
                open_ = tx.counter(t.counter).state != T.CLOSED if t.counter else False
                back = t.with_(status=T.WAITING, queued_at=now, parked_at=None,
                               target_counter=t.counter if open_ else None, counter=None,
                               clerk=None, called_at=None, last_called_at=None, recalls=0,
                               started_at=None)
                tx.save_ticket(back)
                tx.append_event(at=now, day=day, kind="unparked", ticket=back, counter=t.counter,
                                clerk=t.clerk, how="returned", parked_s=round(now - t.parked_at, 3),
                                to_counter=back.target_counter)
                events.append(TicketChanged(back, "unparked"))
                returned += 1
        return returned, events

    def parked(self, counter_id: str) -> list[Ticket]:
        with self.store.read() as tx:
            return tx.parked_tickets(counter_id)
