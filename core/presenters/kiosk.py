"""The kiosk's shapes: the catalogue (`GET /api/hall`, also every page's config and the printed
ticket's header) and the estimates a newcomer is told."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import HallConfig
from ..picture import estimates  # noqa: F401 — drawn with the picture (its projection's newcomer)
from .parts import Shape, TicketOut, shaped


class BusinessOut(Shape):
    code: str
    name: str
    name_en: str
    hint: str = ""
    hint_en: str = ""
    line: Literal["fixed", "mobile"]
    prefix: str
    id_required: bool
    self_service: bool
    target_s: int | None
    max_s: int | None
    checklist: list[dict] = Field(description="the key moments: key, text")


class CounterOut(Shape):
    id: str
    name: str
    businesses: list[str]


class HallOut(Shape):
    name: str
    name_en: str
    timezone: str
    public_url: str | None
    opening: str
    closing: str
    target_wait_s: int
    hotline: str
    wechat: str
    businesses: list[BusinessOut]
    counters: list[CounterOut]
    kiosks: list[dict]
    priority_classes: list[dict]
    counter_keys: dict[str, str] = Field(description="keyboard shortcut → counter action (USB call pads)")
    notices: list[dict] = Field(default_factory=list, description="the wall's scrolling notices: text, "
                                "text_en, start, end (local times; null: no limit)")
    zones: list[dict] = Field(default_factory=list, description="id, name, counters")
    ticket: dict = Field(default_factory=dict, description="the printed ticket's texts: header, "
                         "qr_caption, footer")
    settings_version: int | None = Field(None, description="the settings version in force "
                                         "(`hall_changed` pushes a new one)")
    hours: dict | None = Field(None, description="open_now, always_open, opening, closing, next_open … "
                               "(core/hours.py)")
    no_show_rule: dict[str, str] = Field(default_factory=dict, description="what a customer who "
                                         "missed their call may do, by the hall's rule (zh, en): "
                                         "the ticket, the kiosk and the phone say it")


class IssuedTicketOut(TicketOut):
    existing: bool | None = Field(None, description="the ticket this person already had in this queue")
    printed: bool | None = Field(None, description="with a kiosk: whether the ticket printed")
    print_error: str | None = Field(None, description="paper_out · cover_open · offline · no_printer … ·"
                                    " already_issued (the same card again: nothing printed now)")
    printed_before: bool | None = Field(None, description="with existing: whether it printed then")
    reprint: bool | None = Field(None, description="POST …/print: printed again")


def hall_view(config: HallConfig, hours: dict | None = None, version: int | None = None) -> dict:
    """`GET /api/hall`: the catalogue and the counters; with `hours` (core/hours.py's state) as
    the route answers it, without for the pages' config and the printer."""
    h = config.hall
    return shaped(
        HallOut, name=h.name, name_en=h.name_en, timezone=h.timezone, public_url=h.public_url,
        opening=h.opening.strftime("%H:%M"), closing=h.closing.strftime("%H:%M"),
        target_wait_s=h.target_wait_s, hotline=h.hotline, wechat=h.wechat,
        businesses=[dict(
            code=b.code, name=b.name, name_en=b.name_en, hint=b.hint, hint_en=b.hint_en,
            line=b.line, prefix=b.prefix, id_required=b.id_required, self_service=b.self_service,
            target_s=b.target_s, max_s=b.max_s,
            checklist=[{"key": k, "text": config.checklist[k]} for k in b.checklist],
        ) for b in config.businesses],
        counters=[dict(id=c.id, name=c.name, businesses=list(c.businesses)) for c in config.counters],
        kiosks=[{"id": k.id, "name": k.name} for k in config.kiosks],
        priority_classes=[{"code": p.code, "name": p.name, "name_en": p.name_en, "rank": p.rank}
                          for p in config.priority_classes],
        counter_keys=dict(config.counter_keys), no_show_rule=no_show_rule(config),
        notices=[{"text": n.text, "text_en": n.text_en,
                  "start": n.start.isoformat(timespec="minutes") if n.start else None,
                  "end": n.end.isoformat(timespec="minutes") if n.end else None} for n in h.notices],
        zones=[{"id": z.id, "name": z.name, "counters": list(z.counters)} for z in config.zones],
        ticket=config.ticket.model_dump(mode="json"), settings_version=version,
        **({"hours": hours} if hours is not None else {}))


def no_show_rule(config: HallConfig) -> dict[str, str]:
    """过号: void, or back in line by the guide after the next few (routing.requeue_*)."""
    r = config.routing
    if r.requeue_limit <= 0:
        return {"zh": "过号无效,请重新取号或咨询导购",
                "en": "A missed number is void: take a new ticket or ask the guide"}
    after = f"顺延 {r.requeue_after} 位" if r.requeue_after else "排在队首"
    again = f"限 {r.requeue_limit} 次" if r.requeue_limit > 1 else "限一次"
    after_en = f"after the next {r.requeue_after}" if r.requeue_after else "first"
    return {"zh": f"过号请到导购台重新排队({after},{again})",
            "en": f"Missed your call? The guide puts you back in line ({after_en}, "
                  f"{r.requeue_limit}× at most)"}


def issued(view: dict, **printing) -> dict:
    """`POST /api/tickets`' answer: the ticket, and what became of its printing."""
    return shaped(IssuedTicketOut, **view, **printing)
