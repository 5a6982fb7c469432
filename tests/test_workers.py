"""Several server processes on one hall (`run.py --workers N`: gunicorn's master and N workers,
the device process beside them), a real redis-server between them: numbers unique and no ticket
called twice across processes, every socket told of what another process did, the devices
reached from every process and kept when a web worker dies, a process killed mid-burst, Redis
restarted under the workers."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
import socketio

from core.staff import StaffAccounts
from core.store import Store
from redis_server import RedisServer
from server import HallServer, config_with_counters

WORKERS = 2


def issue(session, url, business="F-NEW", request_id=None, kiosk=None):
    body = {"business": business, "request_id": request_id or uuid.uuid4().hex}
    if kiosk:
        body["kiosk"] = kiosk
    return session.post(url + "/api/tickets", json=body, timeout=30,
                        headers=HallServer.at(url).device_headers("kiosk", kiosk or "k1"))


def workers_seen(url: str, tries: int = 200) -> Counter:
    """Which processes answer: each new connection goes to whichever accepts it first."""
    seen: Counter = Counter()
    for _ in range(tries):
        with requests.Session() as s:       # a new connection each time
            seen[s.get(url + "/healthz", timeout=10).headers.get("X-Hall-Worker")] += 1
    return seen


def wait_for_workers(server: HallServer, n: int = WORKERS, timeout_s: float = 30) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if len(workers_seen(server.url, 40)) >= n:
            return
        time.sleep(0.2)
    raise AssertionError(f"not every worker answers:\n{server.output()}")


def on_both(send, at_least: int, limit: int = 80) -> list:
    """`send()` (a request on a new connection) until both processes have answered and at least
    `at_least` answers came: which process takes a connection is the kernel's choice, and a
    handful can all land on one."""
    answers, seen = [], set()
    while len(answers) < at_least or len(seen) < WORKERS:
        assert len(answers) < limit, f"only process(es) {seen} answered {limit} requests"
        r = send()
        assert r.status_code in (200, 201), r.text
        answers.append(r)
        seen.add(r.headers["X-Hall-Worker"])
    return answers


@pytest.fixture
def redis_server():
    r = RedisServer().start()
    yield r
    r.stop()


@pytest.fixture
def hall(tmp_path, redis_server):
    server = HallServer(tmp_path / "hall.db", extra=("--workers", str(WORKERS), "--redis", redis_server.url))
    server.start()
    wait_for_workers(server)
    yield server
    children = server.children()
    assert server.stop() == 0
    # SIGTERM to gunicorn's master stops every worker and the device process too (none left
    # holding the port or a serial device).
    assert not [pid for pid in children if os.path.exists(f"/proc/{pid}")]


def test_every_worker_answers_and_only_websocket_is_offered(hall):
    seen = workers_seen(hall.url)
    assert set(seen) == {str(pid) for pid in hall.worker_pids()}, seen
    assert len(seen) == WORKERS
    # Long-polling would need sticky sessions: it is refused, websocket is what clients use.
    r = requests.get(hall.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
    assert r.status_code == 400
    c = socketio.Client(reconnection=False)
    states = []
    c.on("hall_state", states.append)
    c.connect(hall.url, transports=["websocket"], wait_timeout=10)
    try:
        end = time.monotonic() + 10
        while not states and time.monotonic() < end:
            time.sleep(0.05)
        assert states and "waiting" in states[0] and "issuing" in states[0]
    finally:
        c.disconnect()


def test_numbers_unique_and_no_ticket_called_twice_across_processes(tmp_path, redis_server):
    """8 kiosks × 80 issues while 12 counters call (each call then a no-show), every request on a fresh connection so
    both processes take their share: no duplicate number, no ticket called twice, none lost."""
    db = tmp_path / "hall.db"
    accounts = StaffAccounts(Store(db))
    for i in range(1, 13):
        accounts.add(f"clerk{i}", "clerk", f"window-{i}-pass")
    accounts.store.close()
    server = HallServer(db, config=config_with_counters(tmp_path, 12),
                        extra=("--workers", str(WORKERS), "--redis", redis_server.url)).start()
    wait_for_workers(server)
    businesses = [b["code"] for b in requests.get(server.url + "/api/hall").json()["businesses"]]
    acked, called, failures = [], [], []
    by_worker: Counter = Counter()
    lock = threading.Lock()
    issuing_done = threading.Event()

    def issuer(k):
        for i in range(80):
            with requests.Session() as s:
                r = issue(s, server.url, businesses[(k * 80 + i) % len(businesses)], f"t{k}-{i}")
            if r.status_code != 201:
                failures.append(f"issue {r.status_code} {r.text[:200]}")
                continue
            with lock:
                acked.append(r.json())
                by_worker[r.headers["X-Hall-Worker"]] += 1

    def counter(i):
        cookies = server.session(f"clerk{i}", f"window-{i}-pass").cookies
        requests.post(f"{server.url}/api/counters/{i}/open", cookies=cookies, timeout=30).raise_for_status()
        idle = 0
        while True:
            r = requests.post(f"{server.url}/api/counters/{i}/call-next", cookies=cookies, timeout=30)
            if r.status_code != 200:
                failures.append(f"call {r.status_code} {r.text[:200]}")
                return
            t = r.json()["ticket"]
            if t is None:
                idle = idle + 1 if issuing_done.is_set() else 0
                if idle >= 3:
                    return
                time.sleep(0.01)
                continue
            idle = 0
            with lock:
                called.append(t["id"])
            # Called is not served: this counter moves on (no-show) rather than serve.
            requests.post(f"{server.url}/api/counters/{i}/no-show", cookies=cookies, timeout=30).raise_for_status()

    try:
        counters = [threading.Thread(target=counter, args=(i,)) for i in range(1, 13)]
        issuers = [threading.Thread(target=issuer, args=(k,)) for k in range(8)]
        for t in counters + issuers:
            t.start()
        for t in issuers:
            t.join()
        issuing_done.set()
        for t in counters:
            t.join()
    finally:
        server.stop()
    assert failures == []
    assert len(acked) == 640
    assert len(by_worker) == WORKERS, by_worker
    assert len({t["number"] for t in acked}) == 640, "duplicate numbers"
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert set(called) == {t["id"] for t in acked}, "a ticket was lost"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'called'").fetchone()[0] == 640


def _listen(url: str, n: int, event: str, track: list[str] | None = None, cookies=None):
    """`n` websocket clients, each keeping what `event` brought it."""
    clients, got = [], [[] for _ in range(n)]
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
    for i in range(n):
        c = socketio.Client(reconnection=False)
        c.on(event, got[i].append)
        c.connect(url, transports=["websocket"], headers=headers, wait_timeout=10)
        if track:
            c.emit("track", {"ticket": track[i]})
        clients.append(c)
    return clients, got


def _wait(cond, timeout_s: float = 15.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_displays_and_phones_on_every_process_hear_every_call(hall):
    """Calls made on either process reach displays on both; a phone hears its own ticket called
    wherever it is connected (its update is worked out by the process holding its socket)."""
    s = requests.Session()
    tickets = [issue(requests.Session(), hall.url).json() for _ in range(60)]
    displays, heard = _listen(hall.url, 6, "ticket_called")
    phones, updates = _listen(hall.url, 8, "ticket_update", track=[t["id"] for t in tickets[:8]])
    try:
        s.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"}).raise_for_status()
        s.post(hall.url + "/api/counters/1/open").raise_for_status()

        tracked = {t["id"]: i for i, t in enumerate(tickets[:8])}

        def call_next():
            with requests.Session() as fresh:           # each call on a new connection
                fresh.cookies.update(s.cookies)
                fresh.post(hall.url + "/api/counters/1/no-show", timeout=30)   # the last one never came
                r = fresh.post(hall.url + "/api/counters/1/call-next", timeout=30)
            ticket = r.json().get("ticket") or {}
            if ticket.get("id") in tracked:     # its customer looks at the phone before walking off
                got = updates[tracked[ticket["id"]]]
                _wait(lambda: any(u.get("status") == "called" for u in got), 5)
            return r
        numbers = [r.json()["ticket"]["number"] for r in on_both(call_next, 8, limit=60)]
        assert _wait(lambda: all(len(h) == len(numbers) for h in heard)), [len(h) for h in heard]
        assert all([c["number"] for c in h] == numbers for h in heard)
        assert _wait(lambda: all(any(u.get("status") == "called" for u in got) for got in updates)), \
            [[u.get("status") for u in got] for got in updates]
    finally:
        for c in displays + phones:
            c.disconnect()


def test_a_new_password_ends_the_accounts_sockets_on_every_process(hall):
    clerk = hall.session("demo-clerk")
    sockets, _ = _listen(hall.url, 6, "ticket_issued", cookies=clerk.cookies.get_dict())
    try:
        admin = hall.session("demo-admin")
        r = admin.post(hall.url + "/api/staff/demo-clerk/password", json={"password": "brand-new-pw"})
        assert r.status_code == 200
        assert _wait(lambda: not any(c.connected for c in sockets)), \
            [c.connected for c in sockets]
    finally:
        for c in sockets:
            if c.connected:
                c.disconnect()


def test_every_process_reaches_the_kiosks_printer_and_reader(tmp_path, redis_server):
    """The demo's mock printer and reader belong to the device process; kiosk requests answered by
    either web worker print and read through it."""
    server = HallServer(tmp_path / "hall.db", extra=("--workers", str(WORKERS), "--redis", redis_server.url))
    server.start()
    try:
        wait_for_workers(server)
        def read_card():
            with requests.Session() as s:
                return s.post(server.url + "/api/kiosks/k1/read-card", timeout=30,
                              headers=server.device_headers())

        def print_ticket():
            with requests.Session() as s:
                return issue(s, server.url, kiosk="k1")
        # The device process comes up beside the web workers, maybe after them.
        assert _wait(lambda: read_card().status_code == 200, 30), server.output()[-3000:]
        reads = on_both(read_card, 8)
        assert all(r.json()["card"]["masked_name"] for r in reads)
        prints = on_both(print_ticket, 8)
        assert all(r.json()["printed"] is True for r in prints), [r.text for r in prints]
        paper = list((tmp_path / "mock-paper" / "k1").glob("ticket-*.txt"))
        assert len(paper) == len(prints)
        # The manager's board lists the device process's devices whichever worker answers.
        manager = hall_session(server, "demo-manager")
        for _ in range(6):
            board = requests.get(server.url + "/api/manager/hall", cookies=manager, timeout=10).json()
            assert any(d["device"] == "printer-k1" for d in board["devices"]), board["devices"]
    finally:
        server.stop()


def hall_session(server, username):
    return server.session(username).cookies.get_dict()


def device_process(server) -> int | None:
    """The device process's pid (None between its death and its restart)."""
    return next((pid for pid, args in server.children().items() if "devices" in args), None)


