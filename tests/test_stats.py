"""Statistics derived from the event log."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from core import stats
from core.clock import ManualClock
from core.config import load_config
from core.hall import Hall
from core.store import Store


def test_per_business_figures(hall, clock, config):
    hall.open_counter("1", "alice")
    for i in range(3):
        hall.issue_ticket("F-NEW", f"r{i}")
    # Serve them one after another.
    clock.advance(60)
    hall.call_next("1", "alice"); hall.start("1", "alice"); clock.advance(200); hall.finish("1", "alice")
    hall.call_next("1", "alice"); hall.start("1", "alice"); clock.advance(400); hall.finish("1", "alice")
    hall.call_next("1", "alice"); hall.no_show("1", "alice")
    hall.issue_ticket("F-QUERY", "q")
    s = stats.compute(config, hall.events(hall.today(), hall.today()))
    f = s["businesses"]["F-NEW"]
    assert f["issued"] == 3 and f["served"] == 2 and f["no_show"] == 1
    assert f["wait_mean_s"] == round((60 + 260 + 660) / 3, 1)
    assert f["wait_p90_s"] == 660
    assert f["service_mean_s"] == 300
    assert f["within_target"] == 0.5            # 200 s ≤ 300 s target; 400 s is over
    assert s["businesses"]["F-QUERY"]["issued"] == 1
    assert s["total"]["issued"] == 4


def test_transfer_counts_in_both_businesses(hall, clock, config):
    hall.issue_ticket("F-QUERY", "r")
    hall.open_counter("2", "alice")
    hall.call_next("2", "alice")
    hall.transfer("2", "alice", business="M-QUERY")
    clock.advance(30)
    hall.call_next("2", "alice")
    clock.advance(50)
    hall.finish("2", "alice")
    s = stats.compute(config, hall.events(hall.today(), hall.today()))["businesses"]
    assert s["F-QUERY"]["transferred_out"] == 1 and s["F-QUERY"]["issued"] == 1
    assert s["M-QUERY"]["served"] == 1 and s["M-QUERY"]["wait_mean_s"] == 30


def test_percentile_nearest_rank():
    assert stats.percentile([], 90) is None
    assert stats.percentile([5], 90) == 5
    assert stats.percentile(list(range(1, 11)), 90) == 9
    assert stats.percentile(list(range(1, 11)), 50) == 5


def test_per_counter_clerk_and_hour(hall, clock, config):
    """Hand-computed: two clerks at two counters; tickets issued at 09:30 and 10:10."""
    hall.open_counter("1", "alice")
    hall.open_counter("2", "bob")
    hall.issue_ticket("F-NEW", "a")                        # 09:30
    hall.issue_ticket("F-QUERY", "b")                      # 09:30
    clock.advance(120)
    hall.call_next("1", "alice"); hall.start("1", "alice")            # A: waited 120
    clock.advance(30)
    hall.call_next("2", "bob")                                        # B: waited 150
    clock.advance(270)
    hall.finish("1", "alice")                                         # A: served 300 (target 300)
    hall.no_show("2", "bob")
    clock.advance(2400 - 420)                                         # 10:10
    hall.issue_ticket("F-NEW", "c")
    clock.advance(1000)
    hall.call_next("2", "bob"); hall.start("2", "bob")                # C: waited 1000 (> 900)
    clock.advance(500)
    hall.finish("2", "bob")                                           # C: served 500 (over 300)
    s = stats.compute(config, hall.events(hall.today(), hall.today()))
    alice, bob = s["clerks"]["alice"], s["clerks"]["bob"]
    assert (alice["served"], alice["no_show"], alice["wait_mean_s"], alice["service_mean_s"]) == (1, 0, 120, 300)
    assert alice["within_target"] == 1.0 and alice["wait_within_target"] == 1.0
    assert (bob["served"], bob["no_show"], bob["wait_mean_s"], bob["service_mean_s"]) == (1, 1, 575, 500)
    assert bob["within_target"] == 0.0 and bob["wait_within_target"] == 0.5
    assert s["counters"]["1"]["served"] == 1 and s["counters"]["2"]["no_show"] == 1
    assert s["hours"]["09"]["issued"] == 2 and s["hours"]["10"]["issued"] == 1
    assert s["hours"]["09"]["wait_mean_s"] == 135 and s["hours"]["10"]["wait_median_s"] == 1000
    assert s["businesses"]["F-NEW"]["issued"] == 2                   # the old figures stay


def _ev(kind, at=0.0, ticket=None, business=None, counter=None, clerk=None, **data):
    return {"kind": kind, "at": at, "ticket": ticket, "business": business, "counter": counter,
            "clerk": clerk, "data": data}


def test_after_service_figures_on_a_fixed_log(config):
    """A small fixed event log, every figure computed by hand."""
    log = [
        _ev("recommended", what="5G套餐升级", accepted=True),
        _ev("recommended", what="5G套餐升级", accepted=False),
        _ev("recommended", what="宽带提速", accepted=True),
        _ev("churn", reason="资费偏高", offer="降档", stayed=True),
        _ev("churn", reason="资费偏高", offer=None, stayed=False),
        _ev("churn", reason="搬家/离开本地", offer=None, stayed=False),
        _ev("rated", ticket="t1", counter="1", clerk="alice", score=4),
        _ev("rated", ticket="t2", counter="1", clerk="alice", score=3),
        _ev("rated", ticket="t3", counter="2", clerk="bob", score=1),
        _ev("follow_up", follow_up=1, due_date="2026-11-26"),
        _ev("follow_up", follow_up=2, due_date="2026-11-27"),
        _ev("follow_up", follow_up=3, due_date="2026-12-03"),
        _ev("follow_up_answered", follow_up=1, in_time=True, due_date="2026-11-26"),
        _ev("follow_up_answered", follow_up=9, in_time=True, due_date="2026-11-20"),  # opened earlier
    ]
    s = stats.compute(config, log, today="2026-11-30")
    assert s["recommendations"]["offered"] == 3 and s["recommendations"]["accepted"] == 2
    assert s["recommendations"]["uptake"] == 0.6667
    assert s["recommendations"]["by_what"]["5G套餐升级"] == {"offered": 2, "accepted": 1, "uptake": 0.5}
    assert s["churn"]["asked"] == 3 and s["churn"]["stayed"] == 1 and s["churn"]["retention"] == 0.3333
    assert s["churn"]["by_reason"]["资费偏高"] == {"asked": 2, "stayed": 1, "retention": 0.5}
    assert s["ratings"] == {"count": 3, "scores": {"1": 1, "2": 0, "3": 1, "4": 1}, "mean": 2.7,
                            "satisfied": 0.6667}
    assert s["clerks"]["alice"]["rating_mean"] == 3.5 and s["clerks"]["bob"]["rating_mean"] == 1
    assert s["follow_ups"] == {"opened": 3, "answered": 1, "answered_in_time": 1, "open": 2, "overdue": 1}


def test_csv_export_has_the_headers_and_chinese_intact(app, clerk, client):
    import csv
    import io
    from conftest import issue, login
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/finish")
    manager = app.test_client()
    login(manager, "demo-manager")
    for table, header in [("businesses", ["业务代码", "业务", "取号", "办结"]), ("counters", ["窗口编号", "窗口", "叫号", "办结"]),
                          ("clerks", ["工号/账号", "姓名", "叫号"]), ("hours", ["时段"]),
                          ("recommendations", ["推荐业务"]), ("churn", ["销户原因"])]:
        r = manager.get(f"/api/stats.csv?from=2026-11-25&to=2026-11-25&table={table}")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert r.data.startswith(b"\xef\xbb\xbf")                # the BOM Excel needs
        rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
        assert rows[0][:len(header)] == header, table
    rows = list(csv.reader(io.StringIO(manager.get(
        "/api/stats.csv?from=2026-11-25&to=2026-11-25").data.decode("utf-8-sig"))))
    new = next(r for r in rows if r[0] == "F-NEW")
    assert new[1] == "固网·新开户" and new[2] == "1" and new[3] == "1"
    assert rows[-1][0] == "合计"
    counters = list(csv.reader(io.StringIO(manager.get(
        "/api/stats.csv?from=2026-11-25&to=2026-11-25&table=counters").data.decode("utf-8-sig"))))
    assert counters[1][:4] == ["1", "1号窗口", "1", "1"]      # counter 1 called one, served one
    assert manager.get("/api/stats.csv?from=2026-11-25&to=2026-11-25&table=nope").status_code == 422
    assert client.get("/api/stats.csv?from=2026-11-25&to=2026-11-25").status_code == 401


def test_statistics_are_kept_until_the_log_or_the_day_changes(hall, clock, config, store, monkeypatch):
    tallied = []
    real_add = stats.Tally.add
    monkeypatch.setattr(stats.Tally, "add", lambda self, *a: tallied.append(1) or real_add(self, *a))
    today = hall.today()
    hall.issue_ticket("F-NEW", "a")
    assert hall.statistics(today, today)["total"]["issued"] == 1
    assert hall.statistics(today, today)["total"]["issued"] == 1 and len(tallied) == 1
    hall.issue_ticket("F-NEW", "b")                      # the log grew: today's figures again
    assert hall.statistics(today, today)["total"]["issued"] == 2 and len(tallied) == 2
    clock.advance(86400)                                 # tomorrow, yesterday is past …
    hall.issue_ticket("F-NEW", "c")
    assert hall.statistics(today, today)["total"]["issued"] == 2 and len(tallied) == 3
    hall.issue_ticket("F-NEW", "d")                      # … and stays put however the log grows
    assert hall.statistics(today, today)["total"]["issued"] == 2 and len(tallied) == 3
    # Its tally is kept in the database: another process (or a restart) does not count it again.
    other = Hall(config, store, clock)
    both = other.statistics(today, other.today())
    assert both["total"]["issued"] == 4 and len(tallied) == 4      # only today was counted


def test_kept_tallies_add_up_to_the_figures_from_the_log(hall, clock, config):
    """Three days of service with transfers, no-shows and ratings: the sum of the days' kept
    tallies says exactly what one pass over the whole log says."""
    first = hall.today()
    for day in range(3):
        hall.open_counter("1", "alice")          # each morning: the day's end closed it
        for i in range(4):
            t = hall.issue_ticket("F-NEW" if i % 2 else "F-CHANGE", f"d{day}-{i}")[0]
            clock.advance(60 * (i + 1))
            hall.call_next("1", "alice")
            clock.advance(200)
            if i == 3:
                hall.no_show("1", "alice")
            elif i == 2:
                hall.transfer("1", "alice", business="F-QUERY")
            else:
                hall.finish("1", "alice")
                hall.rate(t.id, 4 - i, None)
        clock.advance(86400 - 60 * 10 - 800)
    last = hall.today()
    kept = hall.statistics(first, last)
    direct = stats.compute(config, hall.events(first, last), today=hall.today())
    assert kept == direct
    assert kept["total"]["issued"] == 12 and kept["total"]["no_show"] == 3


def test_past_days_are_counted_ahead_in_the_background(hall, clock, config, monkeypatch):
    first = hall.today()
    for day in range(3):
        hall.issue_ticket("F-NEW", f"d{day}")
        clock.advance(86400)
    pauses = []
    hall.keep_tallies(days=10, pause=lambda: pauses.append(1))
    assert len(pauses) == 2                               # a week at a time
    tallied = []
    real_add = stats.Tally.add
    monkeypatch.setattr(stats.Tally, "add", lambda self, *a: tallied.append(1) or real_add(self, *a))
    other = Hall(config, hall.store, clock)               # e.g. after a restart
    assert other.statistics(first, _yesterday(other))["total"]["issued"] == 3
    assert tallied == []                                  # every past day was kept


def _yesterday(hall):
    from datetime import date, timedelta
    return (date.fromisoformat(hall.today()) - timedelta(days=1)).isoformat()


# --- a range summed from the kept rows (core/statistics.py) --------------------------------
SIM_DAYS = [date(2026, 10, 30) + timedelta(days=i) for i in range(33)]     # … all November …


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A quiet hall's simulated days from 30 October to 1 December (November whole, so a month
    is summed as one), copied by each test: the simulator counts and keeps them at its end."""
    from sim.demand import Demand
    from sim.simulation import simulate
    db = tmp_path_factory.mktemp("stats") / "days.db"
    simulate(load_config(), db, SIM_DAYS, Demand(per_day=60), counters=3, seed=4)
    return db


