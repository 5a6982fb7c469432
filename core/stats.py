"""Statistics derived from the event log alone (no counters kept on the side).

Wait = from joining a queue (issue, or transfer in) to the first call there.
Service = from the start of service (or the call, when the clerk never pressed start) to finish.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from .config import HallConfig

CLOSING_REASONS = ("day_end", "day_reset")   # tickets closed by the day's end, not by a clerk
TALLY_VERSION = 2    # raise when Tally counts differently: kept days' tallies are then redone


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
        self.waits.append(round(wait, 3))
        self.waits_within += wait <= target_wait

    def add_service(self, service: float, business) -> None:
        self.services.append(round(service, 3))
        if business is not None and business.target_s is not None:
            self.with_target += 1
            self.within_target += service <= business.target_s

    def merge(self, other: "_Acc") -> None:
        for f in _COUNTS:
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.waits += other.waits
        self.services += other.services
        self.ratings += other.ratings


_COUNTS = ("issued", "served", "no_show", "unserved", "transferred_out", "within_target",
           "with_target", "waits_within")


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
        if kind in ("issued", "transferred") or (kind == "business_added"
                                                 and e["data"].get("how") == "queue"):
            entered[tid] = at
            called.pop(tid, None)
            started.pop(tid, None)
        elif kind == "business_added":          # served at once: its own service from now
            started[tid] = at
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


def rank(n: int, p: float) -> int:
    """Where the nearest-rank percentile (p in 0..100) of n values stands among them, sorted."""
    return int(max(0, min(n - 1, -(-n * p // 100) - 1)))


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    return sorted(values)[rank(len(values), p)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ms(values: list[float]) -> int:
    """The sum of times kept to the millisecond, in whole milliseconds: exact, so kept days'
    sums add up to the very figure one pass over their log gives."""
    return sum(round(v * 1000) for v in values)


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(config: HallConfig, events: list[dict], today: str | None = None) -> dict:
    """Per business (and in total) over the given events, oldest first; per counter, per clerk
    (what they called, served and lost) and per hour of the day (arrivals, and the waits of the
    tickets issued in that hour); and what happened after service (recommendations, churn,
    ratings, follow-ups: overdue counted against `today`)."""
    tally = Tally()
    tally.add(config, events)
    return {**tally.result(config), "follow_ups": follow_ups(events, today)}


class Tally:
    """What the statistics need of a stretch of the log, in a form that adds up: the counts and
    the raw waits, services and scores of every business, counter, clerk and hour. A day's tally
    never changes once the day is over (the log only grows today), so past days are counted once
    and kept: by the hall as rows a range is the SQL sum of (core/statistics.py), by the central
    copy as JSON. Follow-ups are not in it: one opened on a day may be answered on another."""

    def __init__(self) -> None:
        self.businesses: dict[str, _Acc] = {}
        self.counters: dict[str, _Acc] = {}
        self.clerks: dict[str, _Acc] = {}
        self.hours: dict[int, _Acc] = {}
        self.recommendations: dict[str, list[int]] = {}   # what → [offered, accepted]
        self.churn: dict[str, list[int]] = {}             # reason → [asked to close, stayed]
        self.scores = {str(s): 0 for s in range(1, 5)}
        # The counter's hand (issue 18): "<what>:<name>" → [n, m], m as HAND_PAIRS says.
        self.hand: dict[str, list[int]] = {}

    def _hand(self, what: str, name, m: int = 0) -> None:
        pair = self.hand.setdefault(f"{what}:{name}", [0, 0])
        pair[0] += 1
        pair[1] += m

    def add(self, config: HallConfig, events: list[dict]) -> None:
        """Count events (oldest first, whole days: a ticket's life never spans two)."""
        target_wait, tz = config.hall.target_wait_s, config.hall.tz
        issued_hour: dict[str, int] = {}
        requeued: set[str] = set()

        def people(e) -> list[_Acc]:
            """The counter and the clerk an event belongs to."""
            out = []
            if e["counter"]:
                out.append(self.counters.setdefault(e["counter"], _Acc()))
            if e["clerk"]:
                out.append(self.clerks.setdefault(e["clerk"], _Acc()))
            return out

        for e, wait, service in _timeline(events):
            kind, tid, d = e["kind"], e["ticket"], e["data"]
            a = self.businesses.setdefault(e["business"] or "?", _Acc())
            closing = d.get("reason") in CLOSING_REASONS
            if kind == "called" and d.get("out_of_order"):
                self._hand("out_of_order_clerk", e["clerk"] or "?")
                self._hand("out_of_order_reason", d.get("reason") or "未说明")
            elif kind == "requeued":
                requeued.add(tid)
                self._hand("requeued", "all")
            elif kind == "parked":
                self._hand("parked", "all")
            elif kind == "unparked":
                self._hand("unparked", d.get("how") or "?", round(d.get("parked_s") or 0))
            elif kind == "business_added":
                self._hand("second_business", d.get("to_business") or "?", d.get("how") == "serve")
            elif kind == "priority_given" and d.get("priority"):
                self._hand("priority_by", e["clerk"] or "?", bool(d.get("at_issue")))
            if kind == "finished" and not closing and tid in requeued:
                requeued.discard(tid)
                self._hand("requeued_served", "all")
            if kind == "issued":
                a.issued += 1
                hour = datetime.fromtimestamp(e["at"], tz).hour
                self.hours.setdefault(hour, _Acc()).issued += 1
                issued_hour[tid] = hour
            elif wait is not None:
                by_hour = [self.hours.setdefault(issued_hour[tid], _Acc())] if tid in issued_hour else []
                for x in [a] + people(e) + by_hour:
                    x.add_wait(wait, target_wait)
            elif kind == "finished" and closing:
                a.unserved += 1
            elif kind == "finished":
                business = config.business(e["business"])
                for x in [a] + people(e):
                    x.served += 1
                    if service is not None:
                        x.add_service(service, business)
            elif kind == "no_show" and closing:
                a.unserved += 1
            elif kind == "no_show":
                for x in [a] + people(e):
                    x.no_show += 1
            elif kind == "no_show_undone":          # pressed by mistake: the customer came
                for x in [a] + people(e):
                    x.no_show -= 1
            elif kind == "transferred":
                self.businesses.setdefault(d.get("from_business") or e["business"], _Acc()).transferred_out += 1
            elif kind == "rated":
                for x in [a] + people(e):
                    x.ratings.append(d.get("score"))
                if str(d.get("score")) in self.scores:
                    self.scores[str(d["score"])] += 1
            elif kind == "recommended":
                r = self.recommendations.setdefault(d.get("what") or "?", [0, 0])
                r[0] += 1
                r[1] += bool(d.get("accepted"))
            elif kind == "churn":
                c = self.churn.setdefault(d.get("reason") or "?", [0, 0])
                c[0] += 1
                c[1] += bool(d.get("stayed"))

    def merge(self, other: "Tally") -> None:
        for mine, theirs in ((self.businesses, other.businesses), (self.counters, other.counters),
                             (self.clerks, other.clerks), (self.hours, other.hours)):
            for k, acc in theirs.items():
                mine.setdefault(k, _Acc()).merge(acc)
        for mine, theirs in ((self.recommendations, other.recommendations), (self.churn, other.churn)):
            for k, (n, yes) in theirs.items():
                pair = mine.setdefault(k, [0, 0])
                pair[0] += n
                pair[1] += yes
        for k, n in other.scores.items():
            self.scores[k] = self.scores.get(k, 0) + n
        for k, (n, m) in other.hand.items():
            pair = self.hand.setdefault(k, [0, 0])
            pair[0] += n
            pair[1] += m

    # --- kept as JSON (the central copy's day tallies, central/figures.py) -------------
    def to_json(self) -> str:
        groups = {name: {str(k): asdict(a) for k, a in getattr(self, name).items()}
                  for name in ("businesses", "counters", "clerks", "hours")}
        return json.dumps({**groups, "recommendations": self.recommendations, "churn": self.churn,
                           "scores": self.scores, "hand": self.hand},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Tally":
        raw, t = json.loads(text), cls()
        for name in ("businesses", "counters", "clerks"):
            setattr(t, name, {k: _Acc(**a) for k, a in raw[name].items()})
        t.hours = {int(k): _Acc(**a) for k, a in raw["hours"].items()}
        t.recommendations, t.churn, t.scores = raw["recommendations"], raw["churn"], raw["scores"]
        t.hand = raw.get("hand", {})
        return t

    # --- the figures ----------------------------------------------------------------
    def result(self, config: HallConfig) -> dict:
        total = _Acc()
        for a in self.businesses.values():
            total.merge(a)
        return report(config, {code: _summary(a) for code, a in self.businesses.items()}, _summary(total),
                      {k: _summary(a) for k, a in self.counters.items()},
                      {k: _summary(a) for k, a in self.clerks.items()},
                      {f"{h:02d}": _summary(a) for h, a in self.hours.items()},
                      self.recommendations, self.churn, self.scores, self.hand)


def report(config: HallConfig, businesses: dict[str, dict], total: dict, counters: dict[str, dict],
           clerks: dict[str, dict], hours: dict[str, dict], recommendations: dict[str, list[int]],
           churn: dict[str, list[int]], scores: dict[str, int],
           hand: dict[str, list[int]] | None = None) -> dict:
    """The statistics from each part's summary (`summary`): the catalogue's businesses first
    (nothing happened: zeros), then any other in the order `businesses` has them (first seen
    first); recommendations and churn reasons as they first came, the most asked first."""
    listed = {b.code: businesses.get(b.code) or _summary(_Acc()) for b in config.businesses}
    listed.update((code, s) for code, s in businesses.items() if code not in listed and code != "?")
    recs = recommendations
    offered, accepted = sum(r[0] for r in recs.values()), sum(r[1] for r in recs.values())
    asked, stayed = sum(c[0] for c in churn.values()), sum(c[1] for c in churn.values())
    rated = sum(scores.values())
    return {
        "businesses": listed,
        "total": total,
        "counters": dict(sorted(counters.items())),
        "clerks": dict(sorted(clerks.items())),
        "hours": dict(sorted(hours.items())),
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
        "counter_hand": counter_hand(hand or {}),
    }


def counter_hand(hand: dict[str, list[int]]) -> dict:
    """Out-of-order calls by clerk and reason, no-shows re-queued and how many of them were then
    served, parked tickets and their time away, second businesses, priority given and by whom
    (the CRM as `crm`), from the tally's "<what>:<name>" → [n, m] pairs."""
    def part(what: str) -> dict[str, list[int]]:
        found = {k.split(":", 1)[1]: v for k, v in hand.items() if k.split(":", 1)[0] == what}
        return dict(sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0])))

    n = lambda what: sum(v[0] for v in part(what).values())     # noqa: E731
    back = part("unparked")
    away = sum(v[1] for v in back.values())
    returned = sum(v[0] for v in back.values())
    given = part("priority_by")
    return {
        "out_of_order": {"calls": n("out_of_order_clerk"),
                         "by_clerk": {k: v[0] for k, v in part("out_of_order_clerk").items()},
                         "by_reason": {k: v[0] for k, v in part("out_of_order_reason").items()}},
        "requeued": {"requeued": n("requeued"), "served": n("requeued_served"),
                     "served_share": _share(n("requeued_served"), n("requeued"))},
        "parked": {"parked": n("parked"), "called_back": back.get("called", [0])[0],
                   "returned_by_itself": back.get("returned", [0])[0],
                   "away_mean_s": _round(away / returned) if returned else None},
        "second_businesses": {k: {"added": v[0], "served_at_once": v[1]}
                              for k, v in part("second_business").items()},
        "priority_given": {"given": sum(v[0] for v in given.values()),
                           "at_issue": sum(v[1] for v in given.values()),
                           "by": {k: v[0] for k, v in given.items()}},
    }


