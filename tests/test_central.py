"""A company of halls: `run.py sync` pushes a hall's event log into a real PostgreSQL (started
by these tests), once and only once whatever goes wrong on the way; `run.py central` shows the
halls side by side with the company, from that copy, with each hall's own standards."""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import threading
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

import psycopg
import pytest

from central import figures
from central.app import add_account, create_app
from central.cli import main as central_main
from central.store import CentralRefused, CentralStore, CentralUnavailable
from central.sync import LOG_ID, log_id, sync_once
from core import stats
from core.clock import ManualClock, day_start
from core.config import DEFAULT_CONFIG, load_config, parse_config
from core.hall import Hall
from core.store import Store
from pg import PgServer
from server import ROOT
from sim.demand import Demand
from sim.simulation import simulate

PASSWORD = "s3cret-Pw9"          # in every URL: it must never be printed
DAYS = [date(2026, 11, 23), date(2026, 11, 24)]
D1, D2 = DAYS[0].isoformat(), DAYS[1].isoformat()
_names = itertools.count()


@pytest.fixture(scope="session")
def pg():
    try:
        server = PgServer().start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)          # never a silent skip: CI must install it
    yield server
    server.destroy()


@pytest.fixture
def url(pg):
    """A fresh central database for each test."""
    return pg.new_database(f"central_{next(_names)}", password=PASSWORD)


@pytest.fixture
def central(url):
    c = CentralStore(url)
    yield c
    c.close()