def test_a_web_worker_dies_and_the_printer_prints_on(tmp_path, redis_server):
    """The serial devices are the device process's: killing web workers one after the other
    (each started again by gunicorn's master) never takes the printer or the reader away; the
    device process killed in its turn is started again and they come back."""
    server = HallServer(tmp_path / "hall.db", extra=("--workers", str(WORKERS), "--redis", redis_server.url))
    server.start()
    try:
        wait_for_workers(server)

        def prints() -> bool:
            r = issue(requests.Session(), server.url, kiosk="k1")
            return r.status_code == 201 and r.json()["printed"] is True
        assert _wait(prints, 30), server.output()[-3000:]       # the device process is up
        owner = device_process(server)
        for victim in server.worker_pids():
            os.kill(victim, signal.SIGKILL)
            printed = [issue(requests.Session(), server.url, kiosk="k1") for _ in range(4)]
            assert all(r.status_code == 201 and r.json()["printed"] is True for r in printed), \
                [r.text[:200] for r in printed]
            card = requests.post(server.url + "/api/kiosks/k1/read-card", timeout=30,
                                 headers=server.device_headers())
            assert card.status_code == 200 and card.json()["card"]["masked_name"], card.text
        assert device_process(server) == owner              # never restarted: never affected
        paper = list((tmp_path / "mock-paper" / "k1").glob("ticket-*.txt"))
        assert len(paper) == 4 * WORKERS + 1

        os.kill(owner, signal.SIGKILL)
        assert _wait(lambda: device_process(server) not in (None, owner), 20), server.output()[-3000:]
        assert _wait(prints, 40), server.output()[-3000:]
        assert "device process ended (exit -9)" in server.output()
    finally:
        assert server.stop() == 0


