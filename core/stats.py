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
    waits_within: int = 0
    ratings: list = field(default_factory=list)

    def add_wait(self, wait: float, target_wait: float) -> None:
        self.waits.append(wait)
        self.waits_within += wait <= target_wait

    def add_service(self, service: float, business) -> None:
        self.services.append(service)
        if business is not None and business.target_s is not None:
            self.with_target += 1
            self.within_target += service <= business.target_s


def _timeline(events: list[dict]):
    """Each event with the wait it ends (the first call in a queue: since the issue, or since a
    transfer in) and the service it ends (a finish by a clerk: since the start, or the call);
    None where it ends none."""
    entered: dict[str, float] = {}      # ticket → when it joined its current queue
    called: dict[str, float] = {}       # ticket → first call in its current queue
    started: dict[str, float] = {}
    for e in events:
        kind, tid, at = e["kind"], e["ticket"], e["at"]
        wait = service = None
        if kind in ("issued", "transferred"):
            entered[tid] = at
            called.pop(tid, None)
            started.pop(tid, None)
        elif kind == "called" and tid not in called:
            called[tid] = at
            if tid in entered:
                wait = at - entered[tid]
        elif kind == "started":
            started[tid] = at
        elif kind == "finished" and e["data"].get("reason") not in CLOSING_REASONS:
            begin = started.get(tid, called.get(tid))
            if begin is not None:
                service = at - begin
        yield e, wait, service


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


def compute(config: HallConfig, events: list[dict], today: str | None = None) -> dict:
    """Per business (and in total) over the given events, oldest first; per counter, per clerk
    (what they called, served and lost) and per hour of the day (arrivals, and the waits of the
    tickets issued in that hour); and what happened after service (recommendations, churn,
    ratings, follow-ups: overdue counted against `today`)."""
    by_business = _per_business(config, events)
    return {**by_business, **_breakdowns(config, events), **_after_service(events, today)}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _after_service(events: list[dict], today: str | None) -> dict:
    recs: dict[str, list[int]] = {}          # what → [offered, accepted]
    churn: dict[str, list[int]] = {}         # reason → [asked to close, stayed]
    scores = {str(s): 0 for s in range(1, 5)}
    opened: dict[int, str] = {}              # follow-up id → due date
    answered: dict[int, bool] = {}           # follow-up id → in time
    for e in events:
        kind, d = e["kind"], e["data"]
        if kind == "recommended":
            r = recs.setdefault(d.get("what") or "?", [0, 0])
            r[0] += 1
            r[1] += bool(d.get("accepted"))
        elif kind == "churn":
            c = churn.setdefault(d.get("reason") or "?", [0, 0])
            c[0] += 1
            c[1] += bool(d.get("stayed"))
        elif kind == "rated" and str(d.get("score")) in scores:
            scores[str(d["score"])] += 1
        elif kind == "follow_up" and d.get("follow_up") is not None:
            opened[d["follow_up"]] = d.get("due_date") or ""
        elif kind == "follow_up_answered" and d.get("follow_up") is not None:
            answered[d["follow_up"]] = bool(d.get("in_time"))
    offered, accepted = sum(r[0] for r in recs.values()), sum(r[1] for r in recs.values())
    asked, stayed = sum(c[0] for c in churn.values()), sum(c[1] for c in churn.values())
    still_open = [due for fid, due in opened.items() if fid not in answered]
    rated = sum(scores.values())
    return {
        "recommendations": {
            "offered": offered, "accepted": accepted, "uptake": _share(accepted, offered),
            "by_what": {w: {"offered": r[0], "accepted": r[1], "uptake": _share(r[1], r[0])}
                        for w, r in sorted(recs.items(), key=lambda kv: -kv[1][0])}},
        "churn": {
            "asked": asked, "stayed": stayed, "retention": _share(stayed, asked),
            "by_reason": {w: {"asked": c[0], "stayed": c[1], "retention": _share(c[1], c[0])}
                          for w, c in sorted(churn.items(), key=lambda kv: -kv[1][0])}},
        "ratings": {"count": rated, "scores": scores,
                    "mean": _round(sum(int(k) * n for k, n in scores.items()) / rated) if rated else None,
                    "satisfied": _share(scores["3"] + scores["4"], rated)},
        "follow_ups": {
            "opened": len(opened), "answered": sum(1 for f in answered if f in opened),
            "answered_in_time": sum(1 for f, ok in answered.items() if ok and f in opened),
            "open": len(still_open),
            "overdue": sum(1 for due in still_open if today is not None and due < today)},
    }


