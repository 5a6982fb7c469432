"""Against a real server process: real sockets, real signals, real concurrency."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid

import pytest
import requests
import socketio

from core.staff import StaffAccounts
from core.store import Store
from core.views import public_id
from server import HallServer, config_with_counters


@pytest.fixture(params=["gthread", "gevent", "dev"])
def server(tmp_path, request):
    """The hall on each of its servers: gunicorn's threaded worker (the default), its gevent
    worker, and Werkzeug's development server."""
    s = HallServer(tmp_path / "hall.db", extra=("--server", request.param)).start()
    yield s
    assert s.stop() == 0


def issue(session, url, business="F-NEW", request_id=None):
    return session.post(url + "/api/tickets", headers=HallServer.at(url).device_headers(),
                        json={"business": business, "request_id": request_id or uuid.uuid4().hex},
                        timeout=30)


def test_real_socketio_client_sees_calls(server):
    got: dict[str, list] = {"hall_state": [], "ticket_called": [], "queue_changed": []}
    client = socketio.Client(reconnection=False)
    for name in got:
        client.on(name, lambda data, name=name: got[name].append(data))
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        kiosk = server.session()
        t = issue(kiosk, server.url).json()
        clerk = server.session("demo-clerk")
        clerk.post(server.url + "/api/counters/1/open").raise_for_status()
        clerk.post(server.url + "/api/counters/1/call-next").raise_for_status()
        end = time.monotonic() + 5
        while not got["ticket_called"] and time.monotonic() < end:
            time.sleep(0.02)
        assert got["hall_state"] and got["hall_state"][0]["waiting"]["F-NEW"] == 0
        call = got["ticket_called"][0]
        assert call["ticket_id"] == public_id(t["id"]) and call["number"] == "A001" and call["counter"] == "1"
        assert any(q["waiting"]["F-NEW"] == 1 for q in got["queue_changed"])
        # The worker's own mock printer (one worker owns the devices), on this server too.
        printed = kiosk.post(server.url + "/api/tickets", headers=server.device_headers(), timeout=30,
                             json={"business": "M-TOPUP", "kiosk": "k1", "request_id": uuid.uuid4().hex})
        assert printed.status_code == 201 and printed.json()["printed"] is True, printed.text
    finally:
        client.disconnect()


def test_reconnecting_socket_client_gets_the_truth(server):
    states: list[dict] = []
    client = socketio.Client(reconnection=False)
    client.on("hall_state", states.append)
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    client.disconnect()
    kiosk, clerk = server.session(), server.session("demo-clerk")
    for b in ("F-NEW", "F-NEW", "M-NEW"):
        issue(kiosk, server.url, b)
    clerk.post(server.url + "/api/counters/1/open")
    clerk.post(server.url + "/api/counters/1/call-next")
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    end = time.monotonic() + 5
    while len(states) < 2 and time.monotonic() < end:
        time.sleep(0.02)
    client.disconnect()
    truth = {b["code"]: 0 for b in kiosk.get(server.url + "/api/hall").json()["businesses"]}
    truth.update({"F-NEW": 1, "M-NEW": 1})
    assert states[1]["waiting"] == truth
    c1 = next(c for c in states[1]["counters"] if c["id"] == "1")
    assert c1["current"] == "A001" and c1["state"] == "open"
    assert states[1]["last_calls"][0]["number"] == "A001"


PER_ISSUER = 150