def test_kill_9_of_a_worker_mid_burst_loses_no_acknowledged_ticket(hall):
    """100 tickets a second from 10 kiosks; one process is killed with SIGKILL in the middle.
    A kiosk whose request died retries it (same request_id) and is answered by the other
    process or the restarted one: nothing acknowledged is lost, no number is handed out twice."""
    rate, seconds, kiosks = 100, 4.0, 10
    acked: dict[str, dict] = {}
    retried = Counter()
    acked_at: list[float] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5

    def kiosk(k):
        for i in range(int(rate * seconds / kiosks)):
            due = start + (i * kiosks + k) / rate
            time.sleep(max(0.0, due - time.monotonic()))
            rid = f"k{k}-{i}"
            for attempt in range(50):
                try:
                    with requests.Session() as s:
                        r = issue(s, hall.url, ("F-NEW", "M-TOPUP")[k % 2], rid)
                    if r.status_code in (200, 201):
                        with lock:
                            acked[rid] = r.json()
                            acked_at.append(time.monotonic())
                        break
                except requests.RequestException:
                    pass
                retried[k] += 1
                time.sleep(0.1)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(kiosks)]
    for t in threads:
        t.start()
    time.sleep(0.5 + seconds / 2)
    victim = hall.worker_pids()[1]
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    before = sum(1 for t in acked_at if t < killed_at)
    print(f"\n{before / (killed_at - start):.0f} tickets/s acknowledged before the kill; "
          f"{len(acked)} tickets in {elapsed:.2f} s ({len(acked) / elapsed:.0f}/s), "
          f"{sum(retried.values())} retries after the kill")
    assert len(acked) == rate * seconds, f"{len(acked)} acknowledged"
    assert elapsed < seconds * 3, f"the burst took {elapsed:.1f} s"
    numbers = [t["number"] for t in acked.values()]
    assert len(numbers) == len(set(numbers))
    # gunicorn's master started another in its place.
    assert _wait(lambda: len(hall.worker_pids()) == WORKERS and victim not in hall.worker_pids(), 20)
    wait_for_workers(hall)
    with sqlite3.connect(hall.db) as conn:
        rows = dict(conn.execute("SELECT request_id, number FROM tickets"))
    assert all(rows[rid] == t["number"] for rid, t in acked.items())
    assert len(rows) == len(acked)          # retries made no second ticket
    assert f"Worker (pid:{victim}) was sent SIGKILL" in hall.output()


