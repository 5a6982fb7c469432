"""The guide's tablet (`GET /api/floor`, pushed as `floor`): 接一顾二招呼三 per window with the
pre-check, long waits, arrivals, help requests, alerts, follow-ups due; and those items alone
(a help request, an alert, a follow-up as their own answers and events)."""
from __future__ import annotations

from ..clock import business_day, iso
from ..config import HallConfig
from ..picture import Picture
from ..tickets import CLOSED, Ticket


def wanted(p: Picture, now: float) -> list[str]:
    """The tickets the board shows in full (their names, the pre-check): the two next at each
    open window, the long waits and those at the counters."""
    q = p.queue
    ids = {t.id for c in p.config.counters if c.id in p.counters and p.counters[c.id].state != CLOSED
           for t in q.deck(c.id)}
    ids |= {t.id for t in q.queued if now - t.issued_at >= p.config.alerts.wait_s}
    ids |= {c.current_ticket for c in p.counters.values() if c.current_ticket}
    return sorted(ids)


def board(p: Picture, now: float, tickets: dict[str, Ticket], arrivals: list[dict],
          help_rows: list[dict], alerts: list[dict], alert_tickets: dict[str, Ticket],
          follow_ups: list[dict], missed: list[dict] = ()) -> dict:
    """The board from the picture and the rows the hall read for it (`tickets`: those of
    `wanted`; `alert_tickets`: those of `called_ticket_ids(alerts)`). Staff are named by
    `named`, which the web layer applies (it knows the accounts)."""
    config, q = p.config, p.queue
    tz = config.hall.tz
    today = business_day(now, tz)
    seen: set[str] = set()

    def person(t: Ticket | None, deck: int | None = None, **extra) -> dict | None:
        if t is None:
            return None
        b = config.business(t.business)
        first = deck is not None and t.id not in seen
        seen.add(t.id)
        return {"id": t.id, "number": t.number, "business": t.business,
                "business_name": b.name if b else t.business,
                "id_required": bool(b and b.id_required), "priority": t.priority,
                "masked_name": t.masked_name, "age_band": t.age_band,
                "waited_s": round(now - t.issued_at), "deck": deck, "first_on_deck": first,
                "prechecked": t.prechecked_at is not None, "prechecked_by": t.prechecked_by, **extra}

    counters = []
    for c in config.counters:
        s = p.counters[c.id]
        deck = [t.id for t in q.deck(c.id)] if s.state != CLOSED else []
        current = tickets.get(s.current_ticket) if s.current_ticket else None
        counters.append({
            "id": c.id, "name": c.name, "state": s.state,
            # called · serving: the guide sees whether the customer has reached the window
            "current": person(current, status=current.status) if current else None,
            "on_deck": person(tickets.get(deck[0]), 1) if len(deck) > 0 else None,
            "third": person(tickets.get(deck[1]), 2) if len(deck) > 1 else None,
            "waiting": q.line_length(c.id) if s.state != CLOSED else None,
            "clerk": s.clerk})
    long_ids = [t.id for t in q.queued if now - t.issued_at >= config.alerts.wait_s]
    return {
        "today": today,
        "now_ts": now,
        "wait_threshold_s": config.alerts.wait_s,
        "counters": counters,
        "long_waits": sorted((person(tickets[i]) for i in long_ids if i in tickets),
                             key=lambda x: -x["waited_s"]),
        "arrivals": [arrival(config, a) for a in arrivals],
        "help": [help_request(config, r) for r in help_rows],
        "alerts": alert_details(config, [alert(config, a) for a in alerts], alert_tickets),
        "follow_ups": [follow_up(config, f, today) for f in follow_ups],
        "missed": [no_show(config, m) for m in missed],
    }


def no_show(config: HallConfig, m: dict) -> dict:
    """A customer who missed their call today, and whether the hall's rule lets them back."""
    b = config.business(m["business"])
    counter = config.counter(m["counter"] or "")
    return {"id": m["id"], "number": m["number"], "business": m["business"],
            "business_name": b.name if b else m["business"],
            "counter_name": counter.name if counter else None,
            "at": iso(m["ended_at"], config.hall.tz) if m["ended_at"] else None,
            "requeues": m["requeues"],
            "can_requeue": m["requeues"] < config.routing.requeue_limit}


