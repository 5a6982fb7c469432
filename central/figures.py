"""The company's statistics from the central copy: per hall with core.stats.Tally and that
hall's own config (its waiting standard, its businesses' handling standards, its time zone),
and for the company the merged tallies.

Each event is judged against its own hall's standards when it is counted, so the company's
"within standard" is the share of all waits (services) that met the standard of the hall where
they happened. Businesses are matched by code across halls; a code only one hall has appears in
the company's figures as that hall's.

A hall's past days are counted once and kept (day_tallies): a day is past once an event of a
later day has arrived, and new events of a day drop its tally. The newest day is read from the
log each time. Follow-ups are left out: one opened on a day is answered on another."""
from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from pydantic import ValidationError

from core import stats
from core.config import Business, HallConfig

from .store import CentralStore

WEEK = 7


class _Catalogue(NamedTuple):
    """What Tally.result needs of a config: the businesses to list (the company's: every hall's)."""
    businesses: tuple[Business, ...]


def _days(day_from: str, day_to: str) -> list[str]:
    first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def hall_tally(central: CentralStore, hall: dict, config: HallConfig, day_from: str,
               day_to: str) -> stats.Tally:
    """The hall's tally over these days: kept past days, the missing ones counted a week at a
    time and kept, the newest day from the log."""
    total = stats.Tally()
    newest = hall["last_day"]
    if newest is None or day_from > newest:
        return total                    # nothing of these days has arrived
    code, key = hall["code"], stats.fingerprint(config)
    past = [d for d in _days(day_from, day_to) if d < newest]
    kept = central.day_tallies(code, day_from, day_to, key) if past else {}
    missing = [d for d in past if d not in kept]
    for i in range(0, len(missing), WEEK):
        chunk = missing[i:i + WEEK]
        by_day: dict[str, list[dict]] = {d: [] for d in chunk}
        for e in central.events(code, chunk[0], chunk[-1]):
            if e["day"] in by_day:
                by_day[e["day"]].append(e)
        counted = {}
        for day, events in by_day.items():
            t = stats.Tally()
            t.add(config, events)
            counted[day] = t.to_json()
        central.save_day_tallies(code, counted, key, hall["last_seq"])
        kept.update(counted)
    for day in past:
        total.merge(stats.Tally.from_json(kept[day]))
    if day_to >= newest:
        total.add(config, central.events(code, newest, newest))
    return total


def _hall_entry(hall: dict, config: HallConfig | None) -> dict:
    return {"code": hall["code"], "name": hall["name"], "name_en": hall["name_en"],
            "timezone": hall["timezone"], "last_seq": hall["last_seq"], "last_day": hall["last_day"],
            "synced_at": hall["synced_at"].isoformat() if hall["synced_at"] else None,
            "target_wait_s": config.hall.target_wait_s if config else None}


def company(central: CentralStore, day_from: str, day_to: str) -> dict:
    """Every hall's statistics and the company's, over these days."""
    halls, merged, catalogue = [], stats.Tally(), {}
    for hall in central.halls():
        try:
            config = HallConfig.model_validate_json(hall["config"])
        except ValidationError as e:
            # A hall on a newer version with settings this one does not know: said, not hidden.
            halls.append({**_hall_entry(hall, None), "stats": None,
                          "error": f"无法读取该厅的配置 (the hall's config is not readable "
                                   f"here: {e.error_count()} problem(s); upgrade the central view)"})
            continue
        tally = hall_tally(central, hall, config, day_from, day_to)
        merged.merge(tally)
        for b in config.businesses:
            catalogue.setdefault(b.code, b)
        halls.append({**_hall_entry(hall, config), "stats": tally.result(config)})
    return {"from": day_from, "to": day_to, "halls": halls,
            "company": {"halls": sum(1 for h in halls if h["stats"] is not None),
                        "stats": merged.result(_Catalogue(tuple(catalogue.values())))}}


def newest_day(central: CentralStore) -> str | None:
    """The latest business day any hall has sent events of."""
    days = [h["last_day"] for h in central.halls() if h["last_day"]]
    return max(days) if days else None
