"""The floor guide's side (SPEC §3 flows 2 and 3): help requests from the kiosks, the document
pre-check of who is next, and the board the guide's tablet shows. Mixed into Hall."""
from __future__ import annotations

from . import tickets as T
from .clock import business_day, day_start, iso
from .errors import Conflict, NotFound
from .events import HelpChanged, TicketPrechecked

HELP_REPEAT_S = 300         # a second tap within five minutes joins the open request
ARRIVALS_SHOWN = 20


class GuideCommands:
    # --- help requests --------------------------------------------------------------
    def request_help(self, kiosk: str, business: str | None) -> tuple[dict, list]:
        """A customer at a kiosk (or the self-service area) asks for the guide."""
        if self.config.kiosk(kiosk) is None:
            raise NotFound("unknown_kiosk", f"没有编号为 {kiosk} 的取号机")
        if business is not None and self.config.business(business) is None:
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
        kiosk, b = self.config.kiosk(r["kiosk"]), self.config.business(r["business"] or "")
        return {"id": r["id"], "kiosk": r["kiosk"], "kiosk_name": kiosk.name if kiosk else r["kiosk"],
                "business": r["business"], "business_name": b.name if b else None,
                "state": r["state"], "accepted_by": r["accepted_by"],
                "at": iso(r["requested_at"], self.tz), "ts": r["requested_at"]}

    # --- pre-check ------------------------------------------------------------------
    def precheck(self, ticket_id: str, by: str, checked: bool = True) -> tuple[T.Ticket, list]:
        """The guide looked at the documents of a customer still waiting (预审)."""
        events: list = []
        with self.store.write() as tx:
            now, day = self._begin(tx, events)      # yesterday's leftovers are closed first
            t = tx.ticket(ticket_id)
            if t is None:
                raise NotFound("unknown_ticket", "没有找到这张号票")
            if t.status not in T.QUEUED:
                raise Conflict("not_waiting", f"{t.number} 已不在等候中")
            t = t.with_(prechecked_at=now if checked else None, prechecked_by=by if checked else None)
            tx.save_ticket(t)
            tx.append_event(at=now, day=day, kind="precheck", ticket=t, clerk=by, checked=checked)
        return t, [*events, TicketPrechecked(t)]

    # --- the board ------------------------------------------------------------------
    def floor_board(self) -> dict:
        """Everything the guide's tablet shows, from one set of reads."""
        now = self.clock.now()
        today = business_day(now, self.tz)
        snap = self.snapshot()
        counters = self.counters()
        lines = {c.id: [q.id for q in snap.deck(c.id)]
                 for c in self.config.counters if counters[c.id].state != T.CLOSED}
        long_ids = [q.id for q in snap.queued if now - q.issued_at >= self.config.alerts.wait_s]
        current_ids = [c.current_ticket for c in counters.values() if c.current_ticket]
        wanted = {i for ids in lines.values() for i in ids} | set(long_ids) | set(current_ids)
        full = {t.id: t for t in self.tickets(sorted(wanted))}
        with self.store.read() as tx:
            arrivals = tx.arrivals(today, ARRIVALS_SHOWN)
            help_rows = tx.live_help(day_start(today, self.tz))
            alerts = tx.unacked_alerts()
            follow_ups = tx.open_follow_ups(due_by=today)
        seen: set[str] = set()

        def person(t: T.Ticket | None, deck: int | None = None) -> dict | None:
            if t is None:
                return None
            b = self.config.business(t.business)
            first = deck is not None and t.id not in seen
            seen.add(t.id)
            return {"id": t.id, "number": t.number, "business": t.business,
                    "business_name": b.name if b else t.business,
                    "id_required": bool(b and b.id_required), "priority": t.priority,
                    "masked_name": t.masked_name, "age_band": t.age_band,
                    "waited_s": round(now - t.issued_at), "deck": deck, "first_on_deck": first,
                    "prechecked": t.prechecked_at is not None, "prechecked_by": t.prechecked_by}

        board_counters = []
        for c in self.config.counters:
            s = counters[c.id]
            ids = lines.get(c.id, [])
            board_counters.append({
                "id": c.id, "name": c.name, "state": s.state,
                "current": person(full.get(s.current_ticket)) if s.current_ticket else None,
                "on_deck": person(full.get(ids[0]), 1) if len(ids) > 0 else None,
                "third": person(full.get(ids[1]), 2) if len(ids) > 1 else None,
                "waiting": snap.line_length(c.id) if s.state != T.CLOSED else None})
        return {
            "today": today,
            "now_ts": now,
            "wait_threshold_s": self.config.alerts.wait_s,
            "counters": board_counters,
            "long_waits": sorted((person(full[i]) for i in long_ids if i in full),
                                 key=lambda p: -p["waited_s"]),
            "arrivals": [self._arrival_view(a) for a in arrivals],
            "help": [self.help_view(r) for r in help_rows],
            "alerts": [self.alert_view(a) for a in alerts],
            "follow_ups": [self.follow_up_view(f, today) for f in follow_ups],
        }

    def _arrival_view(self, a: dict) -> dict:
        b = self.config.business(a["business"])
        kiosk = self.config.kiosk(a["kiosk"] or "")
        return {"id": a["id"], "number": a["number"], "business": a["business"],
                "business_name": b.name if b else a["business"], "status": a["status"],
                "priority": a["priority"], "masked_name": a["masked_name"], "age_band": a["age_band"],
                "kiosk_name": kiosk.name if kiosk else None, "at": iso(a["issued_at"], self.tz)}

    def alert_view(self, a: dict) -> dict:
        return {"id": a["id"], "kind": a["kind"], "subject": a["subject"], "state": a["state"],
                "message": a["message"], "at": iso(a["raised_at"], self.tz),
                "cleared": a["cleared_at"] is not None, "acknowledged": a["acked_at"] is not None,
                "acked_by": a["acked_by"]}

    def follow_up_view(self, f: dict, today: str | None = None) -> dict:
        today = today or self.today()
        b = self.config.business(f["business"] or "")
        return {"id": f["id"], "kind": f["kind"], "number": f["number"], "business": f["business"],
                "business_name": b.name if b else f["business"], "question": f["summary"],
                "contact": f["contact"], "due_date": f["due_date"], "due_warning": f["due_warning"],
                "overdue": f["answered_at"] is None and f["due_date"] < today,
                "due_today": f["due_date"] == today, "opened_by": f["created_by"],
                "opened_at": iso(f["created_at"], self.tz), "answered": f["answered_at"] is not None,
                "answered_by": f["answered_by"], "answer": f["answer"]}