FOLLOW_UP_KINDS = ("follow_up", "follow_up_answered")


def follow_ups(events: list[dict], today: str | None) -> dict:
    """Of the follow-ups opened in these events: answered (in time), open, overdue against
    `today`."""
    opened: dict[int, str] = {}              # follow-up id → due date
    answered: dict[int, bool] = {}           # follow-up id → in time
    for e in events:
        kind, d = e["kind"], e["data"]
        if kind == "follow_up" and d.get("follow_up") is not None:
            opened[d["follow_up"]] = d.get("due_date") or ""
        elif kind == "follow_up_answered" and d.get("follow_up") is not None:
            answered[d["follow_up"]] = bool(d.get("in_time"))
    still_open = [due for fid, due in opened.items() if fid not in answered]
    return {
        "opened": len(opened), "answered": sum(1 for f in answered if f in opened),
        "answered_in_time": sum(1 for f, ok in answered.items() if ok and f in opened),
        "open": len(still_open),
        "overdue": sum(1 for due in still_open if today is not None and due < today)}


def fingerprint(config: HallConfig) -> str:
    """What a kept tally depends on besides the log: the hall's targets and time zone."""
    basis = [TALLY_VERSION, config.hall.target_wait_s, config.hall.timezone,
             sorted((b.code, b.target_s) for b in config.businesses)]
    return hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:16]


