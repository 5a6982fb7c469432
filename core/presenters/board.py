"""The duty manager's live hall (`GET /api/manager/hall`, pushed as `board`): every window with
its service timer against the standard, every queue with its longest wait and what a new ticket
would be told, issuing, alerts, the devices."""
from __future__ import annotations

import copy

from ..clock import business_day, iso
from ..config import HallConfig
from ..picture import Picture
from ..standards import service_limit_s
from ..tickets import CLOSED, SERVING, Ticket
from .floor import alert, alert_details

DEVICE_KINDS = {"printer": "打印机", "idcard": "身份证阅读器", "callpad": "呼叫器",
                "crm": "客户系统(星级客户查询)"}
DEVICE_STATES = {"paper_out": "缺纸", "paper_near_end": "纸将用尽", "cover_open": "纸仓盖打开",
                 "offline": "离线(无响应)", "sam_error": "安全模块故障",
                 "agent_disconnected": "离线(取号机电脑未连接)",
                 "timeout": "无响应(超时),星级客户暂不能自动识别",
                 "refused": "拒绝访问(请检查令牌)", "certificate": "证书不受信任",
                 "bad_answer": "应答有误"}


def board(p: Picture, now: float, base_config: HallConfig, changed: set, alerts: list[dict],
          alert_tickets: dict[str, Ticket]) -> dict:
    """The board from the picture and the rows the hall read for it: `changed`, the counters
    whose businesses were changed for today; `alerts`, those not acknowledged (their called
    tickets in `alert_tickets`). The clerks' names and the devices are added by `named`."""
    config, q = p.config, p.queue
    counters = []
    for c in config.counters:
        s = p.counters[c.id]
        t = p.current_of(c.id)
        b = config.business(t.business) if t else None
        begin = (t.started_at or t.last_called_at or t.called_at) if t else None
        counters.append({
            "id": c.id, "name": c.name, "state": s.state, "clerk": s.clerk,
            "since": iso(s.updated_at, config.hall.tz) if s.updated_at else None,
            "state_s": round(now - s.updated_at) if s.updated_at else None,
            "businesses": list(c.businesses), "changed_today": c.id in changed,
            "configured_businesses": list(base_config.counter(c.id).businesses),
            "waiting": q.line_length(c.id) if s.state != CLOSED else None,
            "current": None if t is None else {
                "number": t.number, "business": t.business,
                "business_name": b.name if b else t.business, "status": t.status,
                "serving": t.status == SERVING,
                "elapsed_s": round(now - begin) if begin else None,
                "target_s": b.target_s if b else None, "max_s": b.max_s if b else None,
                # Red past this: the long-service alert's own rule, so both agree.
                "limit_s": service_limit_s(b)},
        })
    longest: dict[str, float] = {}
    for t in q.queued:
        longest[t.business] = max(longest.get(t.business, 0.0), now - t.issued_at)
    businesses = []
    for b in config.businesses:
        _, wait = q.for_newcomer(b.code)
        businesses.append({
            "code": b.code, "name": b.name, "line": b.line, "waiting": p.counts.get(b.code, 0),
            "longest_wait_s": round(longest[b.code]) if b.code in longest else None,
            "new_ticket_wait_s": wait, "target_s": b.target_s, "max_s": b.max_s,
            "counters": [c.id for c in config.counters_serving(b.code)
                         if p.counters[c.id].state != CLOSED]})
    return {
        "today": business_day(now, config.hall.tz), "now_ts": now,
        "target_wait_s": config.hall.target_wait_s, "wait_alert_s": config.alerts.wait_s,
        "queue_alert": config.alerts.queue_length,
        "counters": counters, "businesses": businesses,
        "waiting_total": sum(p.counts.values()),
        "issuing": copy.deepcopy(p.issuing),
        "alerts": alert_details(config, [alert(config, a) for a in alerts], alert_tickets),
        "called_alert_s": config.alerts.called_s,
    }


def named(board: dict, names: dict[str, str], devices: list[dict], config: HallConfig) -> dict:
    """The clerks by their names, and the devices' states (`devices`: their status payloads)."""
    for counter in board["counters"]:
        counter["clerk_name"] = names.get(counter["clerk"], counter["clerk"]) if counter["clerk"] else None
    board["devices"] = sorted((device(config, d) for d in devices), key=lambda d: d["name"])
    return board


def device_place(config: HallConfig, payload: dict) -> str:
    """Where a device stands, by name (大门取号机, 1号窗口)."""
    if payload.get("counter"):
        c = config.counter(payload["counter"])
        return c.name if c else payload["counter"]
    kiosk = config.kiosk(payload.get("kiosk") or "")
    return kiosk.name if kiosk else (payload.get("kiosk") or "")


def device(config: HallConfig, payload: dict) -> dict:
    """A device as staff read it: its place and kind by name (大门取号机 · 打印机), its state
    in words; the id stays as a detail."""
    kind = DEVICE_KINDS.get(payload.get("kind"), payload.get("kind") or "")
    state = payload.get("state")
    if payload.get("ok") and state == "ok":
        state_text = "正常"
    else:
        state_text = DEVICE_STATES.get(state, f"故障:{state}" if state else "故障")
    return {**payload, "name": f"{device_place(config, payload)} · {kind}", "kind_name": kind,
            "state_text": state_text}
