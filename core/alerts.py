"""Alerts: what staff must see until someone acknowledges it, kept in the event log.
Devices raise them here (a printer out of paper, a reader fault); the server's watch raises the
rest (`watch_floor`)."""
from __future__ import annotations

from . import presenters, tickets as T
from .clock import business_day, day_start
from .errors import Conflict, NotFound
from .events import AlertChanged
from .presenters.board import DEVICE_KINDS, DEVICE_STATES
from .standards import service_limit_s
from .day_config import DayPlan
from .reader import HallReader
from .staff import StaffAccounts, shown_name
from .store import Store

# Alerts whose end is their resolution: once the condition is over nobody needs to act, so the
# alert leaves the pages (cleared and acknowledged by the hall itself, both in the event log).
SELF_RESOLVING = ("called",)
SYSTEM = "system"
PER_TICKET = ("long_service", "called")     # subject "<counter>:<ticket>": ends with the ticket


class AlertDesk:
    def __init__(self, plan: DayPlan, store: Store, clock, reader: HallReader,
                 staff: StaffAccounts):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.reader = reader
        self.staff = staff              # who acknowledged, by name
        self.tz = plan.tz

    def staff_name(self, username: str | None) -> str | None:
        if not username:
            return username
        return shown_name(self.staff.get(username), username)

    def alert_details(self, views: list[dict]) -> list[dict]:
        """Alert views with the tickets the called-not-come ones name (presenters.floor)."""
        ids = presenters.floor.called_ticket_ids(views)
        tickets = {t.id: t for t in self.reader.tickets(ids)} if ids else {}
        return presenters.floor.alert_details(self.plan.config, views, tickets)

    def _sync_alert(self, tx, now: float, day: str, kind: str, subject: str, bad: bool,
                    message: str, state: str | None = None) -> AlertChanged | None:
        """Raise (or update) the alert for `subject` while `bad`, clear it once not: at most one
        unacknowledged alert per kind and subject, every change in the event log."""
        open_alert = tx.unacked_alert(kind, subject)
        if bad:
            if open_alert is None:
                alert = tx.insert_alert(kind, subject, state, message, now)
            elif open_alert["cleared_at"] is None and open_alert["state"] == state \
                    and open_alert["message"] == message:
                return None                                   # nothing new to say
            else:
                alert = tx.update_alert(open_alert["id"], state=state, message=message, cleared_at=None)
            tx.append_event(at=now, day=day, kind="alert", alert=alert["id"], alert_kind=kind,
                            subject=subject, state=state)
            return AlertChanged(alert, "raised")
        if open_alert is not None and open_alert["cleared_at"] is None:
            alert = tx.update_alert(open_alert["id"], cleared_at=now)
            tx.append_event(at=now, day=day, kind="alert_cleared", alert=alert["id"],
                            alert_kind=kind, subject=subject)
            return AlertChanged(alert, "cleared")
        return None

    def record_device(self, payload: dict) -> tuple[dict, list]:
        """A device's status changed: into the event log, and an alert raised or cleared.
        `paper_near_end` still prints but needs a person soon, so it alerts too."""
        now = self.clock.now()
        day = business_day(now, self.tz)
        bad = not payload["ok"] or payload["state"] == "paper_near_end"
        place = presenters.board.device_place(self.plan.config, payload)
        message = (f"{place}{DEVICE_KINDS.get(payload['kind'], payload['kind'])}"
                   f"{DEVICE_STATES.get(payload['state'], '故障:' + payload['state'])}")
        with self.store.write() as tx:
            tx.append_event(at=now, day=day, kind="device",
                            counter=payload.get("counter"), device=payload["device"],
                            device_kind=payload["kind"], kiosk=payload.get("kiosk"),
                            ok=payload["ok"], state=payload["state"])
            change = self._sync_alert(tx, now, day, "device", payload["device"], bad, message,
                                      payload["state"])
        return payload, [change] if change else []

    def watch_floor(self) -> tuple[int, list]:
        """What the server checks every few seconds: a service over its business's maximum, a
        customer called and not come (not started) for longer than `[alerts] called_s`, a wait
        over the hall's threshold, a queue over its length, a counter paused too long.
        Raises what started, clears what ended. Returns how many alerts are up."""
        cfg = self.plan.config
        limits = cfg.alerts
        now = self.clock.now()
        day = business_day(now, self.tz)
        counters = self.reader.counters()
        snap_queued = self.reader.snapshot().queued
        current = {t.id: t for t in self.reader.tickets([c.current_ticket for c in counters.values()
                                                  if c.current_ticket])}
        checks: list[tuple[str, str, bool, str]] = []
        for c in cfg.counters:
            s = counters[c.id]
            t = current.get(s.current_ticket) if s.current_ticket else None
            if t is not None and t.day != day:
                t = None        # yesterday's leftover, closed by the day's first action: no alert
            if t is not None and t.status == T.SERVING:
                b = cfg.business(t.business)
                limit = service_limit_s(b)
                since = t.started_at or t.called_at
                over = bool(limit and since and now - since > limit)
                checks.append(("long_service", f"{c.id}:{t.id}", over,
                               f"{c.name} {t.number}({b.name if b else t.business})办理已超过 "
                               f"{round((limit or 0) / 60)} 分钟上限"))
            elif t is not None and t.status == T.CALLED and t.called_at:
                # Called, never started: the customer may not have heard, or has left. Cleared
                # when the clerk starts, marks the no-show or transfers (the ticket leaves).
                waited = now - t.called_at
                checks.append(("called", f"{c.id}:{t.id}", waited > limits.called_s,
                               f"{c.name} {t.number} 叫号超过 {_minutes(limits.called_s)}仍未到窗口"
                               f"(可重呼、到等候区找客户,或由窗口按过号处理)"))
            paused_for = now - (s.updated_at or now) if s.state == T.PAUSED else 0
            checks.append(("long_pause", c.id, paused_for > limits.pause_s,
                           f"{c.name}已暂停服务 {round(paused_for / 60)} 分钟"))
        oldest: dict[str, float] = {}
        counts: dict[str, int] = {}
        since = day_start(day, self.tz)
        for q in snap_queued:
            if q.issued_at < since:
                continue        # yesterday's leftovers, closed by the day's first action
            counts[q.business] = counts.get(q.business, 0) + 1
            oldest[q.business] = min(oldest.get(q.business, q.issued_at), q.issued_at)
        for b in cfg.businesses:
            waited = now - oldest[b.code] if b.code in oldest else 0
            checks.append(("long_wait", b.code, waited > limits.wait_s,
                           f"{b.name}最长已等候 {round(waited / 60)} 分钟(超过 {round(limits.wait_s / 60)} 分钟)"))
            n = counts.get(b.code, 0)
            checks.append(("long_queue", b.code, n > limits.queue_length,
                           f"{b.name}排队 {n} 人(超过 {limits.queue_length} 人)"))
        with self.store.read() as tx:               # most ticks change nothing: no write then
            if not _changes(tx.uncleared_alerts(), checks):
                return len(tx.unacked_alerts_up()), []
        events = []
        with self.store.write() as tx:
            # Alerts whose condition has not ended, acknowledged or not: an acknowledged one
            # stays quiet while the condition lasts and is closed when it ends.
            for kind, subject, bad, message, a in _changes(tx.uncleared_alerts(), checks):
                if bad:
                    change = self._sync_alert(tx, now, day, kind, subject, True, message)
                else:
                    alert = tx.update_alert(a["id"], cleared_at=now)
                    tx.append_event(at=now, day=day, kind="alert_cleared", alert=a["id"],
                                    alert_kind=kind, subject=subject)
                    if kind in SELF_RESOLVING and alert["acked_at"] is None:
                        alert = tx.update_alert(a["id"], acked_at=now, acked_by=SYSTEM)
                        tx.append_event(at=now, day=day, kind="alert_acked", clerk=SYSTEM,
                                        alert=a["id"], alert_kind=kind, subject=subject)
                    change = AlertChanged(alert, "cleared")
                if change:
                    events.append(change)
            n_up = len(tx.unacked_alerts_up())
        return n_up, events

    def ack_alert(self, alert_id: int, by: str) -> tuple[dict, list]:
        now = self.clock.now()
        with self.store.write() as tx:
            alert = tx.alert(alert_id)
            if alert is None:
                raise NotFound("unknown_alert", "没有找到这条提醒")
            if alert["acked_at"] is not None:
                if alert["acked_by"] == SYSTEM:
                    raise Conflict("already_acknowledged", "这条提醒已自动解除")
                raise Conflict("already_acknowledged",
                               f"这条提醒已由 {self.staff_name(alert['acked_by'])} 确认")
            alert = tx.update_alert(alert_id, acked_at=now, acked_by=by)
            tx.append_event(at=now, day=business_day(now, self.tz), kind="alert_acked", clerk=by,
                            alert=alert_id, alert_kind=alert["kind"], subject=alert["subject"])
        return alert, [AlertChanged(alert, "acknowledged")]

    def alerts(self) -> list[dict]:
        """Alerts not yet acknowledged, oldest first."""
        with self.store.read() as tx:
            return tx.unacked_alerts()


def _changes(uncleared: list[dict], checks: list[tuple]) -> list[tuple]:
    """(kind, subject, bad, message, alert) for each check whose alert must be raised or cleared;
    a service (or called) alert whose customer has left the counter, or moved on from being
    called, is cleared."""
    live = {(a["kind"], a["subject"]): a for a in uncleared}
    checked = {(c[0], c[1]) for c in checks}
    checks = checks + [(kind, subject, False, "") for kind, subject in live
                       if kind in PER_TICKET and (kind, subject) not in checked]
    return [(kind, subject, bad, message, live.get((kind, subject)))
            for kind, subject, bad, message in checks if bad != ((kind, subject) in live)]


def _minutes(seconds: int) -> str:
    return f"{round(seconds / 60)} 分钟" if seconds >= 60 else f"{seconds} 秒"
