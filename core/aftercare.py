"""What the counter records after service (SPEC §3 flows 4, 6, 7): a recommendation and whether
the customer took it, a follow-up for a query that could not be answered on the spot (due in
Chinese working days), and for an account closing the churn reason, the retention offer and
whether the customer stayed."""
from __future__ import annotations

import re
from datetime import date

from . import tickets as T
from .clock import business_day, iso
from .errors import Conflict, Forbidden, HallError, NotFound
from .events import FollowUpChanged
from .identity import mask_contact, normalise_contact
from .day_config import DayPlan
from .serving import Serving
from .store import Store, Tx
from .tickets import Ticket
from .workdays import add_working_days

RECORD_WINDOW_S = 1800      # a served ticket stays recordable this long after it was finished
FOLLOW_UP_KINDS = ("query", "complaint")
TICKET_NUMBER = re.compile(r"^[A-Z]{1,2}[0-9]{3}$")


class AfterService:
    def __init__(self, plan: DayPlan, store: Store, clock, serving: Serving):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.serving = serving          # whose customer a record is about
        self.tz = plan.tz

    def _served_here(self, tx: Tx, counter_id: str, clerk: str, ticket_id: str) -> Ticket:
        """The ticket this clerk serves, or served at this counter in the last half hour."""
        self.serving.counter(tx, counter_id, clerk)
        t = tx.ticket(ticket_id)
        if t is None:
            raise NotFound("unknown_ticket", "没有找到这张号票")
        recent = t.ended_at is None or t.ended_at >= self.clock.now() - RECORD_WINDOW_S
        if t.counter != counter_id or t.clerk != clerk or t.status not in (T.CALLED, T.SERVING, T.DONE) \
                or not recent:
            raise Forbidden("not_your_customer", f"{t.number} 不是您在本窗口刚服务的客户")
        return t

    def recordable(self, counter_id: str, clerk: str) -> Ticket | None:
        """What the counter page records on: the current customer, else the one this clerk
        finished here last (within the window)."""
        with self.store.read() as tx:
            c = tx.counter(counter_id)
            if c is not None and c.current_ticket:
                return tx.ticket(c.current_ticket)
            last = tx.last_finished(counter_id, self.clock.now() - RECORD_WINDOW_S)
            t = tx.ticket(last["ticket"]) if last else None
        return t if t is not None and t.clerk == clerk else None

    def recommend(self, counter_id: str, clerk: str, ticket_id: str, what: str,
                  accepted: bool) -> tuple[dict, list]:
        what = (what or "").strip()
        if not what:
            raise HallError("recommendation_missing", "请填写推荐的业务")
        with self.store.write() as tx:
            t = self._served_here(tx, counter_id, clerk, ticket_id)
            now = self.clock.now()
            tx.append_event(at=now, day=business_day(now, self.tz), kind="recommended", ticket=t,
                            counter=counter_id, clerk=clerk, what=what, accepted=accepted)
        return {"ticket": t.id, "what": what, "accepted": accepted}, []

    def record_churn(self, counter_id: str, clerk: str, ticket_id: str, reason: str,
                     offer: str | None, stayed: bool) -> tuple[dict, list]:
        """销户/销号: why, what was offered, and whether the customer stayed."""
        lists = self.plan.config.after_service
        if reason not in lists.churn_reasons:
            raise HallError("unknown_churn_reason", "请从列表中选择销户原因",
                            choices=list(lists.churn_reasons))
        offer = (offer or "").strip() or None
        with self.store.write() as tx:
            t = self._served_here(tx, counter_id, clerk, ticket_id)
            b = self.plan.config.business(t.business)
            if b is None or not self.plan.config.asks_retention(b):
                raise Conflict("not_an_account_closing", f"{b.name if b else t.business}不是销户/销号业务")
            now = self.clock.now()
            tx.append_event(at=now, day=business_day(now, self.tz), kind="churn", ticket=t,
                            counter=counter_id, clerk=clerk, reason=reason, offer=offer, stayed=stayed)
        return {"ticket": t.id, "reason": reason, "offer": offer, "stayed": stayed}, []

    # --- follow-ups -----------------------------------------------------------------
    def due_date(self, business_code: str, opened: date) -> tuple[date, str | None]:
        b = self.plan.config.business(business_code)
        if b is None:
            raise NotFound("unknown_business", f"没有代码为 {business_code} 的业务")
        return add_working_days(opened, self.plan.config.follow_up_days(b))

    def open_follow_up(self, by: str, contact: str, question: str, kind: str = "query", *,
                       counter_id: str | None = None, ticket_id: str | None = None,
                       business: str | None = None,
                       ticket_number: str | None = None) -> tuple[dict, list]:
        """A query not answerable on the spot, or a complaint: recorded with the customer's
        contact and answered by a due date. From a counter it belongs to the customer served;
        on the floor it may name the customer's ticket of today (`ticket_number`, e.g. A007).
        A refusal names the form field it is about (`field`), in the hall's words."""
        if kind not in FOLLOW_UP_KINDS:
            raise HallError("bad_follow_up_kind", "请选择投诉或咨询", field="kind")
        if business is not None and self.plan.config.business(business) is None:
            raise NotFound("unknown_business", "请从列表中选择业务", field="business")
        question = (question or "").strip()
        if not question:
            raise HallError("question_missing", "请写下客户反映的问题或经过", field="question")
        phone = normalise_contact(contact)
        if phone is None:
            raise HallError("bad_contact", "请填写正确的联系电话(11 位手机号,或带区号的固定电话)",
                            field="contact")
        ref = (ticket_number or "").strip() or None
        now = self.clock.now()
        today = business_day(now, self.tz)
        with self.store.write() as tx:
            t = None
            if ticket_id is not None:
                if counter_id is None:
                    raise HallError("counter_missing", "请在窗口登记该客户的回访")
                t = self._served_here(tx, counter_id, by, ticket_id)
                business = t.business
            elif ref is not None:
                t = self._ticket_of_today(tx, ref, today)
                business = business or t.business
            if business is None:
                raise HallError("business_missing", "请选择问题所属的业务", field="business")
            due, warning = self.due_date(business, date.fromisoformat(today))
            row = tx.insert_follow_up(
                kind=kind, ticket=t.id if t else None, number=t.number if t else None,
                business=business, summary=question, contact=phone, created_at=now, created_by=by,
                counter=counter_id, due_date=due.isoformat(), due_warning=warning)
            tx.append_event(at=now, day=today, kind="follow_up", ticket=t, counter=counter_id,
                            clerk=by, business=business, follow_up=row["id"], follow_up_kind=kind,
                            due_date=row["due_date"])
        return row, [FollowUpChanged(row, "opened")]

    def _ticket_of_today(self, tx: Tx, ref: str, today: str) -> Ticket:
        """A ticket of today by its number as the customer reads it (A007, a007, "A 007") or
        by its token."""
        number = "".join(ref.split()).upper()
        if TICKET_NUMBER.match(number):
            row = tx.conn.execute(
                "SELECT id FROM tickets WHERE day = ? AND number = ? ORDER BY issued_at DESC LIMIT 1",
                (today, number)).fetchone()
            t = tx.ticket(row[0]) if row else None
            if t is None:
                raise NotFound("unknown_ticket_number",
                               f"今天没有 {number} 号,请核对客户号票上的号码(也可以不填)", field="ticket")
            return t
        t = tx.ticket(ref) if len(ref) <= 128 else None
        if t is None or t.day != today:
            raise HallError("bad_ticket_number", "号码应为字母加三位数字,如 A007(也可以不填)",
                            field="ticket")
        return t

    def answer_follow_up(self, follow_up_id: int, by: str, answer: str) -> tuple[dict, list]:
        answer = (answer or "").strip()
        if not answer:
            raise HallError("answer_missing", "请填写答复内容")
        now = self.clock.now()
        today = business_day(now, self.tz)
        with self.store.write() as tx:
            row = tx.follow_up(follow_up_id)
            if row is None:
                raise NotFound("unknown_follow_up", "没有找到这条回访")
            if row["answered_at"] is not None:
                raise Conflict("already_answered", f"这条回访已由 {row['answered_by']} 答复")
            # The full number was kept only to call back.
            row = tx.update_follow_up(follow_up_id, answered_at=now, answered_by=by, answer=answer,
                                      contact=mask_contact(row["contact"]))
            tx.append_event(at=now, day=today, kind="follow_up_answered", clerk=by,
                            business=row["business"], follow_up=follow_up_id,
                            in_time=today <= row["due_date"], due_date=row["due_date"])
        return row, [FollowUpChanged(row, "answered")]

    def follow_ups(self, due_by: str | None = None) -> list[dict]:
        with self.store.read() as tx:
            return tx.open_follow_ups(due_by)

    def recorded_for(self, ticket_id: str) -> dict:
        """What the counter recorded about a ticket after service."""
        with self.store.read() as tx:
            events = tx.ticket_events(ticket_id, ("recommended", "churn"))
            follow_ups = tx.follow_ups_of(ticket_id)
        return {
            "recommendations": [{"what": e["data"]["what"], "accepted": e["data"]["accepted"],
                                 "at": iso(e["at"], self.tz)} for e in events if e["kind"] == "recommended"],
            "churn": [{"reason": e["data"]["reason"], "offer": e["data"].get("offer"),
                       "stayed": e["data"]["stayed"], "at": iso(e["at"], self.tz)}
                      for e in events if e["kind"] == "churn"],
            "follow_ups": [{"id": f["id"], "kind": f["kind"], "question": f["summary"],
                            "due_date": f["due_date"], "due_warning": f["due_warning"],
                            "answered": f["answered_at"] is not None} for f in follow_ups],
        }
