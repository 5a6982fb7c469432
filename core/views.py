"""The shapes the outside sees (CONTRACT.md): tickets, calls, the hall's state."""
from __future__ import annotations

import hashlib

from . import hours, picture
from .clock import iso
from .config import HallConfig
from .estimates import QueueSnapshot
from .tickets import QUEUED, CounterState, Ticket


def ticket_view(config: HallConfig, t: Ticket, snap: QueueSnapshot) -> dict:
    """A ticket as the API returns it; no personal data (the masked name stays with staff)."""
    tz = config.hall.tz
    b = config.business(t.business)
    counter = config.counter(t.counter) if t.counter and t.status not in QUEUED else None
    deck = snap.deck_position(t.id) if t.status in QUEUED else None
    return {
        "id": t.id,
        "number": t.number,
        "business": t.business,
        "business_name": b.name if b else t.business,
        "status": t.status,
        "priority": t.priority,
        "issued_at": iso(t.issued_at, tz),
        "ahead": snap.ahead(t),
        "estimated_wait_s": snap.estimated_wait_s(t),
        "on_deck": deck is not None,
        "deck_position": deck,
        "counter": counter.id if counter else None,
        "counter_name": counter.name if counter else None,
        "target_counter": t.target_counter,
        "called_at": iso(t.last_called_at, tz) if counter else None,
        "recalls": t.recalls if counter else 0,
        "track_url": track_url(config, t.id),
    }


def track_url(config: HallConfig, ticket_id: str) -> str:
    """Built from the hall's configured public address, never from a request's Host."""
    return f"{config.hall.public_url}/t/{ticket_id}"


def update_view(view: dict) -> dict:
    """What a tracking phone gets in `ticket_update`."""
    keys = ("number", "status", "ahead", "estimated_wait_s", "on_deck", "deck_position",
            "counter", "counter_name", "business", "recalls")
    return {"ticket": view["id"], **{k: view[k] for k in keys}}


def public_id(token: str) -> str:
    """What a broadcast says of a ticket: its token is the key to the phone page and the rating,
    so everyone sees only a digest of it (the phone knows its own and can match a recall)."""
    return hashlib.sha256(token.encode()).hexdigest()[:20]


def call_view(config: HallConfig, t: Ticket, counter_id: str, recall: bool) -> dict:
    """A `ticket_called` payload."""
    b = config.business(t.business)
    c = config.counter(counter_id)
    return {
        "ticket_id": public_id(t.id),
        "number": t.number,
        "counter": counter_id,
        "counter_name": c.name if c else counter_id,
        "business": t.business,
        "business_name": b.name if b else t.business,
        "called_at": iso(t.last_called_at, config.hall.tz),
        "recall": recall,
        "recalls": t.recalls,
    }


def call_view_from_event(config: HallConfig, e: dict) -> dict:
    """A `ticket_called` payload rebuilt from the event log (for `hall_state.last_calls`)."""
    b = config.business(e["business"])
    c = config.counter(e["counter"])
    return {
        "ticket_id": public_id(e["ticket"]),
        "number": e["number"],
        "counter": e["counter"],
        "counter_name": c.name if c else e["counter"],
        "business": e["business"],
        "business_name": b.name if b else e["business"],
        "called_at": iso(e["at"], config.hall.tz),
        "recall": e["kind"] == "recalled",
    }


def counter_view(config: HallConfig, c: CounterState, current: Ticket | None,
                 snap: QueueSnapshot | None = None) -> dict:
    """A counter for everyone (no clerk name); with a snapshot, its next two tickets too."""
    cfg = config.counter(c.id)
    view = {
        "id": c.id,
        "name": cfg.name if cfg else c.id,
        "state": c.state,
        "current": current.number if current else None,
        "current_status": current.status if current else None,
        "businesses": list(cfg.businesses) if cfg else [],
    }
    if snap is not None and c.state != "closed":
        # 接一顾二招呼三: the one being served, the one on deck, the one after.
        # the next two the projection expects this counter to call: each at one window only
        deck = snap.deck(c.id)
        view["on_deck"] = deck[0].number if len(deck) > 0 else None
        view["third"] = deck[1].number if len(deck) > 1 else None
        view["waiting"] = snap.line_length(c.id)
    return view


def hall_state(hall, last_calls: int = 10) -> dict:
    """The `hall_state` snapshot a socket gets on connect: enough to be right with nothing else,
    from one picture of the hall (one read of the store)."""
    p = hall.picture()
    config = p.config
    return {
        "hall": config.hall.name,
        "waiting": dict(p.counts),
        "estimates": picture.estimates(p),
        "issuing": p.issuing,
        "hours": hours.state(hall, with_now=False),
        "last_calls": [call_view_from_event(config, e) for e in p.last_calls[:last_calls]],
        "counters": [counter_view(config, p.counters[c.id], p.current_of(c.id), p.queue)
                     for c in config.counters if c.id in p.counters],
    }


def hall_view(config: HallConfig) -> dict:
    """`GET /api/hall`: the catalogue and the counters."""
    h = config.hall
    return {
        "name": h.name,
        "name_en": h.name_en,
        "timezone": h.timezone,
        "public_url": h.public_url,
        "opening": h.opening.strftime("%H:%M"),
        "closing": h.closing.strftime("%H:%M"),
        "target_wait_s": h.target_wait_s,
        "hotline": h.hotline,
        "wechat": h.wechat,
        "businesses": [{
            "code": b.code, "name": b.name, "name_en": b.name_en, "hint": b.hint, "hint_en": b.hint_en,
            "line": b.line, "prefix": b.prefix,
            "id_required": b.id_required, "self_service": b.self_service,
            "target_s": b.target_s, "max_s": b.max_s,
            "checklist": [{"key": k, "text": config.checklist[k]} for k in b.checklist],
        } for b in config.businesses],
        "counters": [{"id": c.id, "name": c.name, "businesses": list(c.businesses)}
                     for c in config.counters],
        "kiosks": [{"id": k.id, "name": k.name} for k in config.kiosks],
        "priority_classes": [{"code": p.code, "name": p.name, "name_en": p.name_en, "rank": p.rank}
                             for p in config.priority_classes],
        "counter_keys": dict(config.counter_keys),
    }
