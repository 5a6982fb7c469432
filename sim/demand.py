"""What simulated customers ask of the hall: when they come, for what, how long they are served,
how patient they are, and what they do after service. Every draw a customer needs is made when
the day's customers are generated, so the same days can be replayed with a different number of
counters (common random numbers: the what-if compares counters, not luck)."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar

from core.config import HallConfig

# Share of the day's arrivals by hour of the day (%): a morning rise, the lunch-break peak
# (office workers come at 12–13) and the after-work peak before closing.
HOURLY_SHARE = {9: 7, 10: 10, 11: 11, 12: 13, 13: 12, 14: 9, 15: 9, 16: 11, 17: 14, 18: 4}
# The business mix of a mixed fixed-network and 5G hall (relative weights).
BUSINESS_MIX = {"F-NEW": 6, "F-CHANGE": 6, "F-RENEW": 8, "F-QUERY": 6, "F-INVOICE": 2,
                "F-OTHER": 3, "M-NEW": 8, "M-PLAN": 10, "M-SERVICE": 7, "M-ACCOUNT": 4,
                "M-SIM": 8, "M-TOPUP": 7, "M-RENEW": 8, "M-QUERY": 6, "M-INVOICE": 2,
                "M-BILL": 3, "M-ADJUST": 2, "M-OTHER": 4}
# Handling times for businesses whose standard gives no target (seconds).
UNTIMED_S = {"F-INVOICE": 120, "M-INVOICE": 120, "M-PLAN": 240, "M-BILL": 90, "M-ADJUST": 300}
DEFAULT_S = 180
# Where a clerk sends a customer who came to the wrong queue.
TRANSFER_TO = {"F-QUERY": "F-CHANGE", "F-RENEW": "F-CHANGE", "F-OTHER": "F-NEW",
               "M-QUERY": "M-PLAN", "M-TOPUP": "M-ACCOUNT", "M-RENEW": "M-PLAN",
               "M-SERVICE": "M-SIM", "M-OTHER": "M-PLAN", "M-BILL": "M-ADJUST"}
QUESTIONS = ("宽带套餐到期后资费如何计算", "上月话费账单有疑问需核实", "申请宽带移机需要多久",
             "5G 信号室内较弱,请求排查", "发票抬头需要更改")


@dataclass(frozen=True)
class Demand:
    per_day: int = 600
    hourly: dict[int, float] = field(default_factory=lambda: dict(HOURLY_SHARE))
    mix: dict[str, float] = field(default_factory=lambda: dict(BUSINESS_MIX))
    day_off_factor: float = 1.2      # weekends and holidays (chinese-calendar) bring more people
    senior_share: float = 0.08       # green channel by age
    walk_away_share: float = 0.04    # take a ticket and leave at once (self-service, second thoughts)
    patience_median_s: float = 2700  # others leave when their wait outlasts their patience
    patience_sigma: float = 0.5
    service_median: float = 0.85     # × the business's target: most services finish within it
    service_sigma: float = 0.45
    transfer_share: float = 0.03
    rating_share: float = 0.35
    recommend_share: float = 0.25
    accept_share: float = 0.3
    closing_share: float = 0.3       # of account-change services, how many are closings (销户)
    stay_share: float = 0.3          # of those, how many the clerk retains
    follow_up_share: float = 0.05    # of queries, how many cannot be answered on the spot

    @classmethod
    def parse(cls, arrivals: str | None) -> "Demand":
        """`600` (tickets a day, shaped by the usual hours) or `9:50,10:70,…` (hour:tickets)."""
        if not arrivals:
            return cls()
        text = arrivals.strip()
        if text.isdigit():
            if int(text) <= 0:
                raise ValueError("--arrivals must be a positive number of tickets a day")
            return cls(per_day=int(text))
        hourly: dict[int, float] = {}
        for part in text.split(","):
            hour, _, count = part.partition(":")
            if not (hour.strip().isdigit() and count.strip().isdigit()) or not 0 <= int(hour) < 24:
                raise ValueError(f"--arrivals: '{part}' is not hour:tickets (e.g. 9:50,10:70)")
            hourly[int(hour)] = float(count)
        if sum(hourly.values()) <= 0:
            raise ValueError("--arrivals: no tickets at all")
        return cls(per_day=round(sum(hourly.values())), hourly=hourly)


@dataclass
class Customer:
    """One simulated customer and every draw their day needs."""
    arrive_s: float                  # seconds after midnight
    business: str
    priority: str | None
    patience_s: float                # inf for the patient; 0 for those who leave at once
    walk_s: float                    # from the call to the counter
    service_s: float
    transfer_to: str | None          # sent to another queue part-way through service
    rating: int | None               # the score they give, if they rate
    recommend: tuple[str, bool] | None
    closing: tuple[str, str, bool] | None   # (reason, offer, stayed) for an account closing
    follow_up: str | None            # a question to answer later
    gap_s: float                     # the clerk's pause after this customer
    mood: float                      # below 0.5, a wait over the standard costs a star
    id: str = ""
    called_s: float | None = None
    estimate_s: int | None = 0
    naive_s: float = 0.0

    def score(self, wait_s: float, target_wait_s: float) -> int | None:
        if self.rating is None:
            return None
        return max(1, self.rating - 1) if wait_s > target_wait_s and self.mood < 0.5 else self.rating

    @property
    def hour(self) -> int:
        return int(self.arrive_s // 3600)


def opening_hours(config: HallConfig) -> tuple[int, int]:
    h = config.hall
    return h.opening.hour * 3600 + h.opening.minute * 60, h.closing.hour * 3600 + h.closing.minute * 60


def customers_of(day: date, config: HallConfig, demand: Demand, seed: int) -> list[Customer]:
    """The day's customers, the same for the same (day, seed) whatever the counters."""
    rng = random.Random(f"{seed}/{day.isoformat()}")
    opens, closes = opening_hours(config)
    codes = [b.code for b in config.businesses]
    weights = [demand.mix.get(c, 0.0) for c in codes]
    if not any(weights):
        weights = [1.0] * len(codes)
    hours = range(opens // 3600, math.ceil(closes / 3600))
    shares = {h: demand.hourly.get(h, 0.0) for h in hours}
    total_share = sum(shares.values()) or 1.0
    busy = 1.0 if chinese_calendar.is_workday(day) else demand.day_off_factor
    out: list[Customer] = []
    for h in hours:
        start, end = max(opens, h * 3600), min(closes, (h + 1) * 3600)
        rate = demand.per_day * busy * shares[h] / total_share / (end - start)
        t = start
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= end:
                break
            out.append(_customer(rng, config, demand, t, rng.choices(codes, weights)[0]))
    return out


def _customer(rng: random.Random, config: HallConfig, demand: Demand, t: float,
              code: str) -> Customer:
    b = config.business(code)
    target = b.target_s or UNTIMED_S.get(code, DEFAULT_S)
    service = target * demand.service_median * math.exp(rng.gauss(0, demand.service_sigma))
    if rng.random() < demand.walk_away_share:
        patience = 0.0
    else:
        patience = demand.patience_median_s * math.exp(rng.gauss(0, demand.patience_sigma))
    senior = config.age_priority(config.hall.senior_age)
    after = config.after_service
    transfer = TRANSFER_TO.get(code) if rng.random() < demand.transfer_share else None
    if transfer is not None and config.business(transfer) is None:
        transfer = None
    closing = None
    if config.asks_retention(b) and rng.random() < demand.closing_share and after.churn_reasons:
        offers = after.retention_offers or ("",)
        closing = (rng.choice(after.churn_reasons), rng.choice(offers), rng.random() < demand.stay_share)
    recommend = None
    if not b.self_service and after.recommendations and rng.random() < demand.recommend_share:
        recommend = (rng.choice(after.recommendations), rng.random() < demand.accept_share)
    return Customer(
        arrive_s=t, business=code,
        priority=senior.code if senior and rng.random() < demand.senior_share else None,
        patience_s=patience, walk_s=rng.uniform(15, 60), service_s=max(20.0, service),
        transfer_to=transfer,
        rating=_score(rng) if rng.random() < demand.rating_share else None,
        recommend=recommend, closing=closing,
        follow_up=(rng.choice(QUESTIONS) if ("QUERY" in code or "ADJUST" in code)
                   and rng.random() < demand.follow_up_share else None),
        gap_s=rng.uniform(5, 25), mood=rng.random())


def _score(rng: random.Random) -> int:
    """4 非常满意 … 1 不满意: most are very satisfied; a long wait costs some a step
    (Customer.score)."""
    return rng.choices((4, 3, 2, 1), (70, 23, 5, 2))[0]
