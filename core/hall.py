"""The hall's commands. Each runs in one store transaction and returns domain events.

Blueprints call these and hand the events to the publisher; nothing here knows about HTTP.
"""
from __future__ import annotations

import json
import re
import secrets
from datetime import date

from . import hours, identity, picture, routing, tickets as T
from .clock import business_day
from .config import HallConfig
from .errors import Conflict, Forbidden, HallError, NotFound, Unavailable
from .aftercare import AfterServiceCommands
from .alerts import AlertCommands
from .customers import CustomerCommands
from .floor import FloorCommands
from .guide import GuideCommands
from .manager import ManagerBoard
from .reader import HallReader
from .events import CounterChanged, DayClosed, TicketCalled, TicketChanged, TicketIssued
from .store import Store, Tx
from .tickets import CardRead, CounterState, Ticket

CARD_READ_TTL_S = 600      # a card read is good for one ticket within ten minutes
MAX_PER_PREFIX = 999       # numbers are prefix + 3 digits


class Hall(HallReader, FloorCommands, CustomerCommands, GuideCommands, AlertCommands,
           AfterServiceCommands, ManagerBoard):
    """The commands (each one transaction); the reading side is HallReader."""

    def __init__(self, config: HallConfig, store: Store, clock=None):
        super().__init__(config, store, clock)
        # Whether tickets are taken around the clock (core/hours.py): the served hall keeps its
        # hours (create_app sets this False, the demo True); a bare Hall (the simulator, scripts)
        # issues whenever its clock says.
        self.always_open = True
        self._seen_day: str | None = None
        with store.write() as tx:
            tx.ensure_counters([c.id for c in config.counters])
        # The ID-number hashes' key: out of the database, in its key file (core/keys.py).
        self._id_key = bytes.fromhex(store.keys.id_hash_key)

    # --- helpers --------------------------------------------------------------------
    def _begin(self, tx: Tx, events: list) -> tuple[float, str]:
        """Now and today's business day; on the first command of a new day, close the old one."""
        now = self.clock.now()
        day = business_day(now, self.tz)
        if day != self._seen_day:
            closed = self._close_live(tx, now, day, tx.live_tickets(before_day=day), reason="day_end")
            if closed:
                # Cached only once nothing is left to close: this transaction may still roll back.
                events.append(DayClosed(day=day, closed_tickets=closed))
            else:
                self._seen_day = day
        return now, day

    def _close_live(self, tx: Tx, now: float, day: str, live: list[Ticket], reason: str) -> int:
        for t in live:
            status = T.DONE if t.status == T.SERVING else T.NO_SHOW
            tx.save_ticket(t.with_(status=status, ended_at=now))
            tx.append_event(at=now, day=day, kind="finished" if status == T.DONE else "no_show",
                            ticket=t, counter=t.counter, clerk=t.clerk, reason=reason)
        if live:
            for c in tx.counters().values():
                if c.current_ticket or c.state != T.CLOSED:
                    tx.save_counter(c.with_(state=T.CLOSED, clerk=None, current_ticket=None,
                                            updated_at=now))
        return len(live)

    def _counter(self, tx: Tx, counter_id: str, clerk: str | None) -> CounterState:
        if self.config.counter(counter_id) is None:
            raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
        c = tx.counter(counter_id)
        if clerk is not None and c.clerk != clerk:
            raise Forbidden("not_your_counter", f"您未在{self.counter_name(counter_id)}签到")
        return c

    def _current(self, tx: Tx, c: CounterState, allowed: tuple[str, ...], action: str) -> Ticket:
        t = tx.ticket(c.current_ticket) if c.current_ticket else None
        if t is None or t.status not in T.AT_COUNTER:
            raise Conflict("no_current_ticket", f"{self.counter_name(c.id)}当前没有正在办理的号码")
        if t.status not in allowed:
            raise Conflict("wrong_ticket_state", f"{t.number} 当前状态为{STATUS_ZH[t.status]},不能{action}")
        return t

    # --- issuing --------------------------------------------------------------------
    def issue_ticket(self, business: str, request_id: str, kiosk: str | None = None,
                     card_token: str | None = None, priority: str | None = None,
                     remote_source: str | None = None) -> tuple[Ticket, bool, list]:
        """Issue a ticket (or return the one this request_id already got: created=False).
        A card read is good only at the kiosk that read it, once; `remote_source` (a ticket
        taken without kiosk or staff) counts against that source's quota for the day."""
        b = self.config.business(business)
        if b is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        if kiosk is not None and self.config.kiosk(kiosk) is None:
            raise NotFound("unknown_kiosk", f"没有编号为 {kiosk} 的取号机")
        if priority is not None and self.config.priority_class(priority) is None:
            raise HallError("unknown_priority", f"没有代码为 {priority} 的优先类别")
        self._check_issuing(b)
        try:
            return self._issue(b, business, request_id, kiosk, card_token, priority, remote_source)
        except BaseException:
            self.pictures.forget()          # it may hold a ticket that was never committed
            raise

    def _issue(self, b, business, request_id, kiosk, card_token, priority, remote_source):
        events: list = []
        with self.store.write() as tx:
            existing = tx.ticket_by_request(request_id)
            if existing is not None:
                if existing.issued_business != business:
                    raise Conflict("request_id_reused", "这个请求编号已用于另一项业务的取号")
                return existing, False, []
            hours.check_open(self)          # outside the hall's hours: hall_closed (core/hours.py)
            now, day = self._begin(tx, events)
            card = None
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
            # Drawn in under the write lock: the next issue finds it and is drawn in after it.
            if before is not None and priority is None:
                after = picture.issued(before, ticket, tx.last_seq())
                if after is not None:
                    self.pictures.keep(after)
        events.append(TicketIssued(ticket))
        return ticket, True, events

    def register_card(self, kiosk: str | None, name: str, id_number: str, birth_date: date
                      ) -> CardRead:
        """Keep what the hall needs of a card just read; the caller drops the rest."""
        now = self.clock.now()
        today = date.fromisoformat(business_day(now, self.tz))
        kept = identity.keep(name, id_number, birth_date, self._id_key, today,
                             self.config.hall.senior_age)
        granted = self.config.age_priority(kept["age"]) is not None
        read = CardRead(token=secrets.token_urlsafe(16), at=now, kiosk=kiosk,
                        masked_name=kept["masked_name"], age_band=kept["age_band"],
                        senior=kept["senior"] or granted, id_hash=kept["id_hash"])
        with self.store.write() as tx:
            tx.forget_card_reads(before=now - CARD_READ_TTL_S)
            tx.insert_card_read(read)
        return read

    # --- counters -------------------------------------------------------------------
    def open_counter(self, counter_id: str, clerk: str) -> tuple[CounterState, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, None)
            if c.clerk == clerk and c.state != T.CLOSED:
                return c, events
            if c.clerk is not None and c.clerk != clerk:
                raise Conflict("counter_taken", f"{self.counter_name(counter_id)}已由其他营业员签到")
            for other in tx.counters().values():
                if other.clerk == clerk and other.id != counter_id:
                    if other.current_ticket:
                        raise Conflict("clerk_busy_elsewhere",
                                       f"您在{self.counter_name(other.id)}还有未办结的号码")
                    closed = other.with_(state=T.CLOSED, clerk=None, updated_at=now)
                    tx.save_counter(closed)
                    tx.append_event(at=now, day=day, kind="counter_closed", counter=other.id, clerk=clerk)
                    events.append(CounterChanged(closed, "closed"))
            c = c.with_(state=T.OPEN, clerk=clerk, updated_at=now)
            tx.save_counter(c)
            tx.append_event(at=now, day=day, kind="counter_opened", counter=counter_id, clerk=clerk)
        events.append(CounterChanged(c, "opened"))
        return c, events

    def close_counter(self, counter_id: str, clerk: str | None) -> tuple[CounterState, list]:
        """Leave the counter. `clerk=None` is a manager closing it for whoever holds it."""
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            if c.current_ticket:
                raise Conflict("ticket_in_progress", "请先办结或标记过号当前号码,再关闭窗口")
            if c.state == T.CLOSED:
                return c, events
            closed = c.with_(state=T.CLOSED, clerk=None, updated_at=now)
            tx.save_counter(closed)
            tx.append_event(at=now, day=day, kind="counter_closed", counter=counter_id, clerk=c.clerk)
        events.append(CounterChanged(closed, "closed"))
        return closed, events

    def pause(self, counter_id: str, clerk: str, reason: str | None = None) -> tuple[CounterState, list]:
        return self._set_pause(counter_id, clerk, paused=True, reason=reason)

    def resume(self, counter_id: str, clerk: str) -> tuple[CounterState, list]:
        return self._set_pause(counter_id, clerk, paused=False)

    def _set_pause(self, counter_id: str, clerk: str, paused: bool,
                   reason: str | None = None) -> tuple[CounterState, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            want, kind = (T.PAUSED, "paused") if paused else (T.OPEN, "resumed")
            if c.state == want:
                return c, events
            if paused and c.current_ticket:
                raise Conflict("ticket_in_progress", "请先办结或标记过号当前号码,再暂停服务")
            c = c.with_(state=want, updated_at=now)
            tx.save_counter(c)
            tx.append_event(at=now, day=day, kind=kind, counter=counter_id, clerk=clerk,
                            **({"reason": reason} if reason else {}))
        events.append(CounterChanged(c, kind))
        return c, events

    # --- serving --------------------------------------------------------------------
    def call_next(self, counter_id: str, clerk: str) -> tuple[Ticket | None, list]:
        """Give the counter its best waiting ticket. A customer being served is finished first
        (a call pad's CALL means "done, next"), held to finish's rule: no required key moment
        left open. Refused, changing nothing:
        - within `routing.repeat_call_s` of the counter's last call (a double press, a key
          bounce, a retried request): `call_repeated`;
        - while the customer called was never started (`not_started`): counting them served
          would be a service that never happened, and marking them no-show would void the
          ticket of someone who may be at the window. The clerk says which it was: 开始办理
          (start) or 过号 (no-show)."""
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            if c.state == T.PAUSED:
                raise Conflict("counter_paused", f"{self.counter_name(counter_id)}暂停服务中,请先恢复")
            current = tx.ticket(c.current_ticket) if c.current_ticket else None
            if current is not None and current.status in T.AT_COUNTER:
                if now - (current.last_called_at or now) < self.config.routing.repeat_call_s:
                    raise Conflict("call_repeated", f"刚刚已叫 {current.number},重复按键不会再叫下一位",
                                   ticket=current.number)
                if current.status == T.CALLED:
                    raise Conflict("not_started", f"{current.number} 已叫号但还没有开始办理:客户已到请按"
                                   "「开始办理」,未到请按「重呼」或「过号」", ticket=current.number)
                self._refuse_open_checklist(current)
                events.append(self._finish(tx, now, day, c, current))
            cfg = self.config.counter(counter_id)
            pick = routing.pick_next(self.config, cfg, tx.queued_tickets(cfg.businesses, cfg.id), now)
            best = tx.ticket(pick.id) if pick is not None else None
            if best is None:
                tx.save_counter(c.with_(current_ticket=None, updated_at=now))
                return None, events
            called = best.with_(status=T.CALLED, counter=counter_id, clerk=clerk, called_at=now,
                                last_called_at=now, recalls=0, started_at=None, ended_at=None)
            tx.save_ticket(called)
            tx.save_counter(c.with_(current_ticket=called.id, updated_at=now))
            tx.append_event(at=now, day=day, kind="called", ticket=called, counter=counter_id,
                            clerk=clerk, wait_s=round(now - best.queued_at, 3))
        events.append(TicketCalled(called, counter_id, recall=False))
        return called, events

    def recall(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, (T.CALLED,), "重呼")
            t = t.with_(recalls=t.recalls + 1, last_called_at=now)
            tx.save_ticket(t)
            tx.append_event(at=now, day=day, kind="recalled", ticket=t, counter=counter_id,
                            clerk=clerk, recalls=t.recalls)
        events.append(TicketCalled(t, counter_id, recall=True))
        return t, events

    def start(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, (T.CALLED,), "开始办理")
            t = t.with_(status=T.SERVING, started_at=now)
            tx.save_ticket(t)
            tx.append_event(at=now, day=day, kind="started", ticket=t, counter=counter_id, clerk=clerk)
        events.append(TicketChanged(t, "started"))
        return t, events

    def finish(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, T.AT_COUNTER, "办结")
            self._refuse_open_checklist(t)
            event = self._finish(tx, now, day, c, t)
        events.append(event)
        return event.ticket, events

    def _refuse_open_checklist(self, t: Ticket) -> None:
        missing = self.missing_checklist(t)
        if missing:
            names = "".join(f"「{moment_title(self.config.checklist.get(k, k))}」" for k in missing)
            raise Conflict("checklist_incomplete", f"还有关键时刻没有勾选:{names}。做到后请在右侧勾选,再办结",
                           missing=missing)

    def missing_checklist(self, t: Ticket) -> list[str]:
        b = self.config.business(t.business)
        return [k for k in (b.checklist_required if b else ()) if k not in t.ticked]

    def tick(self, counter_id: str, clerk: str, key: str, ticked: bool) -> tuple[Ticket, list]:
        """Tick (or untick) a key moment of the current customer's business."""
        with self.store.write() as tx:
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, T.AT_COUNTER, "勾选")
            b = self.config.business(t.business)
            if b is None or key not in b.checklist:
                raise HallError("unknown_checklist_item", f"{key} 不是本业务的关键时刻")
            items = [k for k in t.ticked if k != key] + ([key] if ticked else [])
            t = t.with_(checklist=json.dumps(sorted(items)))
            tx.save_ticket(t)
            now = self.clock.now()
            tx.append_event(at=now, day=business_day(now, self.tz), kind="checklist", ticket=t,
                            counter=counter_id, clerk=clerk, key=key, ticked=ticked)
        return t, []

    def _finish(self, tx: Tx, now: float, day: str, c: CounterState, t: Ticket) -> TicketChanged:
        implicit = t.started_at is None
        started = t.started_at if t.started_at is not None else t.called_at
        done = t.with_(status=T.DONE, started_at=started, ended_at=now)
        missing = self.missing_checklist(t)
        tx.save_ticket(done)
        tx.save_counter(c.with_(current_ticket=None, updated_at=now))
        tx.append_event(at=now, day=day, kind="finished", ticket=done, counter=c.id, clerk=c.clerk,
                        service_s=round(now - started, 3), implicit_start=implicit,
                        checklist=t.ticked, checklist_missing=missing)
        return TicketChanged(done, "finished")

    def no_show(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, (T.CALLED,), "标记过号")
            t = t.with_(status=T.NO_SHOW, ended_at=now)
            tx.save_ticket(t)
            tx.save_counter(c.with_(current_ticket=None, updated_at=now))
            tx.append_event(at=now, day=day, kind="no_show", ticket=t, counter=counter_id,
                            clerk=clerk, recalls=t.recalls)
        events.append(TicketChanged(t, "no_show"))
        return t, events

    def undo_no_show(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        """A no-show pressed by mistake (the customer was at the window): within
        `routing.no_show_undo_s` the ticket is this counter's called customer again."""
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            last = tx.last_turn(counter_id)
            t = tx.ticket(last["ticket"]) if last and last["kind"] == "no_show" else None
            if t is None or t.status != T.NO_SHOW or now - last["at"] > self.config.routing.no_show_undo_s:
                raise Conflict("nothing_to_undo",
                               f"没有可撤销的过号(只能撤销本窗口 {self.config.routing.no_show_undo_s} 秒内的过号)")
            if c.current_ticket:
                raise Conflict("ticket_in_progress", "窗口已在办理其他号码,不能撤销过号")
            if c.state != T.OPEN:
                raise Conflict("counter_paused", f"{self.counter_name(counter_id)}暂停服务中,请先恢复")
            t = t.with_(status=T.CALLED, ended_at=None, counter=counter_id, clerk=clerk)
            tx.save_ticket(t)
            tx.save_counter(c.with_(current_ticket=t.id, updated_at=now))
            tx.append_event(at=now, day=day, kind="no_show_undone", ticket=t, counter=counter_id,
                            clerk=clerk)
        events.append(TicketChanged(t, "no_show_undone"))
        return t, events

    def transfer(self, counter_id: str, clerk: str, business: str | None = None,
                 to_counter: str | None = None, reason: str | None = None) -> tuple[Ticket, list]:
        """Send the current customer to another queue (or one counter), keeping the ticket's
        number and issue time: it is called there ahead of customers who came later."""
        if business is None and to_counter is None:
            raise HallError("transfer_target_missing", "请指定转往的业务或窗口")
        if business is not None and self.config.business(business) is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        if to_counter is not None and self.config.counter(to_counter) is None:
            raise NotFound("unknown_counter", f"没有编号为 {to_counter} 的窗口")
        if to_counter == counter_id:
            raise Conflict("transfer_to_self", "不能转给本窗口")
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)
            c = self._counter(tx, counter_id, clerk)
            t = self._current(tx, c, T.AT_COUNTER, "转移")
            moved = t.with_(status=T.TRANSFERRED, business=business or t.business,
                            target_counter=to_counter, queued_at=now, counter=None, clerk=None,
                            called_at=None, last_called_at=None, recalls=0, started_at=None)
            tx.save_ticket(moved)
            tx.save_counter(c.with_(current_ticket=None, updated_at=now))
            tx.append_event(at=now, day=day, kind="transferred", ticket=moved, counter=counter_id,
                            clerk=clerk, from_business=t.business, to_business=moved.business,
                            to_counter=to_counter, reason=reason,
                            service_s=round(now - t.started_at, 3) if t.started_at else None)
        events.append(TicketChanged(moved, "transferred"))
        return moved, events

    # --- the day --------------------------------------------------------------------
    def reset_day(self) -> tuple[int, list]:
        """End the business day now: live tickets close, counters close, numbering restarts."""
        with self.store.write() as tx:
            now = self.clock.now()
            day = business_day(now, self.tz)
            closed = self._close_live(tx, now, day, tx.live_tickets(), reason="day_reset")
            for c in tx.counters().values():
                if c.state != T.CLOSED:
                    tx.save_counter(c.with_(state=T.CLOSED, clerk=None, current_ticket=None,
                                            updated_at=now))
            tx.restart_numbers(day)
            tx.append_event(at=now, day=day, kind="day_closed", closed=closed)
        return closed, [DayClosed(day=day, closed_tickets=closed)]


STATUS_ZH = {T.WAITING: "等待中", T.CALLED: "已叫号", T.SERVING: "办理中", T.DONE: "已办结",
             T.NO_SHOW: "已过号", T.TRANSFERRED: "已转移"}


def moment_title(text: str) -> str:
    """A key moment's words up to its first explanation (「审核有效证件」 of
    「审核有效证件(单位须营业执照…)」): whole phrases, never cut mid-word."""
    return re.split(r"[((,,::;;]", text, maxsplit=1)[0].strip() or text