def _north_config():
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["hall"].update(code="north", name="北区营业厅", target_wait_s=300)
    return parse_config(raw)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Two small simulated halls (two days each), copied by each test that changes them."""
    d = tmp_path_factory.mktemp("halls")
    simulate(load_config(), d / "main.db", DAYS, Demand(per_day=100), counters=3, seed=1)
    simulate(_north_config(), d / "north.db", DAYS, Demand(per_day=80), counters=3, seed=2)
    return d


def _copy(simulated, tmp_path, name="main.db") -> Path:
    return Path(shutil.copy(simulated / name, tmp_path / name))


def _hall_events(db: Path) -> list[dict]:
    store = Store(db)
    try:
        with store.read() as tx:
            return tx.events("0000-00-00", "9999-99-99")
    finally:
        store.close()


def _sync(db: Path, central: CentralStore, config=None, **kw) -> int:
    store = Store(db)
    try:
        return sync_once(store, config or load_config(), central, **kw)
    finally:
        store.close()


def _run(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, env={**os.environ, **(env or {})})


# --- the hall's side: reading its log after a seq -------------------------------------------
def test_events_after_reads_the_log_in_order_from_a_seq(hall, store):
    for i in range(5):
        hall.issue_ticket("F-NEW", f"r{i}")
    with store.read() as tx:
        first = tx.events_after(0, 2)
        rest = tx.events_after(2, 100)
        assert tx.events_after(5, 10) == []
    assert [r[0] for r in first] == [1, 2] and [r[0] for r in rest] == [3, 4, 5]
    assert first[0][3] == "issued" and first[0][9] == '{"kiosk": null, "priority": null}'


# --- the sync ---------------------------------------------------------------------------------
def test_a_sync_copies_the_log_exactly_and_a_second_adds_nothing(simulated, tmp_path, central):
    db = _copy(simulated, tmp_path)
    hall_events = _hall_events(db)
    assert _sync(db, central, batch=300) == len(hall_events) > 1000
    assert _sync(db, central) == 0
    assert central.count("hall") == (len(hall_events), hall_events[-1]["seq"])
    assert central.events("hall", D1, D2) == hall_events
    (row,) = central.halls()
    assert row["last_seq"] == hall_events[-1]["seq"] and row["last_day"] == D2
    assert load_config().model_dump_json() == row["config"]      # its standards travel with it


@pytest.mark.parametrize("via", ["copy", "insert"])
def test_a_batch_sent_twice_counts_once(simulated, tmp_path, central, via):
    db = _copy(simulated, tmp_path)
    store = Store(db)
    with store.read() as tx:
        rows = tx.events_after(0, 150)
    store.close()
    central.register("hall", "x", "厅", "", "Asia/Shanghai", load_config().model_dump_json())
    assert central.push("hall", rows[:100], via) == 100
    assert central.push("hall", rows[:100], via) == 100         # the acknowledgement was lost
    assert central.push("hall", rows[50:150], via) == 150       # overlapping
    assert central.push("hall", rows[:10], via) == 150          # last_seq never goes back
    assert central.count("hall") == (150, 150)
    assert central.events("hall", D1, D2) == _hall_events(db)[:150]


def test_a_lost_acknowledgement_then_a_rerun_counts_every_event_once(simulated, tmp_path, central,
                                                                     monkeypatch):
    db = _copy(simulated, tmp_path)
    real_push, calls = CentralStore.push, []

    def commit_then_lose_the_answer(self, code, rows, via="copy"):
        real_push(self, code, rows, via)
        calls.append(len(rows))
        if len(calls) == 2:
            raise CentralUnavailable("central_unavailable", "connection lost after commit")
        return rows[-1][0]

    monkeypatch.setattr(CentralStore, "push", commit_then_lose_the_answer)
    with pytest.raises(CentralUnavailable):
        _sync(db, central, batch=200)
    monkeypatch.undo()
    assert central.count("hall")[0] == 400
    _sync(db, central, batch=200)
    hall_events = _hall_events(db)
    assert central.count("hall") == (len(hall_events), hall_events[-1]["seq"])
    got = figures.company(central, D1, D2)["halls"][0]["stats"]
    assert got == _own(db, load_config())


def test_killed_mid_batch_the_rerun_completes_the_copy(simulated, tmp_path, url, central):
    db = _copy(simulated, tmp_path)
    n = len(_hall_events(db))
    store = Store(db)
    central.register("hall", log_id(store), "厅", "", "Asia/Shanghai", "{}")
    store.close()
    # A kept tally of the second day, held by another transaction: the first batch with that
    # day's events waits in the middle of its transaction (its rows copied and inserted) until
    # the sync is killed there.
    central.save_day_tallies("hall", {D2: "{}"}, "k", seen_seq=0)
    with psycopg.connect(url) as blocker:
        blocker.execute("SELECT 1 FROM day_tallies WHERE day = %s FOR UPDATE", (D2,))
        p = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "sync", "--to", url, "--db",
                              str(db), "--batch", "100"], cwd=ROOT, stderr=subprocess.DEVNULL)
        with psycopg.connect(url, autocommit=True) as watch:
            _wait(lambda: watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hall-central' "
                "AND wait_event_type = 'Lock'").fetchone()[0] == 1)
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    partial, top = central.count("hall")
    assert 100 <= partial < n and top == partial and partial % 100 == 0
    _sync(db, central)
    assert central.count("hall") == (n, n)
    assert central.events("hall", D1, D2) == _hall_events(db)


def test_follow_rides_out_the_central_server_away_while_the_hall_issues(simulated, tmp_path):
    db = _copy(simulated, tmp_path)
    server = PgServer().start()
    follow = None
    try:
        url = server.new_database("company", password=PASSWORD)
        central = CentralStore(url)
        n = len(_hall_events(db))
        follow = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "sync", "--follow",
                                   "--every", "0.2", "--db", str(db)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env={**os.environ, "HALL_CENTRAL_URL": url})
        _wait(lambda: central.count("hall")[0] == n)
        central.close()
        server.stop()
        store = Store(db)
        hall = Hall(load_config(), store)
        for i in range(3):                          # the hall goes on without it
            hall.issue_ticket("F-NEW", f"away-{i}")
        store.close()
        lines = []
        for line in follow.stdout:
            lines.append(line)
            if "sync failed" in line:
                break
        server.start()
        central = CentralStore(url)
        _wait(lambda: central.count("hall")[0] == n + 3)
        central.close()
        follow.send_signal(signal.SIGTERM)
        out = "".join(lines) + follow.communicate(timeout=10)[0]
        assert follow.returncode == 0
        assert "the hall goes on" in out and "reachable again" in out
        assert PASSWORD not in out and "Traceback" not in out and "***" in out
    finally:
        if follow is not None and follow.poll() is None:
            follow.kill()
        server.destroy()


def _wait(condition, timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("target,says", [
    ("http://example.com/db", "postgresql://"),
    (f"postgresql://hall:{PASSWORD}@127.0.0.1:1/company", "无法连接中央数据库"),
    (f"postgresql://hall:{PASSWORD}@127.0.0.1:1/company?colour=red", "地址有误"),
])
def test_a_bad_or_unreachable_url_is_one_line_and_exit_1(simulated, tmp_path, capsys, target, says):
    db = _copy(simulated, tmp_path)
    assert central_main(["sync", "--to", target, "--db", str(db)], db) == 1
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1 and PASSWORD not in err


def test_run_py_sync_unreachable_exits_1_without_a_traceback(simulated, tmp_path):
    db = _copy(simulated, tmp_path)
    r = _run("sync", "--db", str(db), env={"HALL_CENTRAL_URL": f"postgresql://hall:{PASSWORD}@127.0.0.1:1/x"})
    assert r.returncode == 1 and "无法连接中央数据库" in r.stderr
    assert "Traceback" not in r.stderr and PASSWORD not in r.stderr + r.stdout
    assert _run("sync", "--to", "postgresql://127.0.0.1:1/x", "--db", str(tmp_path / "none.db")
                ).returncode == 1


def test_a_second_hall_under_the_same_code_or_a_log_behind_the_copy_is_refused(simulated, tmp_path,
                                                                              central):
    first = _copy(simulated, tmp_path)
    _sync(first, central)
    other = tmp_path / "other.db"
    shutil.copy(simulated / "main.db", other)       # the same log, but another hall's database
    with pytest.raises(CentralRefused) as e:
        _sync(other, central)
    assert e.value.code == "hall_code_taken"
    # The hall's own database, restored from a copy older than what the centre has.
    store = Store(first)
    with store.read() as tx:
        own_id = tx.setting(LOG_ID)
    Hall(load_config(), store).issue_ticket("F-NEW", "after-copy")
    store.close()
    _sync(first, central)
    store = Store(other)
    with store.write() as tx:
        tx.set_setting(LOG_ID, own_id)
    store.close()
    with pytest.raises(CentralRefused) as e:
        _sync(other, central)
    assert e.value.code == "log_behind"


# --- the central view ---------------------------------------------------------------------------
@pytest.fixture
def company_app(simulated, tmp_path, central):
    """Both halls synced, an account, the central view's app."""
    _sync(_copy(simulated, tmp_path), central)
    _sync(_copy(simulated, tmp_path, "north.db"), central, _north_config())
    add_account(central, "boss", "long-password")
    app = create_app(central)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def company(company_app):
    """A test client signed in to the central view."""
    client = company_app.test_client()
    assert client.get("/api/central/stats").status_code == 401
    assert client.get("/central").headers["Location"].endswith("/login")
    assert client.post("/api/central/login", json={"username": "boss", "password": "nope-nope"}
                       ).status_code == 401
    assert client.post("/api/central/login", json={"username": "boss", "password": "long-password"}
                       ).status_code == 200
    return client


