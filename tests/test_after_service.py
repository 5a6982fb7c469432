"""What the counter records after service, in the core: recommendations, churn for an account
closing, follow-ups with due dates in Chinese working days, and their answers."""
from __future__ import annotations

from datetime import datetime

import pytest

from conftest import SHANGHAI
from core.aftercare import RECORD_WINDOW_S
from core.errors import Conflict, Forbidden, HallError, NotFound
from core.events import FollowUpChanged
from core.identity import mask_contact, normalise_contact

CLOSING = {"F-CHANGE", "M-SERVICE"}          # the businesses whose checklist has "retention"


def serve(hall, counter: str, clerk: str, business: str, request_id: str, *, finish: bool = False):
    """Issue a ticket, call it at `counter` (opened by `clerk`), start it, maybe finish it."""
    t, _, _ = hall.issue_ticket(business, request_id)
    hall.open_counter(counter, clerk)
    called, _ = hall.call_next(counter, clerk)
    assert called.id == t.id, "the test expects this counter to call this ticket"
    hall.start(counter, clerk)
    if finish:
        hall.finish(counter, clerk)
    return hall.ticket(t.id)


def logged(store, day: str, kinds: tuple[str, ...]) -> list[dict]:
    with store.read() as tx:
        return tx.events(day, day, kinds)


def at(y, m, d, hh=10, mm=0) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).timestamp()


# --- recommendations ----------------------------------------------------------------------
def test_recommend_on_the_customer_being_served(hall, store):
    t = serve(hall, "1", "alice", "F-NEW", "r1")
    result, events = hall.recommend("1", "alice", t.id, "  千兆宽带提速 ", True)
    assert result == {"ticket": t.id, "what": "千兆宽带提速", "accepted": True} and events == []
    (e,) = logged(store, hall.today(), ("recommended",))
    assert (e["ticket"], e["number"], e["counter"], e["clerk"], e["business"]) == (
        t.id, "A001", "1", "alice", "F-NEW")
    assert e["data"] == {"what": "千兆宽带提速", "accepted": True}
    rec = hall.recorded_for(t.id)
    assert rec["recommendations"] == [{"what": "千兆宽带提速", "accepted": True,
                                       "at": "2026-11-25T09:30:00+08:00"}]
    assert rec["churn"] == [] and rec["follow_ups"] == []


def test_recommend_on_a_called_ticket(hall):
    hall.issue_ticket("F-NEW", "r1")
    hall.open_counter("1", "alice")
    t, _ = hall.call_next("1", "alice")
    assert hall.recommend("1", "alice", t.id, "流量包", False)[0]["accepted"] is False


def test_recommend_within_half_an_hour_of_finishing(hall, clock):
    t = serve(hall, "1", "alice", "F-NEW", "r1", finish=True)
    clock.advance(RECORD_WINDOW_S - 1)
    hall.recommend("1", "alice", t.id, "5G 套餐升级", False)
    clock.advance(2)
    with pytest.raises(Forbidden) as e:
        hall.recommend("1", "alice", t.id, "5G 套餐升级", False)
    assert e.value.code == "not_your_customer" and "A001" in e.value.message
    assert [r["accepted"] for r in hall.recorded_for(t.id)["recommendations"]] == [False]


def test_recommend_needs_what(hall):
    t = serve(hall, "1", "alice", "F-NEW", "r1")
    for what in ("", "   ", None):
        with pytest.raises(HallError) as e:
            hall.recommend("1", "alice", t.id, what, True)
        assert e.value.code == "recommendation_missing" and e.value.status == 400


def test_refused_for_another_clerks_customer(hall, store):
    t = serve(hall, "1", "alice", "F-NEW", "r1", finish=True)
    hall.close_counter("1", "alice")
    hall.open_counter("1", "bob")                       # bob now holds the same counter
    with pytest.raises(Forbidden) as e:
        hall.recommend("1", "bob", t.id, "流量包", True)
    assert e.value.code == "not_your_customer"
    with pytest.raises(Forbidden) as e:
        hall.open_follow_up("bob", "13812345678", "问题", counter_id="1", ticket_id=t.id)
    assert e.value.code == "not_your_customer"
    assert logged(store, hall.today(), ("recommended", "follow_up")) == []


def test_refused_at_another_counter(hall):
    t = serve(hall, "1", "alice", "F-NEW", "r1", finish=True)
    hall.open_counter("2", "bob")
    with pytest.raises(Forbidden) as e:
        hall.recommend("2", "bob", t.id, "流量包", True)
    assert e.value.code == "not_your_customer"
    # The same clerk moving to another counter cannot record from there either …
    hall.open_counter("3", "alice")                      # closes counter 1 for her
    with pytest.raises(Forbidden) as e:
        hall.recommend("3", "alice", t.id, "流量包", True)
    assert e.value.code == "not_your_customer"
    # … nor at the counter she no longer holds.
    with pytest.raises(Forbidden) as e:
        hall.recommend("1", "alice", t.id, "流量包", True)
    assert e.value.code == "not_your_counter"


