"""What the simulated days say: waits by hour for each number of counters, the counters each hour
needs to keep the hall's waiting standard, and how good the waiting estimate was."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .demand import Customer
from .simulation import Result


def waits(customers: list[Customer]) -> list[float]:
    """True waits (issue → first call) of the customers who were called."""
    return [c.called_s - c.arrive_s for c in customers if c.called_s is not None]


def p90(values: list[float]) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, math.ceil(0.9 * len(s)) - 1)]


def within(values: list[float], limit: float) -> float:
    return sum(1 for v in values if v <= limit) / len(values) if values else 1.0


@dataclass(frozen=True)
class EstimateError:
    tickets: int
    mean_wait_s: float
    core_rms_s: float          # RMS of (the core's estimate − the true wait)
    naive_rms_s: float         # the same for the mean of the business's last ten waits

    @property
    def core_relative(self) -> float:
        return self.core_rms_s / self.mean_wait_s if self.mean_wait_s else 0.0

    @property
    def naive_relative(self) -> float:
        return self.naive_rms_s / self.mean_wait_s if self.mean_wait_s else 0.0


def estimate_error(customers: list[Customer]) -> EstimateError:
    """Against the oracle: the wait each ticket really had until its first call."""
    # A ticket told no estimate (no working window served it then) is not scored.
    called = [c for c in customers if c.called_s is not None and c.estimate_s is not None]
    if not called:
        return EstimateError(0, 0.0, 0.0, 0.0)
    true = [c.called_s - c.arrive_s for c in called]

    def rms(guess: list[float]) -> float:
        return math.sqrt(sum((g - t) ** 2 for g, t in zip(guess, true)) / len(true))

    return EstimateError(len(called), sum(true) / len(true),
                         rms([c.estimate_s for c in called]), rms([c.naive_s for c in called]))


def by_hour(result: Result) -> dict[int, list[float]]:
    out: dict[int, list[float]] = {}
    for c in result.customers:
        if c.called_s is not None:
            out.setdefault(c.hour, []).append(c.called_s - c.arrive_s)
    return out


def needed_counters(results: list[Result], service_level: float) -> dict[int, int | None]:
    """Per hour of issue: the fewest counters whose share called within the target wait reaches
    the service level (None: not even the most tried)."""
    hours = sorted({h for r in results for h in by_hour(r)})
    out: dict[int, int | None] = {}
    for h in hours:
        out[h] = next((r.counters for r in sorted(results, key=lambda r: r.counters)
                       if within(by_hour(r).get(h, []), r.target_wait_s) >= service_level), None)
    return out


def summary_line(r: Result) -> str:
    w = waits(r.customers)
    served = len(w)
    return (f"{r.counters:>3} counters: {len(r.customers):,} tickets, mean wait "
            f"{sum(w) / max(1, served) / 60:5.1f} min, p90 {p90(w) / 60:5.1f} min, "
            f"{within(w, r.target_wait_s):6.1%} called within {r.target_wait_s // 60} min")


def what_if_table(results: list[Result], service_level: float) -> str:
    """Hours down, counters across: mean wait in minutes and the share within the target."""
    results = sorted(results, key=lambda r: r.counters)
    per = [by_hour(r) for r in results]
    hours = sorted({h for p in per for h in p})
    target = results[0].target_wait_s
    head = "hour  " + "".join(f"{r.counters:>3} counters    " for r in results) + " needed"
    lines = [f"Mean wait (min) and share called within {target // 60} min, by hour of issue:", head]
    needed = needed_counters(results, service_level)
    for h in hours:
        cells = []
        for p in per:
            w = p.get(h, [])
            cells.append(f"{sum(w) / max(1, len(w)) / 60:6.1f} {within(w, target):6.0%}  ")
        need = needed[h]
        lines.append(f"{h:02d}:00 " + "".join(cells) + f"  {need if need else '>' + str(results[-1].counters)}")
    lines.append(f"needed: the fewest counters with at least {service_level:.0%} of that hour's "
                 f"tickets called within {target // 60} min")
    return "\n".join(lines)


def estimate_report(results: list[Result]) -> str:
    lines = ["Waiting estimate against the true wait (tickets called), relative RMS error "
             "= RMS(estimate − true wait) / mean true wait:"]
    for r in sorted(results, key=lambda r: r.counters):
        e = estimate_error(r.customers)
        lines.append(f"{r.counters:>3} counters: mean true wait {e.mean_wait_s / 60:5.1f} min; "
                     f"hall estimate {e.core_relative:5.2f} (RMS {e.core_rms_s / 60:4.1f} min); "
                     f"mean of the last 10 waits {e.naive_relative:5.2f} "
                     f"(RMS {e.naive_rms_s / 60:4.1f} min); {e.tickets:,} tickets")
    return "\n".join(lines)