def _own(db: Path, config) -> dict:
    """The hall's own statistics of both days, as its manager page has them."""
    store = Store(db)
    try:
        own = Hall(config, store, ManualClock(time.time())).statistics(D1, D2)
    finally:
        store.close()
    return {k: v for k, v in own.items() if k != "follow_ups"}


def test_each_hall_as_its_own_manager_sees_it_and_the_company_adds_them_up(company, tmp_path,
                                                                           central):
    r = company.get(f"/api/central/stats?from={D1}&to={D2}")
    assert r.status_code == 200
    body = r.get_json()
    main, north = body["halls"]
    assert (main["code"], north["code"]) == ("hall", "north")
    assert main["stats"] == _own(tmp_path / "main.db", load_config())
    assert north["stats"] == _own(tmp_path / "north.db", _north_config())
    total, one, two = body["company"]["stats"]["total"], main["stats"]["total"], north["stats"]["total"]
    for k in ("issued", "served", "no_show", "called"):
        assert total[k] == one[k] + two[k]
    # Each wait is judged by its own hall's standard (15 and 5 minutes): the company's share
    # is the mix of the two, not either hall's standard applied to all.
    within = (one["wait_within_target"] * one["called"] + two["wait_within_target"] * two["called"])
    assert total["wait_within_target"] == pytest.approx(within / total["called"], abs=1e-4)
    assert north["target_wait_s"] == 300 and main["target_wait_s"] == 900
    # The past day is kept and gives the same answer; the newest day is read from the log.
    assert set(central.day_tallies("hall", D1, D2, stats.fingerprint(load_config()))) == {D1}
    assert company.get(f"/api/central/stats?from={D1}&to={D2}").get_json() == body


