"""A customer's phone: the ticket's public view and the rating after service."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Response

from core import presenters, views
from web.api import ok, route
from web.context import ctx, run
from web.schemas import Rating, RatingOut, TicketPageOut

from . import bp


@route(bp, "/api/tickets/<token>", "GET", summary="A ticket's public view (the phone follows it)",
       tag="phone", answers={200: TicketPageOut}, errors=(404,))
def ticket(token: str):
    hall = ctx().hall
    view = presenters.parts.ticket(hall.config, hall.ticket(token), hall.snapshot())
    return ok(presenters.phone.ticket_page(view, hall.rated(token)))


@route(bp, "/api/tickets/<token>/rating", "POST", summary="Rate the service once the ticket is done",
       tag="phone", body=Rating, answers={201: RatingOut}, errors=(404, 409))
def rate(token: str, body: Rating):
    run(ctx().hall.rate, token, body.score, body.comment)
    return ok({"ticket": token, "score": body.score}, 201)


@bp.get("/api/tickets/<token>/qr.svg")
def ticket_qr(token: str):
    """The ticket's tracking address as a QR code (the kiosk shows it when it cannot print)."""
    hall = ctx().hall
    ticket = hall.ticket(token)
    image = qrcode.make(views.track_url(hall.config, ticket.id), image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buf = io.BytesIO()
    image.save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})