def named(board: dict, names: dict[str, str]) -> dict:
    """People by their names (display_name, the username where there is none): the clerk at each
    window, who pre-checked, who took a help request, who opened a follow-up."""
    def name(username):
        return names.get(username, username) if username else None

    def person(x):
        if x:
            x["prechecked_by_name"] = name(x.get("prechecked_by"))
    for counter in board["counters"]:
        counter["clerk_name"] = name(counter["clerk"])
        for key in ("current", "on_deck", "third"):
            person(counter.get(key))
    for x in board.get("long_waits", []):
        person(x)
    for h in board["help"]:
        h["accepted_by_name"] = name(h.get("accepted_by"))
    for f in board["follow_ups"]:
        f["opened_by_name"] = name(f.get("opened_by"))
    return board


def arrival(config: HallConfig, a: dict) -> dict:
    b = config.business(a["business"])
    kiosk = config.kiosk(a["kiosk"] or "")
    return {"id": a["id"], "number": a["number"], "business": a["business"],
            "business_name": b.name if b else a["business"], "status": a["status"],
            "priority": a["priority"], "masked_name": a["masked_name"], "age_band": a["age_band"],
            "kiosk_name": kiosk.name if kiosk else None, "at": iso(a["issued_at"], config.hall.tz)}


def help_request(config: HallConfig, r: dict) -> dict:
    kiosk, b = config.kiosk(r["kiosk"]), config.business(r["business"] or "")
    return {"id": r["id"], "kiosk": r["kiosk"], "kiosk_name": kiosk.name if kiosk else r["kiosk"],
            "business": r["business"], "business_name": b.name if b else None,
            "state": r["state"], "accepted_by": r["accepted_by"],
            "at": iso(r["requested_at"], config.hall.tz), "ts": r["requested_at"]}


def alert(config: HallConfig, a: dict) -> dict:
    return {"id": a["id"], "kind": a["kind"], "subject": a["subject"], "state": a["state"],
            "message": a["message"], "at": iso(a["raised_at"], config.hall.tz),
            "cleared": a["cleared_at"] is not None, "acknowledged": a["acked_at"] is not None,
            "acked_by": a["acked_by"]}


def _called(v: dict) -> bool:
    return v["kind"] == "called" and ":" in (v["subject"] or "")


def called_ticket_ids(alerts: list[dict]) -> list[str]:
    """The tickets the called-not-come alerts name (rows or views: both have kind and subject)."""
    return sorted({v["subject"].split(":", 1)[1] for v in alerts if _called(v)})


def alert_details(config: HallConfig, views: list[dict], tickets: dict[str, Ticket]) -> list[dict]:
    """Alert views with what the pages show live: for a customer called and not come
    (`called`), the counter, the number and when it was called (`called_at`, `called_ts`)."""
    out = []
    for v in views:
        if _called(v):
            counter_id, ticket_id = v["subject"].split(":", 1)
            c, t = config.counter(counter_id), tickets.get(ticket_id)
            v = {**v, "counter": counter_id, "counter_name": c.name if c else counter_id,
                 "number": t.number if t else None,
                 "called_ts": t.called_at if t else None,
                 "called_at": iso(t.called_at, config.hall.tz) if t and t.called_at else None}
        out.append(v)
    return out


def follow_up(config: HallConfig, f: dict, today: str) -> dict:
    b = config.business(f["business"] or "")
    return {"id": f["id"], "kind": f["kind"], "number": f["number"], "business": f["business"],
            "business_name": b.name if b else f["business"], "question": f["summary"],
            "contact": f["contact"], "due_date": f["due_date"], "due_warning": f["due_warning"],
            "overdue": f["answered_at"] is None and f["due_date"] < today,
            "due_today": f["due_date"] == today, "opened_by": f["created_by"],
            "opened_at": iso(f["created_at"], config.hall.tz), "answered": f["answered_at"] is not None,
            "answered_by": f["answered_by"], "answer": f["answer"]}
