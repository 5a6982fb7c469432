"""Issuing tickets and reading ID cards at a kiosk."""
from __future__ import annotations

from datetime import date

from core import views
from core.errors import Forbidden, HallError
from web import auth
from web.api import ok, route
from web.context import ctx, publish_pending, run
from web.schemas import HelpRequest, IssueTicket, IssuedTicketOut, ReadCardOut

from . import bp

STAFF = ("clerk", "guide", "manager", "admin")


@route(bp, "/api/tickets", "POST", summary="Issue a ticket (idempotent on request_id)", tag="kiosk",
       body=IssueTicket, answers={201: IssuedTicketOut, 200: IssuedTicketOut}, errors=(404, 409, 503))
def issue(body: IssueTicket):
    c = ctx()
    if body.priority is not None and auth.current_staff() is None:
        raise Forbidden("priority_needs_staff", "优先(绿色通道)号需由工作人员办理")
    ticket, created = run(c.hall.issue_ticket, body.business, body.request_id, kiosk=body.kiosk,
                          card_token=body.card_token, priority=body.priority)
    view = views.ticket_view(c.hall.config, ticket, c.hall.snapshot())
    if ticket.kiosk is not None:
        if ticket.printed is None:      # first time, or a retry after a crash before printing
            publish_pending()           # the arrival is news before the paper is out
            printed, error = c.devices.print_ticket(ticket.kiosk, view, views.hall_view(c.hall.config))
            ticket = run(c.hall.record_print, ticket.id, printed, error)
        view.update(printed=bool(ticket.printed), print_error=ticket.print_error)
    return ok(view, 201 if created else 200)


@route(bp, "/api/kiosks/<kiosk_id>/read-card", "POST", summary="Read the kiosk's ID-card reader",
       tag="kiosk", answers={200: ReadCardOut}, errors=(404, 503))
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
    read = c.hall.register_card(kiosk_id, card["name"], card["id_number"], birth)
    return ok({"card": {"masked_name": read.masked_name, "age_band": read.age_band,
                        "senior": read.senior}, "card_token": read.token})


@route(bp, "/api/kiosks/<kiosk_id>/help", "POST", summary="Ask the guide to come to this kiosk",
       tag="kiosk", body=HelpRequest, answers={201: None}, errors=(404,))
def ask_for_help(kiosk_id: str, body: HelpRequest):
    run(ctx().hall.request_help, kiosk_id, body.business)
    return ok({"kiosk": kiosk_id, "business": body.business}, 201)
