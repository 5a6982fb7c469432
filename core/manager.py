"""What the duty manager watches: the rows of the live hall gathered here, shaped by
core/presenters/board.py."""
from __future__ import annotations

from . import presenters
from .alerts import AlertDesk
from .day_config import DayPlan
from .reader import HallReader


class ManagerBoard:
    def __init__(self, plan: DayPlan, clock, reader: HallReader, alert_desk: AlertDesk):
        self.plan = plan
        self.clock = clock
        self.reader = reader
        self.alert_desk = alert_desk

    def hall_board(self) -> dict:
        """The live hall (the clerks' names and the devices are added by the web layer, which
        knows them: presenters.board.named)."""
        now = self.clock.now()
        p = self.reader.picture()
        alerts = self.alert_desk.alerts()
        called = presenters.floor.called_ticket_ids(alerts)
        alert_tickets = {t.id: t for t in self.reader.tickets(called)} if called else {}
        return presenters.board.board(p, now, self.plan.base_config, self.plan.day_changes(), alerts,
                                      alert_tickets)