def test_redis_restarted_under_the_workers(hall, redis_server):
    """Redis goes away and comes back: the hall answers throughout (emits reach the process's
    own clients meanwhile), and calls made on either process reach every display again."""
    displays, heard = _listen(hall.url, 6, "ticket_called")
    s = hall.session("demo-clerk")
    s.post(hall.url + "/api/counters/1/open").raise_for_status()
    try:
        for _ in range(30):
            issue(requests.Session(), hall.url)
        redis_server.stop()
        during = []
        for _ in range(4):
            with requests.Session() as fresh:
                fresh.cookies.update(s.cookies)
                fresh.post(hall.url + "/api/counters/1/no-show", timeout=30)
                r = fresh.post(hall.url + "/api/counters/1/call-next", timeout=30)
                assert r.status_code == 200, r.text
                during.append(r.json()["ticket"]["number"])
        redis_server.start()
        back = time.monotonic()

        def every_display_hears_a_new_call() -> bool:
            with requests.Session() as fresh:
                fresh.cookies.update(s.cookies)
                fresh.post(hall.url + "/api/counters/1/no-show", timeout=30)
                number = fresh.post(hall.url + "/api/counters/1/call-next", timeout=30).json()["ticket"]["number"]
            return _wait(lambda: all(any(c["number"] == number for c in h) for h in heard), 2)

        assert _wait(lambda: all(every_display_hears_a_new_call() for _ in range(4)), 40), \
            "events did not resume after Redis came back"
        print(f"\nevents reach every display again {time.monotonic() - back:.1f} s after Redis is back")
        # Every display's hall_state after the outage has what it missed: a resync on reconnect.
    finally:
        for c in displays:
            c.disconnect()


