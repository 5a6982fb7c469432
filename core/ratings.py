"""The customer's rating of a service: from the phone, or the rating pad on the counter's screen."""
from __future__ import annotations

from .clock import business_day
from .day_config import DayPlan
from .errors import Conflict, HallError, NotFound
from .events import TicketRated
from .store import Store
from .tickets import DONE, Ticket

SCORES = (1, 2, 3, 4)


class Ratings:
    def __init__(self, plan: DayPlan, store: Store, clock):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.tz = plan.tz

    def rate(self, ticket_id: str, score: int, comment: str | None) -> tuple[Ticket, list]:
        if score not in SCORES:
            raise HallError("bad_score", "评价须为 1–4(4 非常满意 · 3 满意 · 2 一般 · 1 不满意)")
        with self.store.write() as tx:
            t = tx.ticket(ticket_id)
            if t is None:
                raise NotFound("unknown_ticket", "没有找到这张号票")
            if t.status != DONE:
                raise Conflict("not_done", "业务办理完成后才能评价")
            if tx.rating(ticket_id) is not None:
                raise Conflict("already_rated", "这张号票已经评价过了,感谢您的反馈")
            now = self.clock.now()
            tx.insert_rating(ticket_id, score, comment, now)
            tx.append_event(at=now, day=business_day(now, self.tz), kind="rated", ticket=t,
                            counter=t.counter, clerk=t.clerk, score=score)
        return t, [TicketRated(t, score)]

    def rate_at_counter(self, counter_id: str, score: int, comment: str | None,
                        window_s: float = 120.0) -> tuple[Ticket, list]:
        """The counter's rating pad: rates the service the counter finished last, if recent."""
        if self.plan.config.counter(counter_id) is None:
            raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
        with self.store.read() as tx:
            last = tx.last_finished(counter_id, self.clock.now() - window_s)
        if last is None:
            raise Conflict("nothing_to_rate", "暂无可评价的服务")
        return self.rate(last["ticket"], score, comment)

    def rated(self, ticket_id: str) -> bool:
        with self.store.read() as tx:
            return tx.rating(ticket_id) is not None
