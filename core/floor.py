"""The manager's commands on the floor: pause or limit ticket issuing (emergency mode), and
change the businesses a counter serves for the day (written into the day's plan)."""
from __future__ import annotations

import json

from . import day_config
from .day_config import DayPlan
from .clock import business_day
from .errors import Conflict, HallError, NotFound
from .events import CounterChanged, IssuingChanged
from .picture import Pictures
from .store import Store

ISSUING_MODES = ("normal", "paused", "limited")


class Floor:
    def __init__(self, plan: DayPlan, store: Store, clock, pictures: Pictures):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.pictures = pictures
        self.tz = plan.tz

    def issuing(self) -> dict:
        """Ticket issuing: mode normal · paused · limited, the manager's message, open businesses."""
        return json.loads(json.dumps(self.pictures.current().issuing))

    @staticmethod
    def check_issuing(b, state: dict) -> None:
        """Refuse a ticket of business `b` while issuing (`state`, read in the issue's own
        transaction) is paused, or limited to others."""
        if state["mode"] == "paused":
            raise Conflict("issuing_paused", state["message"] or "暂停取号,请咨询导购")
        if state["mode"] == "limited" and b.code not in state["businesses"]:
            raise Conflict("business_closed", state["message"] or f"{b.name}暂停取号,请咨询导购")

    def set_issuing(self, mode: str, message: str = "", businesses: list[str] | None = None,
                    by: str | None = None) -> tuple[dict, list]:
        """Pause ticket issuing, limit it to some businesses, or reopen it (emergency mode)."""
        if mode not in ISSUING_MODES:
            raise HallError("bad_issuing_mode", f"取号状态须为 {' / '.join(ISSUING_MODES)} 之一")
        businesses = list(businesses or [])
        for code in businesses:
            if self.plan.config.business(code) is None:
                raise NotFound("unknown_business", f"没有代码为 {code} 的业务")
        if mode == "limited" and not businesses:
            raise HallError("businesses_missing", "限制取号时请指定仍可办理的业务")
        state = {"mode": mode, "message": message, "businesses": businesses if mode == "limited" else []}
        now = self.clock.now()
        with self.store.write() as tx:
            tx.set_setting("issuing", json.dumps(state, ensure_ascii=False))
            tx.append_event(at=now, day=business_day(now, self.tz), kind="issuing", clerk=by, **state)
        return state, [IssuingChanged(state)]

    def set_counter_businesses(self, counter_id: str, businesses: list[str] | None,
                               by: str | None = None) -> tuple[dict, list]:
        """What a counter serves today, in order of preference; None gives it back the
        config's list. Refused when some business would be left with no counter."""
        base = self.plan.base_config.counter(counter_id)
        if base is None:
            raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
        if businesses is not None:
            for code in businesses:
                if self.plan.base_config.business(code) is None:
                    raise NotFound("unknown_business", f"没有代码为 {code} 的业务")
            if not businesses:
                raise HallError("businesses_missing", "请至少选择一项业务(不办理业务请关闭窗口)")
            if len(set(businesses)) != len(businesses):
                raise HallError("businesses_repeated", "业务重复")
            if list(businesses) == list(base.businesses):
                businesses = None
        now = self.clock.now()
        day = business_day(now, self.tz)
        with self.store.write() as tx:       # two managers at once: neither loses the other's change
            changes = dict(self.plan.day_changes(tx))
            if businesses is None:
                changes.pop(counter_id, None)
            else:
                changes[counter_id] = list(businesses)
            day_config.apply(self.plan.base_config, changes)     # refuses a business left unserved
            tx.set_setting(day_config.SETTING, json.dumps({"day": day, "counters": changes}))
            tx.append_event(at=now, day=day, kind="counter_businesses", counter=counter_id, clerk=by,
                            businesses=businesses or list(base.businesses), reset=businesses is None)
            state = tx.counter(counter_id)
            current = tx.ticket(state.current_ticket) if state.current_ticket else None
        self.plan.changed()
        serving = list(businesses or base.businesses)
        return {"counter": counter_id, "businesses": serving, "changed_today": businesses is not None}, \
            [CounterChanged(state, "businesses", current)]
