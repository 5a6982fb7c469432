"""The hall simulator: realistic days through the real core, the counters what-if, the estimate
measured against the true waits."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from core import stats
from core.config import load_config
from core.hall import Hall
from core.store import Store
from sim import report
from sim.demand import Customer, Demand, customers_of
from sim.simulation import Result, simulate, staffed_counters

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def test_arrivals_have_a_lunch_and_an_evening_peak(config):
    by_hour = Counter(c.hour for d in range(20)
                      for c in customers_of(MONDAY + timedelta(days=d), config, Demand(), seed=3))
    assert by_hour[12] > by_hour[10] > by_hour[9]
    assert by_hour[17] > by_hour[15] and by_hour[12] > by_hour[14]
    assert set(by_hour) <= set(range(9, 18))           # only while the hall is open


def test_days_off_are_busier_and_the_same_seed_gives_the_same_customers(config):
    weekday = customers_of(MONDAY, config, Demand(), seed=1)
    assert [(c.arrive_s, c.business) for c in weekday] == \
        [(c.arrive_s, c.business) for c in customers_of(MONDAY, config, Demand(), seed=1)]
    saturdays = [len(customers_of(MONDAY + timedelta(days=5 + 7 * w), config, Demand(), seed=1))
                 for w in range(4)]
    weekdays = [len(customers_of(MONDAY + timedelta(days=7 * w), config, Demand(), seed=1))
                for w in range(4)]
    assert sum(saturdays) > sum(weekdays)
    assert 500 < sum(weekdays) / 4 < 700


def test_the_arrivals_option(config):
    assert Demand.parse("450").per_day == 450
    d = Demand.parse("9:10,12:40")
    assert d.per_day == 50 and d.hourly == {9: 10.0, 12: 40.0}
    hours = Counter(c.hour for c in customers_of(MONDAY, config, d, seed=1))
    assert set(hours) <= {9, 12} and hours[12] > hours[9]
    for bad in ("0", "nine", "25:10", "9-10"):
        with pytest.raises(ValueError):
            Demand.parse(bad)


def test_staffed_counters_cover_every_business_first(config):
    one = staffed_counters(config, 1)
    assert [c.id for c in one.counters] == ["6"]        # the counter that serves everything
    eight = staffed_counters(config, 8)
    assert len(eight.counters) == 8 and len({c.id for c in eight.counters}) == 8


def test_a_simulated_day_goes_through_the_core(tmp_path, config):
    db = tmp_path / "sim.db"
    result = simulate(config, db, [MONDAY], Demand(per_day=150), counters=3, seed=2)
    store = Store(db)
    try:
        hall = Hall(config, store)
        events = hall.events(MONDAY.isoformat(), MONDAY.isoformat())
        kinds = Counter(e["kind"] for e in events)
        assert kinds["issued"] == len(result.customers) > 100
        # Every ticket ended in the day: served, or a no-show (nobody left in the queue).
        assert kinds["finished"] + kinds["no_show"] == kinds["issued"]
        assert kinds["no_show"] > 0 and kinds["transferred"] >= 0 and kinds["rated"] > 0
        assert kinds["recalled"] == kinds["no_show"]
        s = stats.compute(config, events, today=MONDAY.isoformat())
        assert s["total"]["issued"] == len(result.customers)
        assert s["total"]["served"] == kinds["finished"]
        assert s["ratings"]["count"] == kinds["rated"]
        names = {m.display_name for m in hall_staff(store)}
        assert "张敏" in names                           # the clerks have names for statistics
    finally:
        store.close()


def hall_staff(store):
    from core.staff import StaffAccounts
    members = StaffAccounts(store).all()
    assert all(m.disabled for m in members)               # simulated clerks cannot sign in
    return members


def test_more_counters_same_customers_shorter_waits(tmp_path, config):
    two = simulate(config, tmp_path / "a.db", [MONDAY], Demand(per_day=200), counters=2, seed=5)
    four = simulate(config, tmp_path / "b.db", [MONDAY], Demand(per_day=200), counters=4, seed=5)
    assert [c.business for c in two.customers] == [c.business for c in four.customers]
    w2, w4 = report.waits(two.customers), report.waits(four.customers)
    assert sum(w4) / len(w4) < sum(w2) / len(w2)


def test_the_hall_estimate_beats_the_mean_of_recent_waits_on_a_busy_day(tmp_path, config):
    r = simulate(config, tmp_path / "busy.db", [MONDAY], Demand(per_day=600), counters=5, seed=1)
    e = report.estimate_error(r.customers)
    assert e.tickets > 500 and e.mean_wait_s > 300
    assert e.core_relative < e.naive_relative


def _result(counters: int, waits_by_hour: dict[int, list[float]]) -> Result:
    customers = []
    for hour, waits in waits_by_hour.items():
        for w in waits:
            c = Customer(arrive_s=hour * 3600, business="F-NEW", priority=None, patience_s=1e9,
                         walk_s=0, service_s=0, transfer_to=None, rating=None, recommend=None,
                         closing=None, follow_up=None, gap_s=0, mood=1)
            c.called_s = c.arrive_s + w
            customers.append(c)
    return Result(counters=counters, days=[MONDAY], customers=customers, target_wait_s=900)


def test_counters_needed_per_hour():
    results = [_result(3, {9: [100] * 10, 12: [2000] * 5 + [100] * 5}),
               _result(4, {9: [50] * 10, 12: [1000] + [100] * 9}),
               _result(5, {9: [10] * 10, 12: [100] * 10})]
    assert report.needed_counters(results, 0.9) == {9: 3, 12: 4}
    assert report.needed_counters(results, 1.0) == {9: 3, 12: 5}
    table = report.what_if_table(results, 0.9)
    assert "12:00" in table and "needed" in table
    e = report.estimate_error(results[0].customers)
    assert e.tickets == 20 and e.naive_rms_s > 0


def test_the_command_line(tmp_path):
    db = tmp_path / "cli.db"
    cmd = [sys.executable, "run.py", "simulate", "--days", "1", "--arrivals", "60",
           "--counters", "2,3", "--start", MONDAY.isoformat(), "--db", str(db)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "2 counters" in out.stdout and "3 counters" in out.stdout
    assert "needed" in out.stdout and "relative RMS error" in out.stdout
    assert db.exists()
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "--force" in again.stderr
    bad = subprocess.run(cmd[:-2] + ["--counters", "x", "--db", str(tmp_path / "x.db")], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--counters" in bad.stderr