def _breakdowns(config: HallConfig, events: list[dict]) -> dict:
    counters: dict[str, _Acc] = {}
    clerks: dict[str, _Acc] = {}
    hours: dict[int, _Acc] = {}
    issued_hour: dict[str, int] = {}
    target_wait = config.hall.target_wait_s

    def people(e) -> list[_Acc]:
        """The counter and the clerk an event belongs to."""
        out = []
        if e["counter"]:
            out.append(counters.setdefault(e["counter"], _Acc()))
        if e["clerk"]:
            out.append(clerks.setdefault(e["clerk"], _Acc()))
        return out

    for e, wait, service in _timeline(events):
        kind, tid = e["kind"], e["ticket"]
        closing = e["data"].get("reason") in CLOSING_REASONS
        if kind == "issued":
            hour = datetime.fromtimestamp(e["at"], config.hall.tz).hour
            hours.setdefault(hour, _Acc()).issued += 1
            issued_hour[tid] = hour
        elif wait is not None:
            by_hour = [hours.setdefault(issued_hour[tid], _Acc())] if tid in issued_hour else []
            for a in people(e) + by_hour:
                a.add_wait(wait, target_wait)
        elif kind == "finished" and not closing:
            for a in people(e):
                a.served += 1
                if service is not None:
                    a.add_service(service, config.business(e["business"]))
        elif kind == "no_show" and not closing:
            for a in people(e):
                a.no_show += 1
        elif kind == "rated":
            for a in people(e):
                a.ratings.append(e["data"].get("score"))
    return {
        "counters": {k: _summary(a) for k, a in sorted(counters.items())},
        "clerks": {k: _summary(a) for k, a in sorted(clerks.items())},
        "hours": {f"{h:02d}": _summary(a) for h, a in sorted(hours.items())},
    }


def _per_business(config: HallConfig, events: list[dict]) -> dict:
    acc: dict[str, _Acc] = {b.code: _Acc() for b in config.businesses}
    target_wait = config.hall.target_wait_s
    for e, wait, service in _timeline(events):
        kind = e["kind"]
        a = acc.setdefault(e["business"] or "?", _Acc())
        closing = e["data"].get("reason") in CLOSING_REASONS
        if kind == "issued":
            a.issued += 1
        elif wait is not None:
            a.add_wait(wait, target_wait)
        elif kind == "finished":
            if closing:
                a.unserved += 1
            else:
                a.served += 1
                if service is not None:
                    a.add_service(service, config.business(e["business"]))
        elif kind == "no_show":
            if closing:
                a.unserved += 1
            else:
                a.no_show += 1
        elif kind == "transferred":
            acc.setdefault(e["data"].get("from_business") or e["business"], _Acc()).transferred_out += 1
        elif kind == "rated":
            a.ratings.append(e["data"].get("score"))
    out = {code: _summary(a) for code, a in acc.items() if code != "?"}
    total = _Acc()
    for a in acc.values():
        for f in ("issued", "served", "no_show", "unserved", "transferred_out",
                  "within_target", "with_target", "waits_within"):
            setattr(total, f, getattr(total, f) + getattr(a, f))
        total.waits += a.waits
        total.services += a.services
        total.ratings += a.ratings
    return {"businesses": out, "total": _summary(total)}


def _summary(a: _Acc) -> dict:
    return {
        "issued": a.issued,
        "called": len(a.waits),            # first calls in a queue (a counter's or clerk's work)
        "served": a.served,
        "no_show": a.no_show,
        "unserved": a.unserved,
        "transferred_out": a.transferred_out,
        "wait_mean_s": _round(_mean(a.waits)),
        "wait_median_s": _round(percentile(a.waits, 50)),
        "wait_p90_s": _round(percentile(a.waits, 90)),
        "wait_within_target": round(a.waits_within / len(a.waits), 4) if a.waits else None,
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