def test_refused_for_tickets_not_served(hall):
    waiting, _, _ = hall.issue_ticket("F-NEW", "r1")
    hall.issue_ticket("F-NEW", "r2")
    hall.open_counter("1", "alice")
    with pytest.raises(Forbidden) as e:
        hall.recommend("1", "alice", waiting.id, "流量包", True)      # still waiting
    assert e.value.code == "not_your_customer"
    hall.call_next("1", "alice")
    gone, _ = hall.no_show("1", "alice")
    with pytest.raises(Forbidden) as e:
        hall.recommend("1", "alice", gone.id, "流量包", True)         # a no-show was not served
    assert e.value.code == "not_your_customer"
    with pytest.raises(NotFound) as e:
        hall.recommend("1", "alice", "no-such-ticket", "流量包", True)
    assert e.value.code == "unknown_ticket"
    with pytest.raises(NotFound) as e:
        hall.recommend("99", "alice", waiting.id, "流量包", True)
    assert e.value.code == "unknown_counter"


# --- churn (销户/销号) ----------------------------------------------------------------------
def test_which_businesses_are_account_closings(config):
    assert {b.code for b in config.businesses if config.asks_retention(b)} == CLOSING


def test_churn_for_an_account_closing(hall, store, config):
    t = serve(hall, "4", "bob", "M-SERVICE", "r1")
    reason = config.after_service.churn_reasons[1]
    result, events = hall.record_churn("4", "bob", t.id, reason, "  保号停机代替销号 ", True)
    assert result == {"ticket": t.id, "reason": reason, "offer": "保号停机代替销号", "stayed": True}
    assert events == []
    (e,) = logged(store, hall.today(), ("churn",))
    assert e["ticket"] == t.id and e["counter"] == "4" and e["clerk"] == "bob"
    assert e["data"] == {"reason": reason, "offer": "保号停机代替销号", "stayed": True}
    rec = hall.recorded_for(t.id)["churn"]
    assert rec == [{"reason": reason, "offer": "保号停机代替销号", "stayed": True,
                    "at": "2026-11-25T09:30:00+08:00"}]


def test_churn_after_finishing_and_without_an_offer(hall, clock):
    t = serve(hall, "1", "alice", "F-CHANGE", "r1", finish=True)
    clock.advance(600)
    result, _ = hall.record_churn("1", "alice", t.id, "其他", "   ", False)
    assert result["offer"] is None and result["stayed"] is False
    assert hall.recorded_for(t.id)["churn"][0]["offer"] is None


def test_churn_only_for_an_account_closing(hall, store):
    t = serve(hall, "1", "alice", "F-NEW", "r1")
    with pytest.raises(Conflict) as e:
        hall.record_churn("1", "alice", t.id, "其他", None, False)
    assert e.value.code == "not_an_account_closing" and "新开户" in e.value.message
    assert logged(store, hall.today(), ("churn",)) == []


def test_a_bad_churn_reason_lists_the_choices(hall, config):
    t = serve(hall, "4", "bob", "M-SERVICE", "r1")
    with pytest.raises(HallError) as e:
        hall.record_churn("4", "bob", t.id, "心情不好", None, False)
    assert e.value.code == "unknown_churn_reason" and e.value.status == 400
    assert e.value.details["choices"] == list(config.after_service.churn_reasons)
    assert "资费偏高" in e.value.details["choices"]


def test_churn_for_another_counters_customer(hall):
    t = serve(hall, "4", "bob", "M-SERVICE", "r1")
    hall.open_counter("3", "carol")
    with pytest.raises(Forbidden) as e:
        hall.record_churn("3", "carol", t.id, "其他", None, True)
    assert e.value.code == "not_your_customer"


# --- contacts -----------------------------------------------------------------------------
@pytest.mark.parametrize("raw,normal", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("19912345678", "19912345678"),
    ("010-87654321", "010-87654321"),
    ("(010) 8765 4321", "010-87654321"),
    ("02187654321", "021-87654321"),
    ("0571-87654321", "0571-87654321"),
    ("0571-8765432", "0571-8765432"),
])
def test_contact_normalisation(raw, normal):
    assert normalise_contact(raw) == normal


