"""The counters and the customers at them: a clerk opens a window, calls, starts, finishes,
marks a no-show (and undoes it), transfers, ticks the key moments, pauses and leaves."""
from __future__ import annotations

import json
import re

from . import routing, tickets as T
from .clock import business_day
from .day_config import DayPlan
from .day_end import DayEnd
from .errors import Conflict, Forbidden, HallError, NotFound
from .events import CounterChanged, TicketCalled, TicketChanged
from .store import Store, Tx
from .tickets import CounterState, Ticket


class Serving:
    def __init__(self, plan: DayPlan, store: Store, clock, day_end: DayEnd):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.day_end = day_end
        self.tz = plan.tz

    def counter(self, tx: Tx, counter_id: str, clerk: str | None) -> CounterState:
        """The counter, held by this clerk (any holder when `clerk` is None)."""
        if self.plan.config.counter(counter_id) is None:
            raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
        c = tx.counter(counter_id)
        if clerk is not None and c.clerk != clerk:
            raise Forbidden("not_your_counter", f"您未在{self.plan.counter_name(counter_id)}签到")
        return c

    def _current(self, tx: Tx, c: CounterState, allowed: tuple[str, ...], action: str) -> Ticket:
        t = tx.ticket(c.current_ticket) if c.current_ticket else None
        if t is None or t.status not in T.AT_COUNTER:
            raise Conflict("no_current_ticket", f"{self.plan.counter_name(c.id)}当前没有正在办理的号码")
        if t.status not in allowed:
            raise Conflict("wrong_ticket_state", f"{t.number} 当前状态为{STATUS_ZH[t.status]},不能{action}")
        return t

    # --- counters -------------------------------------------------------------------
    def open_counter(self, counter_id: str, clerk: str) -> tuple[CounterState, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, None)
            if c.clerk == clerk and c.state != T.CLOSED:
                return c, events
            if c.clerk is not None and c.clerk != clerk:
                raise Conflict("counter_taken", f"{self.plan.counter_name(counter_id)}已由其他营业员签到")
            for other in tx.counters().values():
                if other.clerk == clerk and other.id != counter_id:
                    if other.current_ticket:
                        raise Conflict("clerk_busy_elsewhere",
                                       f"您在{self.plan.counter_name(other.id)}还有未办结的号码")
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
            self._ready_to_call(tx, c, now, day, events)
            cfg = self.plan.config.counter(counter_id)
            pick = routing.pick_next(self.plan.config, cfg, tx.queued_tickets(cfg.businesses, cfg.id), now)
            best = tx.ticket(pick.id) if pick is not None else None
            if best is None:
                tx.save_counter(c.with_(current_ticket=None, updated_at=now))
                return None, events
            called = self._call(tx, now, day, c, clerk, best)
        events.append(TicketCalled(called, counter_id, recall=False))
        return called, events

    def call_ticket(self, counter_id: str, clerk: str, ref: str, reason: str | None = None
                    ) -> tuple[Ticket, list]:
        """Call a chosen waiting ticket out of order (NovoSGA #323): by its token, today's
        number, or its QR link (a hand scanner types it). The counter must serve its line; the
        same rules as call-next hold (a double press, a customer called but never started), and
        the log says who, why, and how many it went past."""
        reasons = self.plan.config.routing.call_reasons
        if reason is not None and reason not in reasons:
            raise HallError("unknown_call_reason", f"请选择叫号理由:{'、'.join(reasons)}")
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
            t = self._find(tx, ref, day)
            if not t.queued:
                raise Conflict("ticket_not_waiting",
                               f"{t.number} 当前状态为{STATUS_ZH[t.status]},不在排队中,不能叫号")
            cfg = self.plan.config.counter(counter_id)
            if not routing.can_serve(cfg, t):
                where = (self.plan.counter_name(t.target_counter) if t.target_counter
                         else self.plan.business_name(t.business))
                raise Conflict("not_for_this_counter",
                               f"{t.number} 排在{where}的队列,{self.plan.counter_name(counter_id)}不办理,不能叫号")
            self._ready_to_call(tx, c, now, day, events)
            line = routing.line_for(self.plan.config, cfg, tx.queued_tickets(cfg.businesses, cfg.id), now)
            skipped = next((i for i, q in enumerate(line) if q.id == t.id), 0)
            called = self._call(tx, now, day, c, clerk, t, out_of_order=True,
                                reason=reason or "未说明", skipped=skipped)
        events.append(TicketCalled(called, counter_id, recall=False))
        return called, events

    def _find(self, tx: Tx, ref: str, day: str) -> Ticket:
        """A ticket by token, today's number (a012 → A012) or its tracking link."""
        ref = ticket_ref(ref)
        t = tx.ticket(ref) if ref else None
        if t is None and NUMBER.match(ref.upper()):
            t = tx.ticket_of_day(day, ref.upper())
        if t is None:
            raise NotFound("unknown_ticket", f"今天没有号码 {ref.upper()}" if NUMBER.match(ref.upper())
                           else "没有找到这张号票")
        if t.day != day:
            raise Conflict("ticket_not_today", f"{t.number} 是 {t.day} 的号票,不是今天的")
        return t

    def _ready_to_call(self, tx: Tx, c: CounterState, now: float, day: str, events: list) -> None:
        """What must hold before a counter calls anyone: open, no double press, the customer
        at the window started and finished (finished here, as a call pad's CALL means)."""
        if c.state == T.PAUSED:
            raise Conflict("counter_paused", f"{self.plan.counter_name(c.id)}暂停服务中,请先恢复")
        current = tx.ticket(c.current_ticket) if c.current_ticket else None
        if current is not None and current.status in T.AT_COUNTER:
            if now - (current.last_called_at or now) < self.plan.config.routing.repeat_call_s:
                raise Conflict("call_repeated", f"刚刚已叫 {current.number},重复按键不会再叫下一位",
                               ticket=current.number)
            if current.status == T.CALLED:
                raise Conflict("not_started", f"{current.number} 已叫号但还没有开始办理:客户已到请按"
                               "「开始办理」,未到请按「重呼」或「过号」", ticket=current.number)
            self._refuse_open_checklist(current)
            events.append(self._finish(tx, now, day, c, current))

    def _call(self, tx: Tx, now: float, day: str, c: CounterState, clerk: str, t: Ticket,
              **logged) -> Ticket:
        called = t.with_(status=T.CALLED, counter=c.id, clerk=clerk, called_at=now,
                         last_called_at=now, recalls=0, started_at=None, ended_at=None)
        tx.save_ticket(called)
        tx.save_counter(c.with_(current_ticket=called.id, updated_at=now))
        tx.append_event(at=now, day=day, kind="called", ticket=called, counter=c.id,
                        clerk=clerk, wait_s=round(now - t.queued_at, 3), **logged)
        return called

    # --- a customer who missed their call -----------------------------------------------
    def requeue(self, ref: str, by: str) -> tuple[Ticket, list]:
        """Bring back a no-show of today (过号重排): the same number, placed after the next
        `routing.requeue_after` tickets of its line (fewer if fewer wait), at most
        `routing.requeue_limit` times. Where it stands: docs/routing.md."""
        rules = self.plan.config.routing
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            t = self._find(tx, ref, day)
            if t.status != T.NO_SHOW:
                raise Conflict("not_a_no_show",
                               f"{t.number} 当前状态为{STATUS_ZH[t.status]},只有过号的号码可以重排")
            if t.requeues >= rules.requeue_limit:
                raise Conflict("requeue_limit",
                               f"{t.number} 已重排过 {t.requeues} 次,本厅每张号票最多重排 "
                               f"{rules.requeue_limit} 次,请重新取号", limit=rules.requeue_limit)
            line = [q for q in tx.queued_tickets() if q.id != t.id and (
                q.target_counter == t.target_counter if t.target_counter
                else q.target_counter is None and q.business == t.business)]
            order_at, ahead = requeue_place(self.plan.config, t, line, rules.requeue_after, now)
            back = t.with_(status=T.WAITING, queued_at=now, order_at=order_at,
                           requeues=t.requeues + 1, counter=None, clerk=None, called_at=None,
                           last_called_at=None, recalls=0, started_at=None, ended_at=None)
            tx.save_ticket(back)
            tx.append_event(at=now, day=day, kind="requeued", ticket=back, clerk=by,
                            ahead=ahead, requeues=back.requeues)
        events.append(TicketChanged(back, "requeued"))
        return back, events

    def recall(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
            t = self._current(tx, c, (T.CALLED,), "开始办理")
            t = t.with_(status=T.SERVING, started_at=now)
            tx.save_ticket(t)
            tx.append_event(at=now, day=day, kind="started", ticket=t, counter=counter_id, clerk=clerk)
        events.append(TicketChanged(t, "started"))
        return t, events

    def finish(self, counter_id: str, clerk: str) -> tuple[Ticket, list]:
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
            t = self._current(tx, c, T.AT_COUNTER, "办结")
            self._refuse_open_checklist(t)
            event = self._finish(tx, now, day, c, t)
        events.append(event)
        return event.ticket, events

    def _refuse_open_checklist(self, t: Ticket) -> None:
        missing = self.missing_checklist(t)
        if missing:
            names = "".join(f"「{moment_title(self.plan.config.checklist.get(k, k))}」" for k in missing)
            raise Conflict("checklist_incomplete", f"还有关键时刻没有勾选:{names}。做到后请在右侧勾选,再办结",
                           missing=missing)

    def missing_checklist(self, t: Ticket) -> list[str]:
        b = self.plan.config.business(t.business)
        return [k for k in (b.checklist_required if b else ()) if k not in t.ticked]

    def tick(self, counter_id: str, clerk: str, key: str, ticked: bool) -> tuple[Ticket, list]:
        """Tick (or untick) a key moment of the current customer's business."""
        with self.store.write() as tx:
            c = self.counter(tx, counter_id, clerk)
            t = self._current(tx, c, T.AT_COUNTER, "勾选")
            b = self.plan.config.business(t.business)
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
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
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
            last = tx.last_turn(counter_id)
            t = tx.ticket(last["ticket"]) if last and last["kind"] == "no_show" else None
            if t is None or t.status != T.NO_SHOW or now - last["at"] > self.plan.config.routing.no_show_undo_s:
                raise Conflict("nothing_to_undo",
                               f"没有可撤销的过号(只能撤销本窗口 {self.plan.config.routing.no_show_undo_s} 秒内的过号)")
            if c.current_ticket:
                raise Conflict("ticket_in_progress", "窗口已在办理其他号码,不能撤销过号")
            if c.state != T.OPEN:
                raise Conflict("counter_paused", f"{self.plan.counter_name(counter_id)}暂停服务中,请先恢复")
            t = t.with_(status=T.CALLED, ended_at=None, counter=counter_id, clerk=clerk)
            tx.save_ticket(t)
            tx.save_counter(c.with_(current_ticket=t.id, updated_at=now))
            tx.append_event(at=now, day=day, kind="no_show_undone", ticket=t, counter=counter_id,
                            clerk=clerk)
        events.append(TicketChanged(t, "no_show_undone"))
        return t, events

    def undoable_no_show(self, counter_id: str) -> dict | None:
        """The no-show this counter may still undo: its number and until when (hall time)."""
        with self.store.read() as tx:
            last = tx.last_turn(counter_id)
        if not last or last["kind"] != "no_show":
            return None
        until = last["at"] + self.plan.config.routing.no_show_undo_s
        return {"number": last["number"], "until_ts": until} if self.clock.now() <= until else None

    def transfer(self, counter_id: str, clerk: str, business: str | None = None,
                 to_counter: str | None = None, reason: str | None = None) -> tuple[Ticket, list]:
        """Send the current customer to another queue (or one counter), keeping the ticket's
        number and issue time: it is called there ahead of customers who came later."""
        if business is None and to_counter is None:
            raise HallError("transfer_target_missing", "请指定转往的业务或窗口")
        if business is not None and self.plan.config.business(business) is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        if to_counter is not None and self.plan.config.counter(to_counter) is None:
            raise NotFound("unknown_counter", f"没有编号为 {to_counter} 的窗口")
        if to_counter == counter_id:
            raise Conflict("transfer_to_self", "不能转给本窗口")
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)
            c = self.counter(tx, counter_id, clerk)
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


