"""A second business in the same visit: the customer at the window also wants another thing
done. The clerk finishes the first business (counted with its own standard) and either serves
the second at once, on the same ticket (`serve`), or sends only that part to its queue
(`queue`), where the ticket keeps its issue time. Statistics count both services, each with its
business's standard (core/stats.py)."""
from __future__ import annotations

from . import tickets as T
from .errors import Conflict, HallError, NotFound
from .events import TicketChanged
from .serving import ServingPart
from .tickets import Ticket

HOW = ("serve", "queue")


class SecondBusiness(ServingPart):
    def add(self, counter_id: str, clerk: str, business: str, how: str = "serve"
            ) -> tuple[Ticket, list]:
        config = self.plan.config
        b = config.business(business)
        if b is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        if how not in HOW:
            raise HallError("unknown_how", "请选择「本窗口接着办理」或「转到该业务排队」")
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.serving.counter(tx, counter_id, clerk)
            t = self.serving._current(tx, c, (T.SERVING,), "加办业务")
            if business == t.business:
                raise Conflict("same_business", f"客户正在办理的就是{self.plan.business_name(business)}")
            cfg = config.counter(counter_id)
            if how == "serve" and business not in cfg.businesses:
                raise Conflict("not_for_this_counter",
                               f"{self.plan.counter_name(counter_id)}不办理{self.plan.business_name(business)},"
                               "请选择「转到该业务排队」")
            self.serving._refuse_open_checklist(t)
            finished = self.serving._finish(tx, now, day, c, t)
            if how == "serve":
                nxt = t.with_(business=business, status=T.SERVING, started_at=now, ended_at=None,
                              checklist=None)
                tx.save_counter(c.with_(current_ticket=nxt.id, updated_at=now))
            else:                   # the customer leaves the window: its pad and rating follow
                events.append(finished)
                nxt = t.with_(business=business, status=T.TRANSFERRED, queued_at=now,
                              target_counter=None, counter=None, clerk=None, called_at=None,
                              last_called_at=None, recalls=0, started_at=None, ended_at=None,
                              checklist=None)
            tx.save_ticket(nxt)
            tx.append_event(at=now, day=day, kind="business_added", ticket=nxt, counter=counter_id,
                            clerk=clerk, from_business=t.business, to_business=business, how=how)
        events.append(TicketChanged(nxt, "business_added"))
        return nxt, events

