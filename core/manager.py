"""What the duty manager watches: every counter with its service timer against the standard,
every queue with its longest wait and the promise a new ticket would get, issuing, alerts.
Mixed into Hall (it reads through the hall's store, clock and config)."""
from __future__ import annotations

from .clock import business_day, iso
from .tickets import CLOSED, SERVING


class ManagerBoard:
    def hall_board(self) -> dict:
        """The live hall from one set of reads (devices are added by the web layer: the core
        does not know them)."""
        config = self.config
        now = self.clock.now()
        snap = self.snapshot()
        counters = self.counters()
        current = {t.id: t for t in self.tickets([c.current_ticket for c in counters.values()
                                                  if c.current_ticket])}
        changed = self.day_changes()
        board_counters = []
        for c in config.counters:
            s = counters[c.id]
            t = current.get(s.current_ticket) if s.current_ticket else None
            b = config.business(t.business) if t else None
            begin = (t.started_at or t.last_called_at or t.called_at) if t else None
            board_counters.append({
                "id": c.id, "name": c.name, "state": s.state, "clerk": s.clerk,
                "since": iso(s.updated_at, self.tz) if s.updated_at else None,
                "state_s": round(now - s.updated_at) if s.updated_at else None,
                "businesses": list(c.businesses), "changed_today": c.id in changed,
                "configured_businesses": list(self.base_config.counter(c.id).businesses),
                "waiting": snap.line_length(c.id) if s.state != CLOSED else None,
                "current": None if t is None else {
                    "number": t.number, "business": t.business,
                    "business_name": b.name if b else t.business, "status": t.status,
                    "serving": t.status == SERVING,
                    "elapsed_s": round(now - begin) if begin else None,
                    "target_s": b.target_s if b else None, "max_s": b.max_s if b else None},
            })
        longest: dict[str, float] = {}
        for q in snap.queued:
            longest[q.business] = max(longest.get(q.business, 0.0), now - q.issued_at)
        counts = self.waiting_counts()
        businesses = []
        for b in config.businesses:
            ahead, wait = snap.for_newcomer(b.code)
            businesses.append({
                "code": b.code, "name": b.name, "line": b.line, "waiting": counts.get(b.code, 0),
                "longest_wait_s": round(longest[b.code]) if b.code in longest else None,
                "new_ticket_wait_s": wait, "target_s": b.target_s, "max_s": b.max_s,
                "counters": [c.id for c in config.counters_serving(b.code)
                             if counters[c.id].state != CLOSED]})
        return {
            "today": business_day(now, self.tz), "now_ts": now,
            "target_wait_s": config.hall.target_wait_s, "wait_alert_s": config.alerts.wait_s,
            "queue_alert": config.alerts.queue_length,
            "counters": board_counters, "businesses": businesses,
            "waiting_total": sum(counts.values()),
            "issuing": self.issuing(),
            "alerts": [self.alert_view(a) for a in self.alerts()],
        }
