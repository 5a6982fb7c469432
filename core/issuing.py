"""Issuing tickets: the kiosk's (or the guide's) ticket, the ID card read for it, and whether the
kiosk printed it."""
from __future__ import annotations

import secrets
from datetime import date

from . import hours, identity, picture, priorities, tickets as T
from .clock import business_day
from .day_config import DayPlan
from .day_end import DayEnd
from .errors import Conflict, HallError, NotFound, Unavailable
from .events import TicketIssued
from .floor import Floor
from .picture import Pictures
from .store import Store
from .tickets import CardRead, Ticket

CARD_READ_TTL_S = 600      # a card read is good for one ticket within ten minutes
MAX_PER_PREFIX = 999       # numbers are prefix + 3 digits


class TicketIssuer:
    def __init__(self, plan: DayPlan, store: Store, clock, day_end: DayEnd, floor: Floor,
                 pictures: Pictures, id_key: bytes):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.day_end = day_end
        self.floor = floor
        self.pictures = pictures
        self.tz = plan.tz
        self._id_key = id_key       # the ID-number hashes' key (core/keys.py)
        # Whether tickets are taken around the clock (core/hours.py): the served hall keeps its
        # hours (create_app sets this False, the demo True); a bare Hall (the simulator, scripts)
        # issues whenever its clock says.
        self.always_open = True

    @property
    def config(self):
        return self.plan.config

    def issue_ticket(self, business: str, request_id: str, kiosk: str | None = None,
                     card_token: str | None = None, priority: str | None = None,
                     remote_source: str | None = None, given_by: str | None = None
                     ) -> tuple[Ticket, bool, list]:
        """Issue a ticket (or return the one this request_id already got: created=False).
        A card read is good only at the kiosk that read it, once; `remote_source` (a ticket
        taken without kiosk or staff) counts against that source's quota for the day;
        `given_by`: the staff member who gave it its priority class (logged, priorities.py)."""
        config = self.config
        b = config.business(business)
        if b is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        if kiosk is not None and config.kiosk(kiosk) is None:
            raise NotFound("unknown_kiosk", f"没有编号为 {kiosk} 的取号机")
        if priority is not None and config.priority_class(priority) is None:
            raise HallError("unknown_priority", f"没有代码为 {priority} 的优先类别")
        try:
            return self._issue(b, business, request_id, kiosk, card_token, priority, remote_source,
                               given_by)
        except BaseException:
            self.pictures.forget()          # it may hold a ticket that was never committed
            raise

    def _issue(self, b, business, request_id, kiosk, card_token, priority, remote_source, given_by):
        events: list = []
        with self.store.write() as tx:
            existing = tx.ticket_by_request(request_id)
            if existing is not None:
                if existing.issued_business != business:
                    raise Conflict("request_id_reused", "这个请求编号已用于另一项业务的取号")
                return existing, False, []
            # Paused or limited is read here, with the write lock held: a pause the manager
            # committed a moment ago is never passed by a ticket already on its way.
            Floor.check_issuing(b, picture.issuing_of(tx))
            hours.check_open(self)          # outside the hall's hours: hall_closed (core/hours.py)
            now, day = self.day_end.begin(tx, events)
            card, note = None, None
            if card_token is not None:
                card = tx.card_read(card_token)
                if card is None or now - card.at > CARD_READ_TTL_S or card.kiosk != kiosk:
                    raise HallError("card_token_invalid", "身份证读取已失效,请重新放置身份证")
                tx.forget_card_reads(token=card_token)
                already = tx.queued_ticket_of(card.id_hash, b.code)
                if already is not None:         # the same person, the same queue: that ticket
                    return already, False, []
                if card.senior and priority is None:
                    cls = self.config.age_priority(self.config.hall.senior_age)
                    priority = cls.code if cls else None
                crm = self.config.crm
                if priority is None and crm.url and (card.star or 0) >= crm.star_min:
                    priority, given_by = crm.priority, "crm"        # 星级客户, by the CRM's word
                    note = f"星级 {card.star}"
            if remote_source is not None and not tx.take_remote_quota(
                    day, remote_source, self.config.remote.per_source_per_day):
                raise HallError("too_many_tickets", "今日从此设备取号次数已达上限,请到取号机取号",
                                status=429)
            # The kept picture is the hall just before this ticket: it is drawn into it (core/picture.py).
            before = self.pictures.kept()
            if (before is None or before.config is not self.config
                    or picture.still(tx, before.version) is None):
                before = None
            n = tx.next_number(day, b.prefix)
            if n > MAX_PER_PREFIX:
                raise Unavailable("numbers_exhausted", f"今日{b.name}号码已发完,请咨询导购")
            ticket = Ticket(
                id=secrets.token_urlsafe(16), request_id=request_id, day=day,
                number=f"{b.prefix}{n:03d}", business=b.code, issued_business=b.code,
                status=T.WAITING, issued_at=now, queued_at=now, priority=priority, kiosk=kiosk,
                masked_name=card.masked_name if card else None,
                age_band=card.age_band if card else None, id_hash=card.id_hash if card else None)
            tx.insert_ticket(ticket)
            tx.append_event(at=now, day=day, kind="issued", ticket=ticket, kiosk=kiosk,
                            priority=priority)
            if priority is not None and given_by is not None:
                priorities.log_at_issue(tx, now, day, ticket, given_by, note)
            # Drawn in under the write lock: the next issue finds it and is drawn in after it.
            if before is not None and priority is None:
                after = picture.issued(before, ticket, tx.last_seq())
                if after is not None:
                    self.pictures.keep(after)
        events.append(TicketIssued(ticket))
        return ticket, True, events

    def register_card(self, kiosk: str | None, name: str, id_number: str, birth_date: date,
                      star: int | None = None) -> CardRead:
        """Keep what the hall needs of a card just read (and the CRM's star level, when it
        answered); the caller drops the rest."""
        now = self.clock.now()
        today = date.fromisoformat(business_day(now, self.tz))
        config = self.config
        kept = identity.keep(name, id_number, birth_date, self._id_key, today,
                             config.hall.senior_age)
        granted = config.age_priority(kept["age"]) is not None
        read = CardRead(token=secrets.token_urlsafe(16), at=now, kiosk=kiosk,
                        masked_name=kept["masked_name"], age_band=kept["age_band"],
                        senior=kept["senior"] or granted, id_hash=kept["id_hash"], star=star)
        with self.store.write() as tx:
            tx.forget_card_reads(before=now - CARD_READ_TTL_S)
            tx.insert_card_read(read)
        return read

    def record_print(self, ticket_id: str, printed: bool, error: str | None) -> tuple[Ticket, list]:
        """Remember whether the kiosk printed the ticket, so a retried request neither prints
        twice nor forgets to print."""
        with self.store.write() as tx:
            t = tx.ticket(ticket_id)
            if t is None:
                raise NotFound("unknown_ticket", "没有找到这张号票")
            t = t.with_(printed=printed, print_error=None if printed else error)
            tx.save_ticket(t)
        return t, []