@pytest.fixture
def sim_store(simulated, tmp_path):
    for suffix in ("", "-wal", "-shm", ".keys"):
        if Path(f"{simulated}{suffix}").exists():
            shutil.copy(f"{simulated}{suffix}", tmp_path / f"days.db{suffix}")
    s = Store(tmp_path / "days.db")
    yield s
    s.close()


def _after_the_days():
    from core.clock import day_start
    return ManualClock(day_start((SIM_DAYS[-1] + timedelta(days=1)).isoformat(),
                                 load_config().hall.tz) + 10 * 3600)


def _direct(hall, day_from, day_to):
    return stats.compute(hall.config, hall.events(day_from, day_to), today=hall.today())


def _kept(store) -> dict[str, str]:
    with store.read() as tx:
        return dict(tx.conn.execute("SELECT period, key FROM tally_periods"))


RANGES = [("2026-10-30", "2026-12-01"), ("2026-11-01", "2026-11-30"), ("2026-11-10", "2026-11-16"),
          ("2026-11-25", "2026-11-25"), ("2026-10-31", "2026-11-02")]


def test_a_range_summed_from_kept_rows_is_the_range_counted_from_its_log(sim_store, config):
    hall = Hall(config, sim_store, _after_the_days())
    assert {"2026-11", "2026-10-30", "2026-12-01"} <= set(_kept(sim_store))   # kept by the simulator
    for day_from, day_to in RANGES:
        assert hall.statistics(day_from, day_to) == _direct(hall, day_from, day_to), (day_from, day_to)
    whole = hall.statistics(*RANGES[0])
    # The percentiles are really there to compare, in every part of the page.
    for part in ("businesses", "counters", "clerks", "hours"):
        figures = [f for f in whole[part].values() if f["called"]]
        assert figures and all(f["wait_median_s"] is not None and f["wait_p90_s"] is not None
                               for f in figures), part
    assert whole["total"]["service_p90_s"] is not None and whole["total"]["issued"] > 1500
    assert whole["recommendations"]["offered"] and whole["churn"]["asked"]


