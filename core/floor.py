"""Emergency issuing: the manager pauses or limits ticket issuing. Mixed into Hall (it shares
its store, clock and config)."""
from __future__ import annotations

import json

from .clock import business_day
from .errors import Conflict, HallError, NotFound
from .events import IssuingChanged

ISSUING_MODES = ("normal", "paused", "limited")


class FloorCommands:
    def _check_issuing(self, b) -> None:
        state = self.issuing()
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
            if self.config.business(code) is None:
                raise NotFound("unknown_business", f"没有代码为 {code} 的业务")
        if mode == "limited" and not businesses:
            raise HallError("businesses_missing", "限制取号时请指定仍可办理的业务")
        state = {"mode": mode, "message": message, "businesses": businesses if mode == "limited" else []}
        now = self.clock.now()
        with self.store.write() as tx:
            tx.set_setting("issuing", json.dumps(state, ensure_ascii=False))
            tx.append_event(at=now, day=business_day(now, self.tz), kind="issuing", clerk=by, **state)
        return state, [IssuingChanged(state)]
