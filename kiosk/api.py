"""Issuing tickets and reading ID cards at a kiosk."""
from __future__ import annotations

import threading
from datetime import date

from pydantic import Field

from core import presenters, tickets as T, views
from core.errors import Conflict, Forbidden, HallError
from web import auth, trust
from web.api import ok, route
from web.context import ctx, publish_pending, run
from web.schemas import Body, HelpRequest, IssueTicket, IssuedTicketOut, ReadCardOut

from . import bp

STAFF = ("clerk", "guide", "manager", "admin")


@route(bp, "/api/tickets", "POST", summary="Issue a ticket (idempotent on request_id)", tag="kiosk",
       body=IssueTicket, answers={201: IssuedTicketOut, 200: IssuedTicketOut}, errors=(401, 403, 404, 409, 429, 503), guard=trust.issuer)
def issue(body: IssueTicket):
    c = ctx()
    remote_source = _who_may_issue(body)
    staff = auth.current_staff()
    if body.priority is not None and staff is None:
        raise Forbidden("priority_needs_staff", "优先(绿色通道)号需由工作人员办理")
    ticket, created = run(c.hall.issue_ticket, body.business, body.request_id, kiosk=body.kiosk,
                          card_token=body.card_token, priority=body.priority,
                          remote_source=remote_source,
                          given_by=staff.username if staff and body.priority else None)
    view = views.ticket_view(c.hall.config, ticket, c.hall.placing(ticket))
    if not created and ticket.request_id != body.request_id:
        # The same person, the same queue (a second card read): the ticket they already have.
        # Nothing prints now: say so, and whether it printed then (POST …/print prints it again).
        view = presenters.kiosk.issued(view, existing=True, printed=False,
                                       print_error="already_issued",
                                       printed_before=bool(ticket.printed))
    elif ticket.kiosk is not None:
        if ticket.printed is None:      # first time, or a retry after a crash before printing
            publish_pending()           # the arrival is news before the paper is out
            printed, error = c.devices.print_ticket(ticket.kiosk, view, views.hall_view(c.hall.config))
            ticket = run(c.hall.record_print, ticket.id, printed, error)
        view = presenters.kiosk.issued(view, existing=False, printed=bool(ticket.printed),
                                       print_error=ticket.print_error)
    return ok(view, 201 if created else 200)


def _who_may_issue(body: IssueTicket) -> str | None:
    """Printing at a kiosk, or a card read there: that kiosk (or staff, who print, never read
    cards). No kiosk: a kiosk, staff, or — where the hall allows remote tickets — anyone,
    within a quota per source and day (→ that source)."""
    if body.card_token is not None:      # and the core: only at the kiosk that read it, once
        trust.require_device("kiosk", body.kiosk)
    elif body.kiosk is not None:
        trust.require_device("kiosk", body.kiosk, staff=True)
    else:
        device = trust.current_device()
        if (device is None or device.kind != "kiosk") and auth.current_staff() is None:
            if not ctx().hall.config.remote.tickets:
                trust.refuse("wrong_device" if device else "device_required", "kiosk:*", device)
            return trust.source_of_request()
    return None


class PrintAgain(Body):
    kiosk: str = Field(min_length=1, max_length=64, description="print at this kiosk's printer")


REPRINT_EVERY_S = 60          # one reprint of a ticket per minute (a lost ticket, not a stack)
_reprinted: dict[str, float] = {}
_reprint_lock = threading.Lock()


@route(bp, "/api/tickets/<token>/print", "POST", summary="Print a waiting ticket again at a kiosk",
       tag="kiosk", body=PrintAgain, answers={200: IssuedTicketOut}, errors=(401, 403, 404, 409, 429), guard=trust.kiosk_or_staff)
def print_again(token: str, body: PrintAgain):
    """Never a new ticket: the same number on paper again, at most once a minute per ticket."""
    c = ctx()
    trust.require_device("kiosk", body.kiosk, staff=True)
    if c.hall.config.kiosk(body.kiosk) is None:
        raise HallError("unknown_kiosk", f"没有编号为 {body.kiosk} 的取号机", status=404)
    ticket = c.hall.ticket(token)
    if ticket.status not in (T.WAITING, T.TRANSFERRED, T.CALLED) or ticket.day != c.hall.today():
        raise Conflict("ticket_not_waiting", f"{ticket.number} 已不在排队中,无需再打印号票")
    now = c.hall.clock.now()
    with _reprint_lock:
        for tid, at in list(_reprinted.items()):
            if now - at >= REPRINT_EVERY_S:
                del _reprinted[tid]
        last = _reprinted.get(ticket.id)
        if last is not None:
            wait = max(1, round(REPRINT_EVERY_S - (now - last)))
            raise HallError("reprint_too_soon", f"号票 {ticket.number} 刚刚打印过,请 {wait} 秒后再试",
                            status=429, retry_after_s=wait)
        _reprinted[ticket.id] = now
    view = views.ticket_view(c.hall.config, ticket, c.hall.placing(ticket))
    printed, error = c.devices.print_ticket(body.kiosk, view, views.hall_view(c.hall.config))
    if printed or ticket.printed is None:
        run(c.hall.record_print, ticket.id, printed, error)
    if not printed:             # nothing came out: the customer may try again at once
        with _reprint_lock:
            _reprinted.pop(ticket.id, None)
    return ok(presenters.kiosk.issued(view, existing=True, printed=printed, print_error=error,
                                      reprint=True))


@route(bp, "/api/kiosks/<kiosk_id>/read-card", "POST", summary="Read the kiosk's ID-card reader",
       tag="kiosk", answers={200: ReadCardOut}, errors=(401, 403, 404, 503), guard=trust.kiosk_at)
def read_card(kiosk_id: str):
    c = ctx()
    if c.hall.config.kiosk(kiosk_id) is None:
        raise HallError("unknown_kiosk", f"没有编号为 {kiosk_id} 的取号机", status=404)
    card = c.devices.read_card(kiosk_id)
    if card is None:
        return ok({"card": None, "card_token": None})
    birth = card["birth_date"]
    if isinstance(birth, str):
        birth = date.fromisoformat(birth)
    # 星级客户: the operator's CRM, within its short timeout; None when it did not answer.
    star = c.crm.star(card["id_number"]) if c.crm is not None else None
    read = c.hall.register_card(kiosk_id, card["name"], card["id_number"], birth, star)
    return ok({"card": {"masked_name": read.masked_name, "age_band": read.age_band,
                        "senior": read.senior}, "card_token": read.token})


@route(bp, "/api/kiosks/<kiosk_id>/help", "POST", summary="Ask the guide to come to this kiosk",
       tag="kiosk", body=HelpRequest, answers={201: None}, errors=(401, 403, 404), guard=trust.kiosk_at)
def ask_for_help(kiosk_id: str, body: HelpRequest):
    run(ctx().hall.request_help, kiosk_id, body.business)
    return ok({"kiosk": kiosk_id, "business": body.business}, 201)
