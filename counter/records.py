"""What the clerk records after service: a recommendation, a follow-up, an account closing's
churn reason. Each on the customer being served or the one just finished at this counter."""
from __future__ import annotations

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