def test_a_late_event_of_a_kept_day_is_counted(company, central):
    before = company.get(f"/api/central/stats?from={D1}&to={D1}").get_json()
    issued = before["halls"][0]["stats"]["total"]["issued"]
    last = central.halls()[0]["last_seq"]
    noon = day_start(D1, load_config().hall.tz) + 12 * 3600
    late = (last + 1, noon, D1, "issued", "late", "A999", "F-NEW", None, None, None)
    central.push("hall", [late])
    after = company.get(f"/api/central/stats?from={D1}&to={D1}").get_json()
    assert after["halls"][0]["stats"]["total"]["issued"] == issued + 1


def test_the_page_shows_the_halls_side_by_side(company):
    page = company.get(f"/central?from={D1}&to={D2}").get_data(as_text=True)
    assert "北区营业厅" in page and "X广电营业厅" in page and "公司合计" in page
    assert "等候达标率" in page and "满意率" in page and "等候标准 5 分钟" in page
    default = company.get("/api/central/stats").get_json()
    assert default["to"] == D2                  # the week up to the newest day sent
    bad = company.get(f"/api/central/stats?from={D2}&to={D1}")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_range"
    assert company.get(f"/central?from=x&to={D1}").status_code == 400
    assert company.post("/logout").status_code == 302
    assert company.get("/api/central/stats").status_code == 401


def test_central_accounts_from_the_command_line(url, central, capsys):
    def cli(*args):
        return central_main(["central", "users", *args, "--db", url], Path("unused"))

    assert cli("add", "boss", "--password", "long-password") == 0
    assert cli("add", "boss", "--password", "long-password") == 1
    assert cli("add", "li", "--password", "short") == 1
    assert cli("list") == 0 and "boss" in capsys.readouterr().out
    app = create_app(central)
    client = app.test_client()
    assert client.post("/login", data={"username": "boss", "password": "long-password"}
                       ).status_code == 302
    assert client.get("/api/central/stats").status_code == 200
    assert cli("disable", "boss") == 0
    assert client.get("/api/central/stats").status_code == 401          # its session ended
    assert client.post("/login", data={"username": "boss", "password": "long-password"}
                       ).status_code == 401


def test_the_central_page_in_chromium(browser, company_app, company):
    from werkzeug.serving import make_server

    from browser import shot
    server = make_server("127.0.0.1", 0, company_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        refused = []                        # the hall's CSP holds here too: no inline style or script
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        first = page.goto(f"http://127.0.0.1:{server.server_port}/central")
        assert "frame-ancestors 'none'" in first.all_headers()["content-security-policy"]
        page.wait_for_url("**/login")
        page.fill('[name="username"]', "boss")
        page.fill('[name="password"]', "long-password")
        page.click('[type="submit"]')
        page.wait_for_url("**/central")
        page.fill('[name="from"]', D1)
        page.click('button.primary')
        page.wait_for_url(f"**/central?from={D1}&to={D2}")
        heads = page.locator("thead th").all_inner_texts()
        assert "北区营业厅" in heads[2] and "公司合计" in heads[3]
        body = company.get(f"/api/central/stats?from={D1}&to={D2}").get_json()
        issued = page.locator("tbody tr").first.locator("td").all_inner_texts()
        assert issued == [f"{h['stats']['total']['issued']:,}" for h in body["halls"]] + [
            f"{body['company']['stats']['total']['issued']:,}"]
        shot(page, "central-01-halls")
        assert page.evaluate("getComputedStyle(document.querySelector('th.company')).fontWeight") == "700"
        assert refused == []
    finally:
        server.shutdown()
