"""The waiting estimate on simulated days (`run.py simulate`'s engine, the hall's own core): its
relative RMS error against the true wait of every ticket called (the oracle), at two loads,
beside the naive estimate from the same runs: the mean of the business's last ten waits."""
from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from core.config import load_config
from sim import report
from sim.demand import Demand
from sim.simulation import Result, simulate

FIRST_DAY = date(2026, 11, 2)      # a Monday: five working days and a weekend
DAYS = 7
LOADS = ((450, 6), (600, 6), (600, 5))     # tickets a day, staffed counters


def _run(load: tuple[int, int]) -> Result:
    per_day, counters = load
    days = [FIRST_DAY + timedelta(days=i) for i in range(DAYS)]
    with tempfile.TemporaryDirectory(prefix="bench-estimate-") as tmp:
        return simulate(load_config(None), Path(tmp) / "hall.db", days, Demand(per_day=per_day),
                        counters, seed=7)


def run() -> None:
    print(f"\n## waiting estimate on simulated days ({DAYS} days from {FIRST_DAY}, relative RMS "
          f"error = RMS(estimate − true wait) / mean true wait)")
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_run, LOADS))
    for (per_day, counters), r in zip(LOADS, results):
        e = report.estimate_error(r.customers)
        print(f"  {per_day} a day, {counters} counters: {e.tickets:,} tickets called, mean wait "
              f"{e.mean_wait_s / 60:4.1f} min — hall estimate {e.core_relative:.2f} "
              f"(RMS {e.core_rms_s / 60:.1f} min); mean of the last 10 waits {e.naive_relative:.2f} "
              f"(RMS {e.naive_rms_s / 60:.1f} min); {e.naive_rms_s / e.core_rms_s:.1f}× smaller error")