class ServingPart:
    """A part of the counter's hand beside Serving (parking, priorities, a second business):
    its rules on the same plan, store, clock and day, and Serving's own checks."""

    def __init__(self, serving: Serving):
        self.serving = serving
        self.plan = serving.plan
        self.store = serving.store
        self.clock = serving.clock
        self.day_end = serving.day_end


NUMBER = re.compile(r"^[A-Z]{1,2}\d{3}$")


def ticket_ref(ref: str) -> str:
    """What a clerk typed or a scanner typed: a token, a number, or the ticket's link
    (…/t/<token>, the QR on the ticket)."""
    ref = str(ref or "").strip()
    if "/t/" in ref:
        ref = ref.rsplit("/t/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return ref[:64]


def requeue_place(config, t: Ticket, line: list, after: int, now: float) -> tuple[float, int]:
    """Where a re-queued ticket stands in its line (the tickets waiting for the same queue):
    → (its place in time, how many of them are ahead of it). Tickets of a better priority
    class are ahead anyway and count among the `after`; among its own class it goes after the
    next ones in line, or last when fewer wait."""
    rank = routing.priority_rank(config, t)
    better = sum(1 for q in line if routing.priority_rank(config, q) < rank)
    same = sorted((q.place_at, q.number) for q in line if routing.priority_rank(config, q) == rank)
    m = max(0, after - better)
    if m == 0 and same:
        return same[0][0] - 0.001, better
    if len(same) > m:
        a, b = same[m - 1][0], same[m][0]
        # Between the two; tickets issued in the very same instant as the last one it goes
        # after are all ahead of it (an instant later).
        return (a + b) / 2 if b > a else a + 1e-6, better + m
    last = max([now, *(p + 0.001 for p, _ in same)])
    return last, better + len(same)


STATUS_ZH = {T.WAITING: "等待中", T.CALLED: "已叫号", T.SERVING: "办理中", T.DONE: "已办结",
             T.NO_SHOW: "已过号", T.TRANSFERRED: "已转移", T.PARKED: "已暂挂"}


def moment_title(text: str) -> str:
    """A key moment's words up to its first explanation (「审核有效证件」 of
    「审核有效证件(单位须营业执照…)」): whole phrases, never cut mid-word."""
    return re.split(r"[((,,::;;]", text, maxsplit=1)[0].strip() or text
