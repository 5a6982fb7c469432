"""A company of halls: a busy hall's log into a central PostgreSQL (`run.py sync`).

On the simulated year of bench/stats.py (≈ 650 tickets, ≈ 3,200 events a day; a copy, so the
kept year is never touched), into a throwaway PostgreSQL with its default, durable settings:

- a large sync: every day but the last 7 from a standing start, in batches of 5,000 (events/s),
  beside, in the same run, the bare read of the same events from SQLite and a bare COPY of the
  same rows into an unindexed table (no keys, no conflict check: PostgreSQL's floor);
- the two ways of sending a batch (binary COPY, executemany with ON CONFLICT DO NOTHING) on the
  same 100,000 events, which chose COPY;
- then the hall's 7-day outage: its last 7 days caught up by `run.py sync` in a new process
  (start-up, connection and all), and the central statistics of those 7 days counted the first
  time and again from the kept days."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from central import figures
from central.store import CentralStore
from central.sync import BATCH, log_id
from core.config import load_config
from core.store import Store

from .common import ROOT
from .stats import DAYS, LAST_DAY, year_of_days

sys.path.insert(0, str(ROOT / "tests"))
from pg import PgServer  # noqa: E402  (the tests' throwaway server)

OUTAGE_DAYS = 7
COMPARE = 100_000


def _read_all(store: Store, upto: int) -> tuple[int, float]:
    """Every event up to seq `upto`, batch by batch, and nothing else: the floor of the push."""
    n, last, t = 0, 0, time.perf_counter()
    while True:
        with store.read() as tx:
            rows = tx.events_after(last, min(BATCH, upto - last))
        if not rows:
            return n, time.perf_counter() - t
        n, last = n + len(rows), rows[-1][0]


def _push_all(store: Store, central: CentralStore, code: str, upto: int, via: str = "copy",
              bare: bool = False) -> tuple[int, float]:
    """The hall's events up to `upto` pushed batch by batch; the time spent in PostgreSQL only."""
    n, last, spent = 0, 0, 0.0
    while last < upto:
        with store.read() as tx:
            rows = tx.events_after(last, min(BATCH, upto - last))
        if not rows:
            break
        t = time.perf_counter()
        if bare:
            central.copy_bare(rows)
        else:
            central.push(code, rows, via)
        spent += time.perf_counter() - t
        n, last = n + len(rows), rows[-1][0]
    return n, spent


def _seq_before(store: Store, day: str) -> int:
    """The last seq of the days before `day`."""
    with store.read() as tx:
        first = tx.events(day, day)[0]["seq"]
    return first - 1


def run() -> None:
    print("\n## a company of halls: a busy hall's log into a central PostgreSQL (run.py sync)")
    year = year_of_days()
    config = load_config(None)
    code = config.hall.code
    tmp = Path(tempfile.mkdtemp(prefix="hall-bench-central-"))
    pg = PgServer(fast=False).start()
    try:
        db = Path(shutil.copy(year, tmp / "hall.db"))
        store = Store(db)
        outage_from = (LAST_DAY - timedelta(days=OUTAGE_DAYS - 1)).isoformat()
        before_outage = _seq_before(store, outage_from)
        with store.read() as tx:
            last_seq = tx.last_seq()
        # Floors: the read from SQLite alone, and a bare COPY of the same rows.
        read_n, read_s = _read_all(store, before_outage)
        scratch = CentralStore(pg.new_database("scratch"))
        bare_n, bare_s = _push_all(store, scratch, code, before_outage, bare=True)
        # The sync itself (what sync_once does, timed around PostgreSQL and in all).
        central = CentralStore(pg.new_database("company"))
        central.register(code, log_id(store), config.hall.name, config.hall.name_en,
                         config.hall.timezone, config.model_dump_json())
        t = time.perf_counter()
        sync_n, pg_s = _push_all(store, central, code, before_outage)
        sync_s = time.perf_counter() - t
        # COPY or executemany, on the same events into empty tables.
        for via in ("copy", "insert"):
            scratch.register(via, "bench", "bench", "", config.hall.timezone, config.model_dump_json())
        _, copy_s = _push_all(store, scratch, "copy", COMPARE, "copy")
        _, insert_s = _push_all(store, scratch, "insert", COMPARE, "insert")
        scratch.close()
        store.close()

        first_day = LAST_DAY - timedelta(days=DAYS - 1)
        last_synced = LAST_DAY - timedelta(days=OUTAGE_DAYS)
        print(f"  large sync: {sync_n:,} events ({first_day} … {last_synced}) from a standing "
              f"start, in batches of {BATCH:,}")
        print(f"    sync       {sync_s:6.1f} s  {sync_n / sync_s:9,.0f} events/s "
              f"(of which PostgreSQL {pg_s:5.1f} s)")
        print(f"    baselines: read from SQLite alone {read_s:5.1f} s ({read_n / read_s:9,.0f} events/s); "
              f"bare COPY into an unindexed table {bare_s:5.1f} s ({bare_n / bare_s:9,.0f} events/s)")
        print(f"  a batch's way in, {COMPARE:,} events: binary COPY {COMPARE / copy_s:9,.0f} events/s; "
              f"executemany INSERT … ON CONFLICT DO NOTHING {COMPARE / insert_s:9,.0f} events/s "
              f"({insert_s / copy_s:.1f}× slower)")

        # The outage: the last 7 days, caught up by a new `run.py sync` process.
        t = time.perf_counter()
        r = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--db", str(db)],
                           cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "HALL_CENTRAL_URL": central.url})
        catch_up_s = time.perf_counter() - t
        if r.returncode != 0:
            raise RuntimeError(f"run.py sync failed: {r.stderr}")
        behind = last_seq - before_outage
        assert central.count(code) == (last_seq, last_seq)
        t = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--help"], cwd=ROOT,
                       capture_output=True, check=True)
        start_s = time.perf_counter() - t
        t = time.perf_counter()
        result = figures.company(central, outage_from, LAST_DAY.isoformat())
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        figures.company(central, outage_from, LAST_DAY.isoformat())
        again_s = time.perf_counter() - t
        central.close()
        issued = result["company"]["stats"]["total"]["issued"]
        print(f"  a {OUTAGE_DAYS}-day outage ({outage_from} … {LAST_DAY}: {behind:,} events, "
              f"{issued:,} tickets) caught up from a standing start by `run.py sync`: "
              f"{catch_up_s:.2f} s (of which the program's start-up {start_s:.2f} s, as "
              f"`run.py sync --help`), onto the {sync_n:,} events already there")
        print(f"    the central statistics of those {OUTAGE_DAYS} days then: counted {first_s * 1000:.0f} ms, "
              f"again from the kept days {again_s * 1000:.0f} ms")
    finally:
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
