"""Priority given on the floor: the guide or a clerk puts a waiting customer in a priority class
of the config (disabled, pregnant, military, a star customer …), with who and why in the log.
A new ticket issued with a class by staff is logged the same way (core/issuing.py)."""
from __future__ import annotations

from .errors import Conflict, HallError
from .events import TicketChanged
from .serving import STATUS_ZH, ServingPart
from .tickets import Ticket


class FloorPriority(ServingPart):
    def give(self, ref: str, priority: str | None, by: str, note: str | None = None
             ) -> tuple[Ticket, list]:
        """Put a waiting ticket of today (its token or number) in class `priority` (None: back
        to no class, a mistake undone). Its place follows from the rule (docs/routing.md)."""
        config = self.plan.config
        cls = config.priority_class(priority) if priority is not None else None
        if priority is not None and cls is None:
            names = "、".join(f"{c.name}({c.code})" for c in config.priority_classes)
            raise HallError("unknown_priority", f"没有代码为 {priority} 的优先类别,可选:{names}",
                            field="priority")
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            t = self.serving._find(tx, ref, day)
            if not t.queued:
                raise Conflict("ticket_not_waiting",
                               f"{t.number} 当前状态为{STATUS_ZH[t.status]},只能给排队中的号码设为优先")
            if t.priority == priority:
                return t, events
            given = t.with_(priority=priority)
            tx.save_ticket(given)
            tx.append_event(at=now, day=day, kind="priority_given", ticket=given, clerk=by,
                            priority=priority, before=t.priority, note=note, at_issue=False)
        events.append(TicketChanged(given, "priority_given"))
        return given, events


def log_at_issue(tx, now: float, day: str, t: Ticket, by: str, note: str | None = None) -> None:
    """A ticket issued in a priority class by staff (the guide's 绿色通道): who and why."""
    tx.append_event(at=now, day=day, kind="priority_given", ticket=t, clerk=by,
                    priority=t.priority, before=None, note=note, at_issue=True)