def test_a_range_counted_again_from_the_log_and_with_today(sim_store, config, monkeypatch):
    with sim_store.write() as tx:
        tx.forget_tallies()
    clock = _after_the_days()
    hall = Hall(config, sim_store, clock)
    for i in range(3):                                    # today: customers served and waiting
        hall.issue_ticket("F-NEW" if i else "M-QUERY", f"today-{i}")
    hall.open_counter("1", "alice")
    clock.advance(95.25)
    hall.call_next("1", "alice")
    clock.advance(301.5)
    hall.finish("1", "alice")
    tallied = []
    real_add = stats.Tally.add
    monkeypatch.setattr(stats.Tally, "add", lambda self, *a: tallied.append(1) or real_add(self, *a))
    today = hall.today()
    counted = hall.statistics("2026-11-20", today)
    assert len(tallied) == 12 + 1                         # the past days once each, and today
    assert counted == _direct(hall, "2026-11-20", today)
    assert hall.statistics("2026-10-30", today) == _direct(hall, "2026-10-30", today)
    assert set(_kept(sim_store)) >= {"2026-11", *(d.isoformat() for d in SIM_DAYS)}


def test_a_day_kept_under_other_standards_is_counted_again(sim_store, config, monkeypatch):
    stricter = config.model_copy(update={"hall": config.hall.model_copy(update={"target_wait_s": 120})})
    assert stats.fingerprint(stricter) != stats.fingerprint(config)
    tallied = []
    real_add = stats.Tally.add
    monkeypatch.setattr(stats.Tally, "add", lambda self, *a: tallied.append(1) or real_add(self, *a))
    day = "2026-11-25"
    # The hall started with the stricter file, then again with the usual one (each file new to
    # the store becomes the settings in force, core/settings.py).
    strict_hall = Hall(stricter, sim_store, _after_the_days())
    strict = strict_hall.statistics(day, day)
    assert len(tallied) == 1                              # counted again under the strict target
    assert strict == _direct(strict_hall, day, day)
    usual_hall = Hall(config, sim_store, _after_the_days())
    usual = usual_hall.statistics(day, day)
    assert len(tallied) == 3                              # and again under the usual one (+ direct)
    assert usual == _direct(usual_hall, day, day)
    assert strict["total"]["wait_within_target"] < usual["total"]["wait_within_target"]
    # The month that day belongs to is summed again from its days, the others kept as they were.
    assert _kept(sim_store).get("2026-11") is None
    tallied.clear()
    november = usual_hall.statistics("2026-11-01", "2026-11-30")
    assert tallied == [] and _kept(sim_store)["2026-11"] == stats.fingerprint(config)
    assert november == _direct(usual_hall, "2026-11-01", "2026-11-30")