@pytest.mark.parametrize("raw", ["", "abc", "12345", "1381234567", "138123456789", "12812345678",
                                 "87654321", "010-123", "0571-876543210",
                                 # only ASCII digits count: str.isdigit() also takes these
                                 "1381234567\u00b2", "138\uff11\uff12\uff1345678", "010-876543\u0661\u0662"])
def test_bad_contacts(raw):
    assert normalise_contact(raw) is None


@pytest.mark.parametrize("contact,masked", [
    ("13812345678", "138****5678"), ("010-87654321", "010****4321"), ("0571-87654321", "057****4321"),
    (None, None), ("", ""),
])
def test_mask_contact(contact, masked):
    assert mask_contact(contact) == masked


def test_a_bad_contact_is_refused(hall):
    for raw in ("12345", "电话没有", "87654321"):
        with pytest.raises(HallError) as e:
            hall.open_follow_up("guide1", raw, "问题", business="F-QUERY")
        assert e.value.code == "bad_contact" and e.value.status == 400
    assert hall.follow_ups() == []


# --- follow-ups ---------------------------------------------------------------------------
def test_follow_up_on_the_customer_served(hall, store):
    t = serve(hall, "2", "alice", "F-QUERY", "r1")
    row, events = hall.open_follow_up("alice", "138 1234 5678", "  历史账单为何多扣费? ",
                                      counter_id="2", ticket_id=t.id)
    assert row == {**row, "kind": "query", "ticket": t.id, "number": "D001", "business": "F-QUERY",
                   "summary": "历史账单为何多扣费?", "contact": "13812345678", "created_by": "alice",
                   "counter": "2", "due_date": "2026-11-30", "due_warning": None,
                   "answered_at": None, "answer": None}
    assert [type(e) for e in events] == [FollowUpChanged] and events[0].kind == "opened"
    (e,) = logged(store, hall.today(), ("follow_up",))
    assert e["ticket"] == t.id and e["counter"] == "2" and e["clerk"] == "alice"
    assert e["data"] == {"follow_up": row["id"], "follow_up_kind": "query", "due_date": "2026-11-30"}
    assert hall.recorded_for(t.id)["follow_ups"] == [
        {"id": row["id"], "kind": "query", "question": "历史账单为何多扣费?", "due_date": "2026-11-30",
         "due_warning": None, "answered": False}]


def test_follow_up_on_a_customer_just_finished(hall, clock):
    t = serve(hall, "4", "bob", "M-SERVICE", "r1", finish=True)
    clock.advance(RECORD_WINDOW_S)
    row, _ = hall.open_follow_up("bob", "13912345678", "停机保号费用", "complaint",
                                 counter_id="4", ticket_id=t.id)
    assert row["kind"] == "complaint" and row["due_date"] == "2026-11-27"       # mobile: 2 days
    clock.advance(1)
    with pytest.raises(Forbidden):
        hall.open_follow_up("bob", "13912345678", "再问", counter_id="4", ticket_id=t.id)


def test_the_tickets_business_wins(hall):
    t = serve(hall, "2", "alice", "F-QUERY", "r1")
    row, _ = hall.open_follow_up("alice", "13812345678", "问题", counter_id="2", ticket_id=t.id,
                                 business="M-QUERY")
    assert row["business"] == "F-QUERY"


def test_follow_up_refusals(hall):
    t = serve(hall, "2", "alice", "F-QUERY", "r1")
    cases = [
        (dict(kind="praise", business="F-QUERY"), "bad_follow_up_kind"),
        (dict(question="   ", business="F-QUERY"), "question_missing"),
        (dict(), "business_missing"),
        (dict(ticket_id=t.id), "counter_missing"),
    ]
    for kwargs, code in cases:
        args = {"question": kwargs.pop("question", "问题"), "kind": kwargs.pop("kind", "query")}
        with pytest.raises(HallError) as e:
            hall.open_follow_up("alice", "13812345678", args["question"], args["kind"], **kwargs)
        assert e.value.code == code and e.value.status == 400, code
    with pytest.raises(NotFound) as e:
        hall.open_follow_up("guide1", "13812345678", "问题", business="NOPE")
    assert e.value.code == "unknown_business"
    assert hall.follow_ups() == []


def test_due_date_just_before_national_day(hall, clock):
    clock.set(at(2025, 9, 30, 16))                       # Tuesday; Oct 1–8 is the holiday
    fixed = serve(hall, "2", "alice", "F-QUERY", "r1", finish=True)
    row, _ = hall.open_follow_up("alice", "13812345678", "宽带", counter_id="2", ticket_id=fixed.id)
    assert row["due_date"] == "2025-10-11" and row["due_warning"] is None    # the make-up Saturday
    mobile = serve(hall, "4", "bob", "M-QUERY", "r2", finish=True)
    row, _ = hall.open_follow_up("bob", "13812345678", "流量", counter_id="4", ticket_id=mobile.id)
    assert row["due_date"] == "2025-10-10"
    floor, _ = hall.open_follow_up("guide1", "13812345678", "投诉", "complaint", business="M-NEW")
    assert floor["due_date"] == "2025-10-10" and floor["ticket"] is None and floor["counter"] is None


