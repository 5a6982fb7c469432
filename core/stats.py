"""Statistics derived from the event log alone (no counters kept on the side).

Wait = from joining a queue (issue, or transfer in) to the first call there.
Service = from the start of service (or the call, when the clerk never pressed start) to finish.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .config import HallConfig

CLOSING_REASONS = ("day_end", "day_reset")   # tickets closed by the day's end, not by a clerk


@dataclass
class _Acc:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    unserved: int = 0
    transferred_out: int = 0
    waits: list = field(default_factory=list)
    services: list = field(default_factory=list)
    within_target: int = 0
    with_target: int = 0
    ratings: list = field(default_factory=list)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return ordered[int(k)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def compute(config: HallConfig, events: list[dict]) -> dict:
    """Per business (and in total) over the given events, oldest first; and per counter, per
    clerk (what they called, served and lost) and per hour of the day (arrivals, and the waits
    of the tickets issued in that hour)."""
    by_business = _per_business(config, events)
    return {**by_business, **_breakdowns(config, events)}


def _breakdowns(config: HallConfig, events: list[dict]) -> dict:
    counters: dict[str, _Acc] = {}
    clerks: dict[str, _Acc] = {}
    hours: dict[int, _Acc] = {}
    entered: dict[str, float] = {}
    entered_hour: dict[str, int] = {}
    called: dict[str, float] = {}
    started: dict[str, float] = {}
    target_wait = config.hall.target_wait_s
    within = {"counters": {}, "clerks": {}, "hours": {}}

    def accs(e) -> list[tuple[str, object, _Acc]]:
        out = []
        if e["counter"]:
            out.append(("counters", e["counter"], counters.setdefault(e["counter"], _Acc())))
        if e["clerk"]:
            out.append(("clerks", e["clerk"], clerks.setdefault(e["clerk"], _Acc())))
        return out

    for e in events:
        kind, tid, at = e["kind"], e["ticket"], e["at"]
        reason = e["data"].get("reason")
        if kind == "issued":
            hour = datetime.fromtimestamp(at, config.hall.tz).hour
            hours.setdefault(hour, _Acc()).issued += 1
            entered[tid], entered_hour[tid] = at, hour
        elif kind == "transferred":
            entered[tid] = at
            called.pop(tid, None)
            started.pop(tid, None)
        elif kind == "called" and tid not in called:
            called[tid] = at
            if tid in entered:
                wait = at - entered[tid]
                targets = accs(e)
                if tid in entered_hour:
                    targets.append(("hours", entered_hour[tid], hours.setdefault(entered_hour[tid], _Acc())))
                for group, key, a in targets:
                    a.waits.append(wait)
                    within[group][key] = within[group].get(key, 0) + (wait <= target_wait)
        elif kind == "started":
            started[tid] = at
        elif kind == "finished" and reason not in CLOSING_REASONS:
            begin = started.get(tid, called.get(tid))
            b = config.business(e["business"])
            for _, _, a in accs(e):
                a.served += 1
                if begin is not None:
                    a.services.append(at - begin)
                    if b is not None and b.target_s is not None:
                        a.with_target += 1
                        a.within_target += (at - begin) <= b.target_s
        elif kind == "no_show" and reason not in CLOSING_REASONS:
            for _, _, a in accs(e):
                a.no_show += 1
        elif kind == "rated":
            for _, _, a in accs(e):
                a.ratings.append(e["data"].get("score"))
    return {
        "counters": {k: _summary(a, within["counters"].get(k, 0)) for k, a in sorted(counters.items())},
        "clerks": {k: _summary(a, within["clerks"].get(k, 0)) for k, a in sorted(clerks.items())},
        "hours": {f"{h:02d}": _summary(a, within["hours"].get(h, 0)) for h, a in sorted(hours.items())},
    }


def _per_business(config: HallConfig, events: list[dict]) -> dict:
    acc: dict[str, _Acc] = {b.code: _Acc() for b in config.businesses}
    entered: dict[str, float] = {}      # ticket → when it joined its current queue
    called: dict[str, float] = {}       # ticket → first call in its current queue
    started: dict[str, float] = {}
    target_wait = config.hall.target_wait_s
    waits_within = {code: 0 for code in acc}
    for e in events:
        kind, tid, at = e["kind"], e["ticket"], e["at"]
        a = acc.setdefault(e["business"] or "?", _Acc())
        waits_within.setdefault(e["business"] or "?", 0)
        reason = e["data"].get("reason")
        if kind == "issued":
            a.issued += 1
            entered[tid] = at
        elif kind == "called" and tid not in called:
            called[tid] = at
            if tid in entered:
                wait = at - entered[tid]
                a.waits.append(wait)
                if wait <= target_wait:
                    waits_within[e["business"]] += 1
        elif kind == "started":
            started[tid] = at
        elif kind == "finished":
            if reason in CLOSING_REASONS:
                a.unserved += 1
                continue
            begin = started.get(tid, called.get(tid))
            a.served += 1
            if begin is not None:
                service = at - begin
                a.services.append(service)
                b = config.business(e["business"])
                if b is not None and b.target_s is not None:
                    a.with_target += 1
                    a.within_target += service <= b.target_s
        elif kind == "no_show":
            if reason in CLOSING_REASONS:
                a.unserved += 1
            else:
                a.no_show += 1
        elif kind == "transferred":
            src = acc.setdefault(e["data"].get("from_business") or e["business"], _Acc())
            src.transferred_out += 1
            entered[tid] = at
            called.pop(tid, None)
            started.pop(tid, None)
        elif kind == "rated":
            a.ratings.append(e["data"].get("score"))
    out = {code: _summary(a, waits_within.get(code, 0)) for code, a in acc.items() if code != "?"}
    total = _Acc()
    for a in acc.values():
        for f in ("issued", "served", "no_show", "unserved", "transferred_out",
                  "within_target", "with_target"):
            setattr(total, f, getattr(total, f) + getattr(a, f))
        total.waits += a.waits
        total.services += a.services
        total.ratings += a.ratings
    return {"businesses": out, "total": _summary(total, sum(waits_within.values()))}


def _summary(a: _Acc, waits_within: int) -> dict:
    return {
        "issued": a.issued,
        "served": a.served,
        "no_show": a.no_show,
        "unserved": a.unserved,
        "transferred_out": a.transferred_out,
        "wait_mean_s": _round(_mean(a.waits)),
        "wait_median_s": _round(percentile(a.waits, 50)),
        "wait_p90_s": _round(percentile(a.waits, 90)),
        "wait_within_target": round(waits_within / len(a.waits), 4) if a.waits else None,
        "service_mean_s": _round(_mean(a.services)),
        "service_p90_s": _round(percentile(a.services, 90)),
        "within_target": round(a.within_target / a.with_target, 4) if a.with_target else None,
        "rating_mean": _round(_mean(a.ratings)),
        "ratings": len(a.ratings),
    }


def clerk_day(config: HallConfig, finished: list[dict], clerk: str) -> dict:
    """A clerk's own day from the `finished` events alone (each carries its service time)."""
    services, within, with_target = [], 0, 0
    for e in finished:
        if e["clerk"] != clerk or e["data"].get("reason") in CLOSING_REASONS:
            continue
        service = e["data"].get("service_s")
        if service is None:
            continue
        services.append(service)
        b = config.business(e["business"])
        if b is not None and b.target_s is not None:
            with_target += 1
            within += service <= b.target_s
    return {"served": len(services), "service_mean_s": _round(_mean(services)),
            "within_target": round(within / with_target, 4) if with_target else None}
