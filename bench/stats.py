"""The manager's statistics over a simulated year of a busy hall (≈ 600 tickets a day through
`run.py simulate`'s engine): GET /api/stats for the last 30 days and for the whole year on the
real server, beside, in the same run, the same request for one day and the bare read of those
days' events from SQLite (the floor for statistics computed from the event log).

The year is simulated once and kept in var/bench/ (rebuilt when the simulator or the schema
changes); it takes about 15 minutes.

/api/stats is timed cold (the kept tallies of past days dropped first, so every day is counted
from the log), then on a restarted server from the kept days, then the same request again. The
baseline beside the kept days, in the same run: the previous design's work for the range, a
JSON tally per day (stats.Tally, the raw waits) parsed and merged in Python, then the figures,
timed in this process (without its HTTP and its read of the blobs, so a little flattered)."""
from __future__ import annotations

import hashlib
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import requests

from core.config import load_config
from core.hall import Hall
from core.stats import Tally
from core.store import SCHEMA_VERSION, Store
from sim.demand import Demand
from sim.simulation import simulate

from .common import ROOT, hall_server

CACHE = ROOT / "var" / "bench"
LAST_DAY = date(2026, 11, 29)      # fixed, so every run measures the same year
DAYS = 365


def _stamp() -> str:
    """The simulator's code and the schema's version: a new index or table reaches the kept
    year by itself when it is opened; a migration or another simulator means a new year."""
    h = hashlib.sha256(str(SCHEMA_VERSION).encode())
    for path in sorted((ROOT / "sim").glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def year_of_days() -> Path:
    db, stamp = CACHE / f"year-{DAYS}d.db", CACHE / f"year-{DAYS}d.stamp"
    if db.exists() and stamp.exists() and stamp.read_text() == _stamp():
        return db
    CACHE.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    days = [LAST_DAY - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    started = time.perf_counter()
    print(f"  simulating {DAYS} days into {db} (once; kept for later runs) …", flush=True)

    def progress(day: date, n: int) -> None:
        if day.day == 1:
            print(f"    {day.isoformat()}  {time.perf_counter() - started:5.0f} s", flush=True)

    simulate(load_config(None), db, days, Demand(), counters=6, seed=1, progress=progress)
    stamp.write_text(_stamp())
    print(f"  simulated in {time.perf_counter() - started:.0f} s", flush=True)
    return db


def _median_s(fn, n: int) -> float:  
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _json_tallies(config, events: list[dict]) -> dict[str, str]:
    """Day → its tally as JSON, as the previous design kept it."""
    by_day: dict[str, list[dict]] = {}
    for e in events:
        by_day.setdefault(e["day"], []).append(e)
    kept = {}
    for day, day_events in by_day.items():
        t = Tally()
        t.add(config, day_events)
        kept[day] = t.to_json()
    return kept


def _merged(config, blobs: list[str]) -> dict:
    total = Tally()
    for blob in blobs:
        total.merge(Tally.from_json(blob))
    return total.result(config)


def run() -> None:
    print("\n## statistics over a simulated year (/api/stats)")
    db = year_of_days()
    ranges = {"1 day": (LAST_DAY, LAST_DAY), "30 days": (LAST_DAY - timedelta(days=29), LAST_DAY),
              "365 days": (LAST_DAY - timedelta(days=DAYS - 1), LAST_DAY)}
    store = Store(db)
    config = load_config(None)
    hall = Hall(config, store)
    reads, tickets, events, merges = {}, {}, {}, {}
    for name, (a, b) in ranges.items():
        got = hall.events(a.isoformat(), b.isoformat())
        events[name] = len(got)
        tickets[name] = sum(1 for e in got if e["kind"] == "issued")
        reads[name] = _median_s(lambda: hall.events(a.isoformat(), b.isoformat()), 3)
        blobs = list(_json_tallies(config, got).values())
        del got
        merges[name] = _median_s(lambda: _merged(config, blobs), 3)
        del blobs

    def timed(s: requests.Session, url: str, name: str) -> float:
        t = time.perf_counter()
        r = s.get(url, timeout=600)
        took = time.perf_counter() - t
        r.raise_for_status()
        assert r.json()["total"]["issued"] == tickets[name]
        return took

    cold, kept, again = {}, {}, {}
    for phase in ("cold", "kept"):
        server = hall_server("threading", db)
        try:
            s = requests.Session()
            s.post(server.url + "/api/login", json={"username": "demo-manager", "password": "demo"}
                   ).raise_for_status()
            rss_before = server.rss_mib()
            for name, (a, b) in ranges.items():
                url = f"{server.url}/api/stats?from={a.isoformat()}&to={b.isoformat()}"
                if phase == "cold":
                    with store.write() as tx:      # no day counted yet
                        tx.forget_tallies()
                    cold[name] = timed(s, url, name)
                else:
                    kept[name] = timed(s, url, name)
                    again[name] = timed(s, url, name)
            rss_after = server.rss_mib()
        finally:
            server.stop()
    store.close()
    print("  /api/stats on a fresh server: the days counted from the log and kept (cold), then on "
          "a restarted server from the kept days, then the same request again; beside the bare "
          "read of the range's events from SQLite, and the baseline: the previous design's merge "
          "of the days' JSON tallies (in this process)")
    for name in ranges:
        print(f"  {name:>8}: {tickets[name]:>7,} tickets, {events[name]:>9,} events — cold "
              f"{cold[name] * 1000:7.0f} ms, kept days {kept[name] * 1000:6.0f} ms, again "
              f"{again[name] * 1000:5.0f} ms; bare read of the events {reads[name] * 1000:6.0f} ms; "
              f"baseline (JSON tallies merged) {merges[name] * 1000:6.0f} ms "
              f"(kept days {kept[name] / merges[name]:.2f}× the baseline)")
    print(f"  server memory: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after the year")