def test_8_issuers_and_20_counters_at_once(tmp_path):
    """8 threads × 150 issues while 20 counters call (and mark each call a no-show: a call is
    not a service): no duplicate number, no ticket called twice, nothing lost."""
    db = tmp_path / "hall.db"
    accounts = StaffAccounts(Store(db))
    for i in range(1, 21):
        accounts.add(f"clerk{i}", "clerk", f"window-{i}-pass")
    accounts.store.close()
    server = HallServer(db, config=config_with_counters(tmp_path, 20)).start()
    businesses = [b["code"] for b in requests.get(server.url + "/api/hall").json()["businesses"]]
    acked: list[dict] = []
    called: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    issuing_done = threading.Event()

    def issuer(k):
        s = requests.Session()
        for i in range(PER_ISSUER):
            r = issue(s, server.url, businesses[(k * PER_ISSUER + i) % len(businesses)], f"t{k}-{i}")
            if r.status_code != 201:
                failures.append(f"issue {r.status_code} {r.text[:200]}")
                continue
            with lock:
                acked.append(r.json())

    def counter(i):
        s = server.session(f"clerk{i}", f"window-{i}-pass")
        s.post(f"{server.url}/api/counters/{i}/open").raise_for_status()
        idle = 0
        while True:
            r = s.post(f"{server.url}/api/counters/{i}/call-next", timeout=30)
            if r.status_code != 200:
                failures.append(f"call {r.status_code} {r.text[:200]}")
                return
            t = r.json()["ticket"]
            if t is None:
                if issuing_done.is_set():
                    idle += 1
                    if idle >= 3:
                        return
                time.sleep(0.01)
                continue
            idle = 0
            with lock:
                called.append(t["id"])
            # Called is not served: this counter moves on (no-show) rather than serve.
            s.post(f"{server.url}/api/counters/{i}/no-show", timeout=30).raise_for_status()

    try:
        counters = [threading.Thread(target=counter, args=(i,)) for i in range(1, 21)]
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
    assert len(acked) == 8 * PER_ISSUER
    numbers = [t["number"] for t in acked]
    assert len(set(numbers)) == 8 * PER_ISSUER, "duplicate numbers"
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert set(called) == {t["id"] for t in acked}, "a ticket was lost"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 8 * PER_ISSUER
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'called'").fetchone()[0] == 8 * PER_ISSUER


def test_sigkill_while_issuing_loses_nothing_acknowledged(tmp_path):
    db = tmp_path / "hall.db"
    server = HallServer(db).start()
    acked: list[dict] = []
    stop = threading.Event()

    def kiosk(k):
        s = requests.Session()
        i = 0
        while not stop.is_set():
            rid = f"k{k}-{i}"
            try:
                r = issue(s, server.url, ("F-NEW", "M-TOPUP")[k % 2], rid)
            except requests.RequestException:
                return                                   # the server died mid-request
            if r.status_code == 201:
                acked.append({"request_id": rid, **r.json()})
            i += 1

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(4)]
    [t.start() for t in threads]
    while len(acked) < 150:
        time.sleep(0.01)
    server.kill()                                        # mid-flight: requests are in progress
    stop.set()
    [t.join() for t in threads]

    again = HallServer(db, port=server.port).start()
    try:
        s = requests.Session()
        for t in acked:
            r = s.get(f"{again.url}/api/tickets/{t['id']}")
            assert r.status_code == 200 and r.json()["number"] == t["number"]
        # The kiosk retrying a request it was acknowledged for gets the same ticket.
        r = issue(s, again.url, acked[0]["business"], acked[0]["request_id"])
        assert r.status_code == 200 and r.json()["id"] == acked[0]["id"]
        # Numbering continues after the highest number handed out, with no duplicate.
        before = {t["number"] for t in acked}
        fresh = [issue(s, again.url, b).json()["number"] for b in ("F-NEW", "M-TOPUP")]
        assert not set(fresh) & before
        with sqlite3.connect(db) as conn:
            numbers = [r[0] for r in conn.execute("SELECT number FROM tickets")]
        assert len(numbers) == len(set(numbers))
        for prefix, number in zip("AM", fresh):
            highest = max(int(n[1:]) for n in numbers if n[0] == prefix and n != number)
            assert int(number[1:]) == highest + 1
    finally:
        again.stop()


def test_sigterm_stops_cleanly(tmp_path):
    server = HallServer(tmp_path / "hall.db").start()
    issue(requests.Session(), server.url)
    assert server.stop() == 0
    assert "stopped cleanly" in server.output()
    wal = tmp_path / "hall.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0      # checkpointed on the way out


def test_sigint_stops_as_cleanly_as_sigterm(tmp_path):
    """Ctrl-C in the terminal reaches gunicorn's master and its worker: both stop gently."""
    server = HallServer(tmp_path / "hall.db").start()
    issue(requests.Session(), server.url)
    workers = server.worker_pids()
    os.killpg(server.proc.pid, signal.SIGINT)           # what a terminal does: the whole group
    assert server.proc.wait(15) == 0
    server.stop()
    assert "stopped cleanly" in server.output()
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]


def test_banner_prints_the_page_urls(server):
    out = server.output()
    for path in ("/kiosk", "/display", "/counter", "/manager"):
        assert f"{server.url}{path}" in out
    assert "DEMO MODE" in out
