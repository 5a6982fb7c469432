"""Alerts: what staff must see until someone acknowledges it, kept in the event log.
Devices raise them here (a printer out of paper, a reader fault); mixed into Hall."""
from __future__ import annotations

from .clock import business_day
from .errors import Conflict, NotFound
from .events import AlertChanged

DEVICE_KINDS = {"printer": "打印机", "idcard": "身份证阅读器", "callpad": "呼叫器"}
DEVICE_STATES = {"paper_out": "缺纸", "paper_near_end": "纸将用尽", "cover_open": "纸仓盖打开",
                 "offline": "离线(无响应)", "sam_error": "安全模块故障"}


class AlertCommands:
    def _device_place(self, payload: dict) -> str:
        if payload.get("counter"):
            return self.counter_name(payload["counter"])
        kiosk = self.config.kiosk(payload.get("kiosk") or "")
        return kiosk.name if kiosk else (payload.get("kiosk") or "")

    def record_device(self, payload: dict) -> tuple[dict, list]:
        """A device's status changed: into the event log, and an alert raised or cleared.
        `paper_near_end` still prints but needs a person soon, so it alerts too."""
        now = self.clock.now()
        day = business_day(now, self.tz)
        bad = not payload["ok"] or payload["state"] == "paper_near_end"
        subject = payload["device"]
        events = []
        with self.store.write() as tx:
            tx.append_event(at=now, day=day, kind="device",
                            counter=payload.get("counter"), device=subject,
                            device_kind=payload["kind"], kiosk=payload.get("kiosk"),
                            ok=payload["ok"], state=payload["state"])
            open_alert = tx.unacked_alert("device", subject)
            if bad:
                message = (f"{self._device_place(payload)}{DEVICE_KINDS.get(payload['kind'], payload['kind'])}"
                           f"{DEVICE_STATES.get(payload['state'], '故障:' + payload['state'])}")
                if open_alert is None:
                    alert = tx.insert_alert("device", subject, payload["state"], message, now)
                else:
                    alert = tx.update_alert(open_alert["id"], state=payload["state"], message=message,
                                            cleared_at=None)
                tx.append_event(at=now, day=day, kind="alert", alert=alert["id"], alert_kind="device",
                                subject=subject, state=payload["state"])
                events.append(AlertChanged(alert, "raised"))
            elif open_alert is not None and open_alert["cleared_at"] is None:
                alert = tx.update_alert(open_alert["id"], cleared_at=now)
                tx.append_event(at=now, day=day, kind="alert_cleared", alert=alert["id"],
                                alert_kind="device", subject=subject)
                events.append(AlertChanged(alert, "cleared"))
        return payload, events

    def ack_alert(self, alert_id: int, by: str) -> tuple[dict, list]:
        now = self.clock.now()
        with self.store.write() as tx:
            alert = tx.alert(alert_id)
            if alert is None:
                raise NotFound("unknown_alert", "没有找到这条提醒")
            if alert["acked_at"] is not None:
                raise Conflict("already_acknowledged", f"这条提醒已由 {alert['acked_by']} 确认")
            alert = tx.update_alert(alert_id, acked_at=now, acked_by=by)
            tx.append_event(at=now, day=business_day(now, self.tz), kind="alert_acked", clerk=by,
                            alert=alert_id, alert_kind=alert["kind"], subject=alert["subject"])
        return alert, [AlertChanged(alert, "acknowledged")]

    def alerts(self) -> list[dict]:
        """Alerts not yet acknowledged, oldest first."""
        with self.store.read() as tx:
            return tx.unacked_alerts()