# What a summary needs besides the percentiles: the counts, and the times' numbers and sums.
SUMS = _COUNTS + ("waits", "wait_ms", "services", "service_ms", "ratings", "rating_sum")


def sums(a: _Acc) -> dict[str, int]:
    return {**{f: getattr(a, f) for f in _COUNTS}, "waits": len(a.waits), "wait_ms": ms(a.waits),
            "services": len(a.services), "service_ms": ms(a.services),
            "ratings": len(a.ratings), "rating_sum": sum(a.ratings)}


def _summary(a: _Acc) -> dict:
    return summary(sums(a), percentile(a.waits, 50), percentile(a.waits, 90),
                   percentile(a.services, 90))


def summary(s: dict[str, int], wait_median: float | None, wait_p90: float | None,
            service_p90: float | None) -> dict:
    """One business's (counter's, clerk's, hour's) figures from its sums (SUMS) and percentiles."""
    return {
        "issued": s["issued"],
        "called": s["waits"],              # first calls in a queue (a counter's or clerk's work)
        "served": s["served"],
        "no_show": s["no_show"],
        "unserved": s["unserved"],
        "transferred_out": s["transferred_out"],
        "wait_mean_s": _round(s["wait_ms"] / 1000 / s["waits"]) if s["waits"] else None,
        "wait_median_s": _round(wait_median),
        "wait_p90_s": _round(wait_p90),
        "wait_within_target": round(s["waits_within"] / s["waits"], 4) if s["waits"] else None,
        "service_mean_s": _round(s["service_ms"] / 1000 / s["services"]) if s["services"] else None,
        "service_p90_s": _round(service_p90),
        "within_target": round(s["within_target"] / s["with_target"], 4) if s["with_target"] else None,
        "rating_mean": _round(s["rating_sum"] / s["ratings"]) if s["ratings"] else None,
        "ratings": s["ratings"],
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
