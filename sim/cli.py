"""`run.py simulate`: simulated hall days into a database a manager can open, and the what-if
of more or fewer counters on the same days."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from core.clock import business_day
from core.config import load_config

from . import report
from .demand import Demand
from .simulation import Result, days_ending_yesterday, simulate


def parse_counters(text: str | None, default: int) -> list[int]:
    """`6`, `4,5,6` or `3-8`: the first count fills the database, every count is compared."""
    if not text:
        return [default]
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise ValueError(f"--counters: '{part}' is not a number or a range like 3-8")
        out += list(range(int(lo), int(hi or lo) + 1))
    if not out or min(out) < 1 or max(out) > 50:
        raise ValueError("--counters: between 1 and 50 counters")
    return list(dict.fromkeys(out))


def _what_if(args: tuple) -> Result:
    config_path, days, demand, counters, seed = args
    with tempfile.TemporaryDirectory(prefix="hall-whatif-") as tmp:
        return simulate(load_config(config_path), Path(tmp) / "hall.db", days, demand, counters, seed)


def main(argv: list[str], default_db: Path) -> int:
    p = argparse.ArgumentParser(
        prog="run.py simulate",
        description="Simulate busy hall days through the hall's own core (SimPy event clock) "
                    "into a database a manager can open, and compare numbers of counters.")
    p.add_argument("--days", type=int, required=True, help="how many days, ending yesterday")
    p.add_argument("--counters", help="staffed counters: 6, or 4,5,6 / 3-8 to compare "
                                      "(the first fills the database); default: the config's")
    p.add_argument("--arrivals", help="tickets a day (600) or per hour (9:50,10:70,…)")
    p.add_argument("--db", default=str(default_db.parent / "sim.db"))
    p.add_argument("--config", default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", help="first day (YYYY-MM-DD) instead of ending yesterday")
    p.add_argument("--service-level", type=float, default=0.9,
                   help="share of tickets to call within the target wait (default 0.9)")
    p.add_argument("--force", action="store_true", help="replace an existing database file")
    args = p.parse_args(argv)
    config = load_config(args.config)
    try:
        if not 1 <= args.days <= 3660:
            raise ValueError("--days: between 1 and 3660")
        counts = parse_counters(args.counters, len(config.counters))
        demand = Demand.parse(args.arrivals)
        if not 0 < args.service_level <= 1:
            raise ValueError("--service-level: a share between 0 and 1")
        today = date.fromisoformat(args.start) if args.start else None
    except ValueError as e:
        p.error(str(e))
    days = (days_ending_yesterday(args.days, date.fromisoformat(business_day(time.time(), config.hall.tz)))
            if today is None else [date.fromordinal(today.toordinal() + i) for i in range(args.days)])
    db = Path(args.db)
    if db.exists():
        if not args.force:
            print(f"hall: {db} exists; simulated days go into a fresh database (--force replaces it)",
                  file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    started = time.perf_counter()
    others = [(args.config, days, demand, n, args.seed) for n in counts[1:]]
    with ProcessPoolExecutor(max_workers=max(1, min(len(others), (os.cpu_count() or 2) - 1))) as pool:
        futures = [pool.submit(_what_if, job) for job in others] if others else []

        def progress(day: date, n: int) -> None:
            print(f"  {day.isoformat()}  {n:4d} tickets", file=sys.stderr, flush=True)

        first = simulate(config, db, days, demand, counts[0], args.seed,
                         progress=progress if len(days) <= 62 else None)
        results = [first] + [f.result() for f in futures]
    took = time.perf_counter() - started
    print(f"\nSimulated {len(days)} day(s), {days[0]} … {days[-1]}, "
          f"{len(first.customers):,} tickets, in {took:.0f} s")
    print(f"Database: {db} ({counts[0]} counters). Open it as a manager:\n"
          f"  python run.py --db {db} --demo     then /manager/stats?from={days[0]}&to={days[-1]}\n")
    for r in sorted(results, key=lambda r: r.counters):
        print(report.summary_line(r))
    print()
    print(report.what_if_table(results, args.service_level))
    print()
    print(report.estimate_report(results))
    return 0