def test_due_date_into_an_unknown_year_carries_the_warning(hall, clock):
    clock.set(at(2026, 12, 30))
    t = serve(hall, "2", "alice", "F-QUERY", "r1")
    row, _ = hall.open_follow_up("alice", "13812345678", "问题", counter_id="2", ticket_id=t.id)
    assert row["due_date"] == "2027-01-04"
    assert row["due_warning"] and "2027" in row["due_warning"]
    assert hall.recorded_for(t.id)["follow_ups"][0]["due_warning"] == row["due_warning"]
    assert hall.follow_up_view(row)["due_warning"] == row["due_warning"]


def test_answer_masks_the_contact_and_records_in_time(hall, clock, store):
    row, _ = hall.open_follow_up("guide1", "13812345678", "问题", business="M-QUERY")   # due Fri 27th
    clock.advance(2 * 86400)
    answered, events = hall.answer_follow_up(row["id"], "guide2", "  已电话答复 ")
    assert answered == {**answered, "contact": "138****5678", "answer": "已电话答复",
                        "answered_by": "guide2", "answered_at": clock.now()}
    assert events[0].kind == "answered"
    assert hall.follow_ups() == []
    (e,) = logged(store, hall.today(), ("follow_up_answered",))
    assert e["clerk"] == "guide2" and e["business"] == "M-QUERY"
    assert e["data"] == {"follow_up": row["id"], "in_time": True, "due_date": "2026-11-27"}
    view = hall.follow_up_view(answered)
    assert view["answered"] is True and view["overdue"] is False and view["contact"] == "138****5678"

    with pytest.raises(Conflict) as err:
        hall.answer_follow_up(row["id"], "guide1", "再答一次")
    assert err.value.code == "already_answered" and "guide2" in err.value.message
    with store.read() as tx:
        assert tx.follow_up(row["id"])["answer"] == "已电话答复"


def test_answer_late_is_not_in_time(hall, clock, store):
    row, _ = hall.open_follow_up("guide1", "010-87654321", "问题", business="F-QUERY")  # due Mon 30th
    clock.advance(6 * 86400)                                                       # Tue Dec 1st
    answered, _ = hall.answer_follow_up(row["id"], "guide1", "迟复")
    assert answered["contact"] == "010****4321"
    (e,) = logged(store, hall.today(), ("follow_up_answered",))
    assert e["data"]["in_time"] is False


def test_answer_refusals(hall):
    row, _ = hall.open_follow_up("guide1", "13812345678", "问题", business="M-QUERY")
    with pytest.raises(HallError) as e:
        hall.answer_follow_up(row["id"], "guide1", "  ")
    assert e.value.code == "answer_missing"
    with pytest.raises(NotFound) as e:
        hall.answer_follow_up(999, "guide1", "答复")
    assert e.value.code == "unknown_follow_up"
    assert [f["id"] for f in hall.follow_ups()] == [row["id"]]        # still open, number intact
    assert hall.follow_ups()[0]["contact"] == "13812345678"


def test_open_follow_ups_soonest_first_and_due_by(hall):
    fixed, _ = hall.open_follow_up("guide1", "13812345678", "固网", business="F-QUERY")   # 11-30
    mobile, _ = hall.open_follow_up("guide1", "13812345678", "5G", business="M-QUERY")    # 11-27
    assert [f["id"] for f in hall.follow_ups()] == [mobile["id"], fixed["id"]]
    assert [f["id"] for f in hall.follow_ups(due_by="2026-11-27")] == [mobile["id"]]
    assert hall.follow_ups(due_by="2026-11-26") == []


# --- what the counter records on ------------------------------------------------------------
def test_recordable_is_the_current_then_the_last_finished(hall, clock):
    assert hall.recordable("1", "alice") is None
    t = serve(hall, "1", "alice", "F-NEW", "r1")
    assert hall.recordable("1", "alice").id == t.id
    hall.finish("1", "alice")
    clock.advance(60)
    assert hall.recordable("1", "alice").id == t.id
    assert hall.recordable("1", "bob") is None                       # not bob's customer
    clock.advance(RECORD_WINDOW_S)
    assert hall.recordable("1", "alice") is None
