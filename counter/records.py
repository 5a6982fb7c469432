"""What the clerk records after service: a recommendation, a follow-up, an account closing's
churn reason. Each on the customer being served or the one just finished at this counter."""
from __future__ import annotations

from datetime import date

from core.errors import HallError
from web.api import ok, route
from web.context import ctx, run
from web.schemas import Churn, FollowUp, Recommendation

from . import ERRORS, SERVING_ROLES, bp


@route(bp, "/api/counters/<counter_id>/recommendation", "POST",
       summary="Record a business recommended after service, and whether the customer took it",
       tag="counter", roles=SERVING_ROLES, body=Recommendation, answers={201: None}, errors=ERRORS)
def recommend(counter_id: str, staff, body: Recommendation):
    hall = ctx().hall
    run(hall.recommend, counter_id, staff.username, body.ticket, body.what, body.accepted)
    return ok(hall.recorded_for(body.ticket), 201)


@route(bp, "/api/counters/<counter_id>/churn", "POST",
       summary="An account closing (销户/销号): the reason, the retention offer, whether the customer stayed",
       tag="counter", roles=SERVING_ROLES, body=Churn, answers={201: None}, errors=ERRORS)
def churn(counter_id: str, staff, body: Churn):
    hall = ctx().hall
    run(hall.record_churn, counter_id, staff.username, body.ticket, body.reason, body.offer, body.stayed)
    return ok(hall.recorded_for(body.ticket), 201)


@route(bp, "/api/counters/<counter_id>/follow-up", "POST",
       summary="A query that cannot be answered now: contact, question, due in Chinese working days",
       tag="counter", roles=SERVING_ROLES, body=FollowUp, answers={201: None}, errors=ERRORS)
def follow_up(counter_id: str, staff, body: FollowUp):
    hall = ctx().hall
    if body.ticket is None:
        raise HallError("ticket_missing", "请指明为哪位客户登记回访")
    row = run(hall.open_follow_up, staff.username, body.contact, body.question, body.kind,
              counter_id=counter_id, ticket_id=body.ticket)
    return ok({**hall.follow_up_view(row), "recorded": hall.recorded_for(body.ticket)}, 201)


def after_service(counter_id: str, clerk: str) -> dict | None:
    """The desk's after-service block: the ticket to record on, the lists, what is recorded."""
    hall = ctx().hall
    t = hall.recordable(counter_id, clerk)
    if t is None:
        return None
    b = hall.config.business(t.business)
    due, warning = hall.due_date(t.business, date.fromisoformat(hall.today()))
    lists = hall.config.after_service
    return {
        "ticket": t.id, "number": t.number, "business": t.business,
        "business_name": b.name if b else t.business, "done": t.status == "done",
        "retention": bool(b and hall.config.asks_retention(b)),
        "follow_up_due": {"date": due.isoformat(), "warning": warning,
                          "working_days": hall.config.follow_up_days(b) if b else None},
        "lists": {"recommendations": list(lists.recommendations),
                  "churn_reasons": list(lists.churn_reasons),
                  "retention_offers": list(lists.retention_offers)},
        "recorded": hall.recorded_for(t.id),
    }
