"""The floor guide's side (SPEC §3 flows 2 and 3): help requests from the kiosks, the document
pre-check of who is next, and the rows the guide's tablet is drawn from."""
from __future__ import annotations

from . import presenters, tickets as T
from .clock import business_day, day_start
from .errors import Conflict, NotFound
from .day_config import DayPlan
from .day_end import DayEnd
from .events import HelpChanged, TicketPrechecked
from .reader import HallReader
from .store import Store

HELP_REPEAT_S = 300         # a second tap within five minutes joins the open request
ARRIVALS_SHOWN = 20
MISSED_SHOWN = 12       # today's no-shows on the tablet, to bring one back (过号重排)


class GuideDesk:
    def __init__(self, plan: DayPlan, store: Store, clock, day_end: DayEnd, reader: HallReader):
        self.plan = plan
        self.store = store
        self.clock = clock
        self.day_end = day_end
        self.reader = reader
        self.tz = plan.tz

    # --- help requests --------------------------------------------------------------
    def request_help(self, kiosk: str, business: str | None) -> tuple[dict, list]:
        """A customer at a kiosk (or the self-service area) asks for the guide."""
        if self.plan.config.kiosk(kiosk) is None:
            raise NotFound("unknown_kiosk", f"没有编号为 {kiosk} 的取号机")
        if business is not None and self.plan.config.business(business) is None:
            raise NotFound("unknown_business", f"没有代码为 {business} 的业务")
        now = self.clock.now()
        with self.store.write() as tx:
            same = tx.open_help_at(kiosk, now - HELP_REPEAT_S)
            if same is not None:
                return self.help_view(same), []
            request = tx.insert_help(kiosk, business, now)
            tx.append_event(at=now, day=business_day(now, self.tz), kind="help", business=business,
                            kiosk=kiosk, help=request["id"])
        view = self.help_view(request)
        return view, [HelpChanged(view, "requested")]

    def accept_help(self, help_id: int, by: str) -> tuple[dict, list]:
        """A guide is on the way."""
        return self._move_help(help_id, by, "accepted", ("open",), "help_accepted")

    def close_help(self, help_id: int, by: str) -> tuple[dict, list]:
        return self._move_help(help_id, by, "closed", ("open", "accepted"), "help_closed")

    def _move_help(self, help_id: int, by: str, state: str, allowed: tuple, kind: str):
        now = self.clock.now()
        with self.store.write() as tx:
            request = tx.help_request(help_id)
            if request is None:
                raise NotFound("unknown_help_request", "没有找到这条求助")
            if request["state"] not in allowed:
                who = request["accepted_by"] or ""
                raise Conflict("help_" + request["state"],
                               {"accepted": f"{who} 已接单", "closed": "这条求助已处理完毕"}[request["state"]])
            changes = {"state": state, "closed_at" if state == "closed" else "accepted_at": now}
            if state == "accepted" or request["accepted_by"] is None:
                changes["accepted_by"] = by
            request = tx.update_help(help_id, **changes)
            tx.append_event(at=now, day=business_day(now, self.tz), kind=kind, clerk=by,
                            business=request["business"], kiosk=request["kiosk"], help=help_id)
        view = self.help_view(request)
        return view, [HelpChanged(view, state)]

    def help_view(self, r: dict) -> dict:
        return presenters.floor.help_request(self.plan.config, r)

    # --- pre-check ------------------------------------------------------------------
    def precheck(self, ticket_id: str, by: str, checked: bool = True) -> tuple[T.Ticket, list]:
        """The guide looked at the documents of a customer still waiting (预审)."""
        events: list = []
        with self.store.write() as tx:
            now, day = self.day_end.begin(tx, events)      # yesterday's leftovers are closed first
            t = tx.ticket(ticket_id)
            if t is None:
                raise NotFound("unknown_ticket", "没有找到这张号票")
            if t.status not in T.QUEUED:
                raise Conflict("not_waiting", f"{t.number} 已不在等候中")
            t = t.with_(prechecked_at=now if checked else None, prechecked_by=by if checked else None)
            tx.save_ticket(t)
            tx.append_event(at=now, day=day, kind="precheck", ticket=t, clerk=by, checked=checked)
        return t, [*events, TicketPrechecked(t)]

    # --- the board: its rows gathered here, shaped by core/presenters/floor.py --------
    def floor_board(self) -> dict:
        """Everything the guide's tablet shows (staff by username: presenters.floor.named)."""
        now = self.clock.now()
        today = business_day(now, self.tz)
        p = self.reader.picture()
        tickets = {t.id: t for t in self.reader.tickets(presenters.floor.wanted(p, now))}
        with self.store.read() as tx:
            arrivals = tx.arrivals(today, ARRIVALS_SHOWN)
            missed = tx.no_shows(today, MISSED_SHOWN)
            help_rows = tx.live_help(day_start(today, self.tz))
            alerts = tx.unacked_alerts()
            follow_ups = tx.open_follow_ups(due_by=today)
        called = presenters.floor.called_ticket_ids(alerts)
        alert_tickets = {t.id: t for t in self.reader.tickets(called)} if called else {}
        return presenters.floor.board(p, now, tickets, arrivals, help_rows, alerts, alert_tickets,
                                      follow_ups, missed)
