"""A day's tally (stats.Tally) as the rows the store keeps of it, and a range's sums of those
rows (core/store_stats.py) back into the very statistics stats.compute gives.

Rows are per subject: a business, counter, clerk or hour of the day. Counts add up; the mean
times come from sums kept in whole milliseconds (stats.ms); the percentiles from how many
times fell on each tenth of a second. The page shows times to the tenth and rounding never
changes the order of times, so the nearest-rank percentile of the tenths is the percentile's
tenth: exact. A range's tenths would be many rows to add up, so they are found in two steps:
how many fell in each band of time (tally_bands) says which band holds the percentile, then
only that band's tenths are read (tally_times); a month once over is summed from its days."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from . import stats
from .config import HallConfig

KINDS = (("businesses", "business"), ("counters", "counter"), ("clerks", "clerk"), ("hours", "hour"))
TOTAL = ("total", "")            # the hall's total: the sum of every business
PERCENTILES = (("wait", 50), ("wait", 90), ("service", 90))
PLACES = 10_000                  # `first` = day number × PLACES + place among that day's


def tenth(t: float) -> int:
    """A time (kept to the millisecond) in whole tenths of a second, rounded as the page does."""
    return round(round(t, 1) * 10)


def band(t: int) -> int:
    """The band of time a tenth falls in: 10 s wide up to 2 min, where most waits and services
    are, then 30 s to 10 min, 1 min to 30 min and 5 min beyond; narrow where times are many,
    since a percentile reads every tenth of its band. Other bands: raise stats.TALLY_VERSION
    (kept days are then counted again)."""
    if t < 1200:
        return t // 100
    if t < 6000:
        return 12 + (t - 1200) // 300
    if t < 18000:
        return 28 + (t - 6000) // 600
    return 48 + (t - 18000) // 3000


@dataclass
class DayRows:
    """One day's tally as rows: (kind, name) → stats.SUMS and `first` (where it first
    appeared); (kind, name, measure, tenth) → how many; (topic, name) → [n, yes, first] for
    recommendations (offered, accepted), churn (asked, stayed), scores (rated) and the counter's
    hand ("<what>:<name>" → n and what stats.Tally.hand keeps beside it)."""
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    times: Counter = field(default_factory=Counter)
    answers: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def bands(self) -> Counter:
        """(kind, name, measure, band) → how many."""
        out: Counter = Counter()
        for (kind, name, measure, t), n in self.times.items():
            out[kind, name, measure, band(t)] += n
        return out


def day_rows(tally: stats.Tally, day: str) -> DayRows:
    rows, first = DayRows(), date.fromisoformat(day).toordinal() * PLACES
    for attr, kind in KINDS:
        for place, (key, a) in enumerate(getattr(tally, attr).items()):
            name = f"{key:02d}" if kind == "hour" else key
            rows.counts[kind, name] = {**stats.sums(a), "first": first + place}
            for measure, values in (("wait", a.waits), ("service", a.services)):
                for v in values:
                    rows.times[kind, name, measure, tenth(v)] += 1
    for topic, pairs in (("recommendation", tally.recommendations), ("churn", tally.churn)):
        for place, (name, (n, yes)) in enumerate(pairs.items()):
            rows.answers[topic, name] = [n, yes, first + place]
    for score, n in tally.scores.items():
        if n:
            rows.answers["score", score] = [n, 0, first]
    for place, (name, (n, m)) in enumerate(tally.hand.items()):
        rows.answers["hand", name] = [n, m, first + place]
    return rows


def _locate(bands: dict[int, int], p: float) -> tuple[int, int] | None:
    """The band holding the p-th percentile of these times, and its place within the band."""
    n = sum(bands.values())
    if not n:
        return None
    k = stats.rank(n, p)
    for b in sorted(bands):
        if k < bands[b]:
            return b, k
        k -= bands[b]
    raise AssertionError("unreachable: k < n")


class Summed:
    """A range's sums: the store's over kept days and months (tally_sums), plus today's rows
    (`add`); then `wanted`'s bands of tenths (tally_tenths) make the figures (`result`)."""

    def __init__(self, counts: list[tuple], bands: list[tuple], answers: list[tuple]):
        self.counts: dict[tuple[str, str], dict[str, int]] = {}
        for kind, name, *values in counts:
            self.counts[kind, name] = dict(zip(("first", *stats.SUMS), values))
        self.bands: dict[tuple[str, str, str], Counter] = {}
        for kind, name, measure, b, n in bands:
            self._bands(kind, name, measure)[b] += n
        self.answers = {(topic, name): [n, yes, first] for topic, name, n, yes, first in answers}
        self.today = DayRows()

    def add(self, rows: DayRows) -> None:
        for key, s in rows.counts.items():
            mine = self.counts.setdefault(key, {f: 0 for f in stats.SUMS} | {"first": s["first"]})
            for f in stats.SUMS:
                mine[f] += s[f]
        for (kind, name, measure, b), n in rows.bands().items():
            self._bands(kind, name, measure)[b] += n
        for key, (n, yes, first) in rows.answers.items():
            mine = self.answers.setdefault(key, [0, 0, first])
            mine[0] += n
            mine[1] += yes
        self.today = rows

    def _bands(self, kind: str, name: str, measure: str) -> Counter:
        found = self.bands.get((kind, name, measure))
        if found is None:
            found = self.bands[kind, name, measure] = Counter()
        return found

    def _kept_as(self, subject: tuple[str, str]) -> tuple[str, list[str]]:
        """The kind and names a subject's times are kept under: the total's, every business's."""
        if subject == TOTAL:
            return "business", [name for kind, name in self.counts if kind == "business"]
        return subject[0], [subject[1]]

    def _percentiles(self):
        """(subject, measure, p, band, place in the band) of every percentile the page shows."""
        total: dict[str, Counter] = {}
        for (kind, name, measure), bands in self.bands.items():
            if kind == "business":
                total.setdefault(measure, Counter()).update(bands)
        for subject in [*self.counts, TOTAL]:
            for measure, p in PERCENTILES:
                bands = (total.get(measure, {}) if subject == TOTAL
                         else self.bands.get((*subject, measure), {}))
                found = _locate(bands, p)
                if found:
                    yield subject, measure, p, *found

    def wanted(self) -> set[tuple[str, str, str, int]]:
        """The (kind, name, measure, band) whose tenths the percentiles need."""
        out = set()
        for subject, measure, _, b, _ in self._percentiles():
            kind, names = self._kept_as(subject)
            out.update((kind, name, measure, b) for name in names)
        return out

    def result(self, config: HallConfig, tenths: dict[tuple, list[tuple[int, int]]]) -> dict:
        """The statistics, given the kept tenths of the wanted bands (tally_tenths)."""
        todays: dict[tuple, Counter] = {}
        for (kind, name, measure, t), n in self.today.times.items():
            todays.setdefault((kind, name, measure, band(t)), Counter())[t] += n
        found: dict[tuple, float] = {}
        for subject, measure, p, b, place in self._percentiles():
            kind, names = self._kept_as(subject)
            counts: Counter = Counter()
            for name in names:
                for t, n in tenths.get((kind, name, measure, b), ()):
                    counts[t] += n
                counts.update(todays.get((kind, name, measure, b), {}))
            for t in sorted(counts):
                if place < counts[t]:
                    found[subject, measure, p] = t / 10
                    break
                place -= counts[t]

        def summary(subject, s) -> dict:
            return stats.summary(s, found.get((subject, "wait", 50)),
                                 found.get((subject, "wait", 90)), found.get((subject, "service", 90)))

        by_kind: dict[str, dict[str, dict]] = {kind: {} for _, kind in KINDS}
        total = {f: 0 for f in stats.SUMS}
        for (kind, name), s in sorted(self.counts.items(), key=lambda kv: kv[1]["first"]):
            by_kind[kind][name] = summary((kind, name), s)
            if kind == "business":
                for f in stats.SUMS:
                    total[f] += s[f]
        answers: dict[str, dict[str, list[int]]] = {"recommendation": {}, "churn": {}, "score": {},
                                                    "hand": {}}
        for (topic, name), (n, yes, _) in sorted(self.answers.items(), key=lambda kv: kv[1][2]):
            answers[topic][name] = [n, yes]
        scores = {str(s): answers["score"].get(str(s), [0])[0] for s in range(1, 5)}
        return stats.report(config, by_kind["business"], summary(TOTAL, total), by_kind["counter"],
                            by_kind["clerk"], by_kind["hour"], answers["recommendation"],
                            answers["churn"], scores, answers["hand"])