def test_pages_in_chromium_follow_calls_made_on_either_process(browser, hall):
    """The wall display and a phone page, in Debian's chromium, on the WebSocket-only server:
    each is on one process, the calls are made on both."""
    from browser import shot
    tickets = [issue(requests.Session(), hall.url).json() for _ in range(40)]
    mine = tickets[11]
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    wall.goto(f"{hall.url}/display")
    wall.wait_for_selector('#wall[data-connection="online"]')
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    clerk = hall.session("demo-clerk")
    clerk.post(hall.url + "/api/counters/1/open").raise_for_status()
    phone.goto(f"{hall.url}/t/{mine['id']}")
    phone.wait_for_selector('#phone[data-status="waiting"][data-ahead="11"]')   # window 1 alone

    def call_next():
        with requests.Session() as fresh:
            fresh.cookies.update(clerk.cookies)
            fresh.post(hall.url + "/api/counters/1/no-show", timeout=30)
            r = fresh.post(hall.url + "/api/counters/1/call-next", timeout=30)
        if r.ok:                                        # each on the wall before the next
            number = r.json()["ticket"]["number"]
            wall.wait_for_function(
                f"document.querySelector('[data-latest-call]').textContent.includes('{number}')")
        return r
    on_both(call_next, 12, limit=40)
    phone.wait_for_selector('#phone[data-status="called"] [data-counter="1"]')
    shot(wall, "workers-01-wall")
    shot(phone, "workers-02-phone-called")
    wall.context.close()
    phone.context.close()


def test_password_guessing_is_slowed_down_across_processes(hall):
    """Five free tries per account in the whole hall, not five per process."""
    answers = Counter()
    for _ in range(8):
        with requests.Session() as fresh:
            r = fresh.post(hall.url + "/api/login", json={"username": "demo-admin", "password": "guess"},
                           timeout=10)
            answers[(r.status_code, r.headers["X-Hall-Worker"])] += 1
    refused = sum(k for (status, _), k in answers.items() if status == 401)
    throttled = sum(k for (status, _), k in answers.items() if status == 429)
    assert (refused, throttled) == (5, 3), answers


def test_a_settings_change_reaches_every_process_within_a_second(hall):
    """Saved on one process: every socket (on either) is told `hall_changed`, each process's
    walls are pushed a board drawn with the new window name, and both answer with the new
    settings at once (not after the two seconds a process may otherwise take to look)."""
    pushed, boards = [], []
    clients = []
    for _ in range(6):
        c = socketio.Client(reconnection=False)
        c.on("hall_changed", pushed.append)
        c.on("hall_state", boards.append)
        c.connect(hall.url, transports=["websocket"], wait_timeout=10, auth={"topics": ["wall"]})
        clients.append(c)
    try:
        admin = hall.session("demo-admin")
        current = admin.get(hall.url + "/api/settings").json()
        config = current["config"]
        config["counters"][0]["name"] = "1号窗口(综合)"
        config["businesses"][0]["name"] = "固网新装"
        started = time.monotonic()
        r = admin.post(hall.url + "/api/settings", json={"config": config, "base_version": current["version"]})
        assert r.status_code == 201, r.text
        version = r.json()["version"]["id"]
        assert _wait(lambda: len(pushed) == len(clients), 1.0), len(pushed)
        told = time.monotonic() - started
        assert all(p["version"] == version and p["hall"]["businesses"][0]["name"] == "固网新装" for p in pushed)

        def new_board(b):
            return any(c.get("name") == "1号窗口(综合)" for c in b.get("counters", []))
        assert _wait(lambda: sum(1 for b in boards if new_board(b)) >= len(clients), 1.5), \
            sum(1 for b in boards if new_board(b))
        answers = on_both(lambda: requests.get(hall.url + "/api/hall", timeout=10), 6)
        assert {a.json()["businesses"][0]["name"] for a in answers} == {"固网新装"}
        assert {a.json()["settings_version"] for a in answers} == {version}
        assert told < 1.0
    finally:
        for c in clients:
            c.disconnect()
