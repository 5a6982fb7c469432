"""Simulated hall days into a database: the hall's own config and core, a chosen number of
staffed counters, the same customers whatever that number (see demand.py)."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from core.clock import ManualClock, day_start
from core.config import HallConfig
from core.hall import Hall
from core.staff import StaffAccounts
from core.store import Store

from .day import HallDay
from .demand import Customer, Demand, customers_of

CLERK_NAMES = ("张敏", "刘洋", "王静", "李强", "陈娟", "杨帆", "赵磊", "黄丽", "周杰", "吴霞",
               "徐亮", "孙燕")
ANSWER_AFTER_DAYS = (0, 1, 1, 2, 2, 3, 3, 4, 6)   # how long the back office takes to answer


@dataclass
class Result:
    counters: int
    days: list[date]
    customers: list[Customer] = field(default_factory=list)
    target_wait_s: int = 900


def staffed_counters(config: HallConfig, n: int) -> HallConfig:
    """The hall with `n` counters staffed: first those that together serve every business
    (fewest first), then the rest in the config's order; beyond the config, copies of the
    widest counter."""
    if n < 1:
        raise ValueError("at least one counter")
    left, order = set(b.code for b in config.businesses), []
    pool = list(config.counters)
    while left and pool:
        best = max(pool, key=lambda c: (len(left & set(c.businesses)), -pool.index(c)))
        if not left & set(best.businesses):
            break
        order.append(best)
        pool.remove(best)
        left -= set(best.businesses)
    order += pool
    widest = max(config.counters, key=lambda c: len(c.businesses))
    ids = {c.id for c in config.counters}
    k = 0
    while len(order) < n:
        k += 1
        new_id = str(len(config.counters) + k)
        if new_id in ids:
            new_id = f"sim{k}"
        order.append(widest.model_copy(update={"id": new_id, "name": f"{new_id}号窗口(模拟)"}))
    return config.model_copy(update={"counters": type(config.counters)(order[:n])})


def days_ending_yesterday(n: int, today: date) -> list[date]:
    return [today - timedelta(days=n - i) for i in range(n)]


def simulate(config: HallConfig, db: str | Path, days: list[date], demand: Demand, counters: int,
             seed: int = 1, progress: Callable[[date, int], None] | None = None) -> Result:
    """Run the days into `db` (a fresh file; durability traded for speed) and return every
    customer with their estimate, naive estimate and true wait."""
    config = staffed_counters(config, counters)
    store = Store(db, durable=False)
    result = Result(counters=counters, days=list(days), target_wait_s=config.hall.target_wait_s)
    try:
        clock = ManualClock(day_start(days[0].isoformat(), config.hall.tz))
        hall = Hall(config, store, clock=clock)
        clerks = _clerks(StaffAccounts(store, clock, hall.tz), [c.id for c in config.counters])
        pending: list[tuple[int, float, str]] = []       # follow-up id, answer at, by
        for day in days:
            _answer_follow_ups(hall, clock, day, pending)
            customers = customers_of(day, config, demand, seed)
            sim = HallDay(hall, clock, day, customers, clerks)
            result.customers += sim.run()
            rng = random.Random(f"{seed}/answers/{day}")
            for fid, opened in sim.follow_ups:
                answer_at = opened + 86400 * rng.choice(ANSWER_AFTER_DAYS)
                pending.append((fid, answer_at, clerks[next(iter(clerks))]))
            if progress:
                progress(day, len(customers))
        # Count the days for the manager's statistics now, as the hall does after they end.
        clock.set(day_start((days[-1] + timedelta(days=1)).isoformat(), config.hall.tz) + 8 * 3600)
        hall.statistics(days[0].isoformat(), days[-1].isoformat())
    finally:
        store.close()
    return result


def _clerks(accounts: StaffAccounts, counter_ids: list[str]) -> dict[str, str]:
    """One simulated clerk per counter: an account that cannot sign in (disabled, random
    password), so statistics show a name."""
    out = {}
    for i, cid in enumerate(counter_ids):
        username = f"sim-clerk-{cid}"
        if accounts.get(username) is None:
            accounts.add(username, "clerk", secrets.token_urlsafe(16), by="simulator",
                         display_name=CLERK_NAMES[i % len(CLERK_NAMES)], staff_no=f"S{1001 + i}")
            accounts.set_disabled(username, True, by="simulator")
        out[cid] = username
    return out


def _answer_follow_ups(hall: Hall, clock: ManualClock, day: date,
                       pending: list[tuple[int, float, str]]) -> None:
    """At 10:00 each day the back office answers the follow-ups whose time has come."""
    at = day_start(day.isoformat(), hall.tz) + 10 * 3600
    clock.set(at)
    for item in [p for p in pending if p[1] <= at]:
        hall.answer_follow_up(item[0], item[2], "已电话回复客户,问题已解决")
        pending.remove(item)
