"""The manager's statistics over any range of days: each past day counted once from the log
and kept as rows (core/tally_rows.py), each month once it is over summed from its days, a
range the SQL sum of its months and days (core/store_stats.py); today counted from the log,
since it is not over. The figures are stats.compute's over the same events, to the digit."""
from __future__ import annotations

from datetime import date, timedelta

from . import stats
from .clock import SystemClock, business_day
from .config import HallConfig
from .store import Store
from .tally_rows import DayRows, Summed, day_rows

STATS_KEPT = 8       # date ranges whose statistics are kept
WEEK = 7             # days counted in one go (one read of their log, one write)


def _days(day_from: str, day_to: str) -> list[str]:
    first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _month_of_days(days: list[str]) -> dict[str, list[str]]:
    """Month → its days, for the months wholly among these consecutive days."""
    months: dict[str, list[str]] = {}
    for day in days:
        months.setdefault(day[:7], []).append(day)
    return {m: ds for m, ds in months.items()
            if ds[0].endswith("-01") and (date.fromisoformat(ds[-1]) + timedelta(days=1)).day == 1}


class HallStatistics:
    def __init__(self, config: HallConfig, store: Store, clock=None):
        # the hall's config, or a function giving the one in force (core/settings.py)
        self._config = config if callable(config) else (lambda: config)
        self.store = store
        self.clock = clock or SystemClock()
        self._kept: dict[tuple, dict] = {}

    @property
    def config(self) -> HallConfig:
        return self._config()

    @property
    def key(self) -> str:
        """What kept tallies depend on besides the log (stats.fingerprint), as configured now."""
        return stats.fingerprint(self.config)

    def today(self) -> str:
        return business_day(self.clock.now(), self.config.hall.tz)

    def of_days(self, day_from: str, day_to: str) -> dict:
        """stats.compute over these days. The answer is kept while nothing can have changed it
        (a range of past days until the day ends, one with today until the next event): the
        page and its six CSV exports read the same range one after the other."""
        today = self.today()
        mark = None
        if day_to >= today:
            with self.store.read() as tx:
                mark = tx.last_seq()
        key = (day_from, day_to, today, mark)
        result = self._kept.get(key)
        if result is None:
            result = self._count(day_from, day_to, today)
            while len(self._kept) >= STATS_KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = result
        return result

    def keep_days(self, days: int = 366, pause=lambda: None) -> None:
        """Count the past `days` not kept yet (and sum their whole months), a week at a time
        with `pause()` between: run in the background after start-up, so that the first look
        at a year is not the slow one."""
        yesterday = date.fromisoformat(_day_before(self.today()))
        window = (yesterday - timedelta(days=days - 1)).isoformat()
        for start in range(days, 0, -WEEK):
            last = min(yesterday, yesterday - timedelta(days=start - WEEK))
            self._keep(window, last.isoformat())
            pause()

    def _count(self, day_from: str, day_to: str, today: str) -> dict:
        past_to = min(day_to, _day_before(today))
        todays = None
        if day_to >= today:
            tally = stats.Tally()
            with self.store.read() as tx:
                tally.add(self.config, tx.events(max(day_from, today), day_to))
            todays = day_rows(tally, today)
        result = self._summed(day_from, past_to, todays)
        with self.store.read() as tx:
            follow_ups = stats.follow_ups(tx.events(day_from, day_to, stats.FOLLOW_UP_KINDS), today)
        return {**result, "follow_ups": follow_ups}

    def _summed(self, day_from: str, day_to: str, todays: DayRows | None) -> dict:
        """The past days' sums from the kept rows (counted first where missing), with today's
        rows added."""
        for _ in range(3):
            periods = self._keep(day_from, day_to) if day_from <= day_to else []
            with self.store.read() as tx:
                kept = tx.kept_tallies(periods)
                if any(kept.get(p) != self.key for p in periods):
                    continue         # counted again meanwhile under other standards: once more
                summed = Summed(*tx.tally_sums(periods))
                if todays is not None:
                    summed.add(todays)
                tenths = tx.tally_tenths(summed.wanted(), periods)
            return summed.result(self.config, tenths)
        raise RuntimeError("the kept tallies keep changing under other standards")

    def _keep(self, day_from: str, day_to: str) -> list[str]:
        """Make sure these past days are kept, summing their whole months: the periods (months
        and the days outside them) that add up to the range."""
        days = _days(day_from, day_to)
        months = _month_of_days(days)
        in_months = {d for ds in months.values() for d in ds}
        loose = [d for d in days if d not in in_months]
        with self.store.read() as tx:
            kept = tx.kept_tallies([*months, *days])
        stale = [m for m in months if kept.get(m) != self.key]
        wanted = set(loose) | {d for m in stale for d in months[m]}
        self._count_days([d for d in days if d in wanted and kept.get(d) != self.key])
        for m in stale:
            with self.store.write() as tx:
                tx.keep_month_tally(m, months[m], self.key)
        return [*months, *loose]

    def _count_days(self, missing: list[str]) -> None:
        """Count these past days from the log and keep them, a week's stretch at a time (one
        read of its log, one write: consecutive days' rows share the store's pages, so a week
        written at once writes far fewer of them than seven days one by one)."""
        while missing:
            chunk = [d for d in missing if d <= (date.fromisoformat(missing[0])
                                                   + timedelta(days=WEEK - 1)).isoformat()]
            missing = missing[len(chunk):]
            by_day: dict[str, list[dict]] = {d: [] for d in chunk}
            with self.store.read() as tx:
                for e in tx.events(chunk[0], chunk[-1]):
                    if e["day"] in by_day:
                        by_day[e["day"]].append(e)
            counted = {}
            for day, events in by_day.items():
                tally = stats.Tally()
                tally.add(self.config, events)
                counted[day] = day_rows(tally, day)
            with self.store.write() as tx:
                already = tx.kept_tallies(chunk)          # another process may have been first
                for day, rows in counted.items():
                    if already.get(day) != self.key:
                        tx.keep_day_tally(day, self.key, rows)
