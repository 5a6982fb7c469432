"""One hall day on SimPy's event clock, every step through the real core: the kiosk issues, the
clerks call, recall, mark no-shows, tick key moments, transfer, finish and record after service,
customers rate. The hall's clock is set to the simulated instant before each command, so the
event log looks exactly like a real day's."""
from __future__ import annotations

from collections import defaultdict, deque
from datetime import date

import simpy

from core.clock import ManualClock, day_start
from core.hall import Hall

from .demand import Customer, opening_hours

RECALL_AFTER_S = 30     # an empty counter: recall once, then mark the no-show
NO_SHOW_AFTER_S = 45
IDLE_POLL_S = 120       # an idle clerk looks at the queue at least this often
GIVE_UP_S = 4 * 3600   # tickets no open counter serves are left for the day's end to close
NAIVE_WINDOW = 10       # the naive estimate: mean of the last ten waits of the business


class HallDay:
    def __init__(self, hall: Hall, clock: ManualClock, day: date, customers: list[Customer],
                 clerks: dict[str, str]):
        self.hall, self.clock, self.day = hall, clock, day
        self.t0 = day_start(day.isoformat(), hall.tz)
        self.customers = customers
        self.clerks = clerks                        # counter id → clerk username
        self.opens, self.closes = opening_hours(hall.config)
        self.by_ticket: dict[str, Customer] = {}
        self.recent: dict[str, deque] = defaultdict(lambda: deque(maxlen=NAIVE_WINDOW))
        self.follow_ups: list[tuple[int, float]] = []   # (id, opened at) for the runner to answer
        self.arrivals_done = False
        self.in_service = 0
        self.target_wait_s = hall.config.hall.target_wait_s

    def run(self) -> list[Customer]:
        env = simpy.Environment(initial_time=self.opens - 600)
        self.env = env
        self.arrived = env.event()
        env.process(self._arrivals())
        for counter in self.clerks:
            env.process(self._clerk(counter))
        env.run()
        return self.customers

    def _now(self) -> None:
        self.clock.set(self.t0 + self.env.now)

    # --- customers ------------------------------------------------------------------
    def _arrivals(self):
        env = self.env
        for i, cust in enumerate(self.customers):
            yield env.timeout(max(0.0, cust.arrive_s - env.now))
            self._now()
            ticket, _, _ = self.hall.issue_ticket(cust.business, f"sim-{self.day}-{i}",
                                                  priority=cust.priority)
            cust.id = ticket.id
            cust.estimate_s = self.hall.snapshot().estimated_wait_s(ticket)
            waits = self.recent[cust.business]
            cust.naive_s = sum(waits) / len(waits) if waits else 0.0
            self.by_ticket[ticket.id] = cust
            self._wake()
        self.arrivals_done = True
        self._wake()

    def _wake(self) -> None:
        self.arrived.succeed()
        self.arrived = self.env.event()

    # --- clerks ---------------------------------------------------------------------
    def _clerk(self, counter: str):
        env, hall, clerk = self.env, self.hall, self.clerks[counter]
        yield env.timeout(self.opens - env.now)
        self._now()
        hall.open_counter(counter, clerk)
        while True:
            self._now()
            ticket, _ = hall.call_next(counter, clerk)
            if ticket is None:
                if self.arrivals_done and self.in_service == 0 and (
                        not any(hall.waiting_counts().values()) or env.now > self.closes + GIVE_UP_S):
                    break
                yield self.arrived | env.timeout(IDLE_POLL_S)
                yield env.timeout(3)          # the clerk notices the queue
                continue
            cust = self.by_ticket[ticket.id]
            first_call = cust.called_s is None
            if first_call:
                cust.called_s = env.now
                self.recent[cust.business].append(env.now - cust.arrive_s)
            if first_call and env.now - cust.arrive_s > cust.patience_s:
                yield from self._no_show(counter, clerk)
                continue
            self.in_service += 1
            try:
                yield from self._serve(counter, clerk, cust, first_call)
            finally:
                self.in_service -= 1
            yield env.timeout(cust.gap_s)
        self._now()
        hall.close_counter(counter, clerk)

    def _no_show(self, counter: str, clerk: str):
        yield self.env.timeout(RECALL_AFTER_S)
        self._now()
        self.hall.recall(counter, clerk)
        yield self.env.timeout(NO_SHOW_AFTER_S)
        self._now()
        self.hall.no_show(counter, clerk)

    def _serve(self, counter: str, clerk: str, cust: Customer, first_call: bool):
        env, hall = self.env, self.hall
        yield env.timeout(cust.walk_s)
        self._now()
        ticket, _ = hall.start(counter, clerk)
        for key in hall.missing_checklist(ticket):
            hall.tick(counter, clerk, key, True)
        if first_call and cust.transfer_to is not None:
            yield env.timeout(cust.service_s * 0.4)
            self._now()
            hall.transfer(counter, clerk, business=cust.transfer_to, reason="客户取错号")
            return
        yield env.timeout(cust.service_s)
        self._now()
        done, _ = hall.finish(counter, clerk)
        self._after_service(counter, clerk, cust, done.business)

    def _after_service(self, counter: str, clerk: str, cust: Customer, business: str) -> None:
        hall = self.hall
        if cust.recommend is not None:
            hall.recommend(counter, clerk, cust.id, *cust.recommend)
        # A closing is recorded where it was done: not after a transfer to another business.
        if cust.closing is not None and business == cust.business:
            hall.record_churn(counter, clerk, cust.id, *cust.closing)
        if cust.follow_up is not None:
            row, _ = hall.open_follow_up(clerk, "13800138000", cust.follow_up, counter_id=counter,
                                         ticket_id=cust.id)
            self.follow_ups.append((row["id"], self.clock.now()))
        score = cust.score((cust.called_s or 0) - cust.arrive_s, self.target_wait_s)
        if score is not None:
            hall.rate(cust.id, score, None)
