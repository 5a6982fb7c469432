"""A busy hour compressed into seconds, twice, against a real server: customers arriving at the
kiosks through the HTTP API, six counters calling, starting and finishing, 300 socket clients
(wall displays and the phones of the customers in the queue). Every display hears every call,
and the server's memory and open files are where they were after the first hour (a leak
grows with every hour)."""
from __future__ import annotations

import pytest

import os
import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from core.staff import StaffAccounts
from core.store import POOL_SIZE, Store
from bench.audience import Audience
from server import HallServer, config_with_counters

COUNTERS = 6
DISPLAYS = 200
PHONES = 100
QUEUE_AT_START = 70             # the hour starts with customers waiting, phones in hand
ARRIVALS_PER_S = 4.0            # a busy hour's ~140 customers, 60× faster
HOUR_S = 25.0
SERVICE_S = (0.5, 2.5)          # 0.5–2.5 min, compressed the same way


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def open_files(pid: int) -> Counter:
    """The server's open files by kind: sockets, the database's files, pipes, ptys …"""
    kinds: Counter = Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kinds[target.split(":")[0] if ":" in target else Path(target).name] += 1
    return kinds


def busy_hour(server: HallServer, catalogue: dict[str, list[str]], clerks, hour: int) -> dict:
    """One compressed hour; returns what the displays and phones heard."""
    waiting = [requests.post(server.url + "/api/tickets", timeout=30, headers=server.device_headers(),
                             json={"business": b, "request_id": uuid.uuid4().hex}).json()["id"]
               for b in random.Random(-hour).choices(list(catalogue), k=QUEUE_AT_START)]
    # Wall displays and phones are devices of their own: their clients run in other processes
    # (one Python process holding 300 clients starves their pongs and measures itself, not the
    # server), and phones that follow later join there too.
    displays = Audience(server.url, DISPLAYS, "ticket_called", key="number")
    phones = Audience(server.url, len(waiting), "ticket_update", tokens=waiting, keep=True)
    calls, failures = [], []
    lock = threading.Lock()
    stop = threading.Event()
    rng = random.Random(hour)
    following = [len(waiting)]

    def arrivals(kiosk_id: str, rate: float):
        kiosk = requests.Session()
        kiosk.headers.update(server.device_headers("kiosk", kiosk_id))
        n, start = 0, time.monotonic()
        # The hour, and on a slow machine past it until the hundredth customer follows on the
        # phone (the hours must hold the same clients for their leaks to compare).
        while time.monotonic() - start < HOUR_S or (following[0] < PHONES
                                                    and time.monotonic() - start < 4 * HOUR_S):
            r = kiosk.post(server.url + "/api/tickets", timeout=30,
                           json={"business": rng.choice(list(catalogue)), "kiosk": kiosk_id,
                                 "request_id": uuid.uuid4().hex})
            if r.status_code != 201:
                failures.append(f"issue {r.status_code} {r.text[:120]}")
                return
            with lock:                          # two kiosks: the hundredth phone only once
                follows = following[0] < PHONES
                following[0] += follows
            if follows:                         # the customer follows the queue on the phone
                phones.follow(r.json()["id"])
            n += 1
            time.sleep(max(0.0, start + n / rate - time.monotonic()))

    def counter(i: int, session: requests.Session):
        base = f"{server.url}/api/counters/{i}"
        while not stop.is_set():
            r = session.post(base + "/call-next", timeout=30)
            if r.status_code != 200:
                failures.append(f"call {r.status_code} {r.text[:120]}")
                return
            ticket = r.json()["ticket"]
            if ticket is None:
                time.sleep(0.2)
                continue
            with lock:
                calls.append(ticket["number"])
            session.post(base + "/start", timeout=30)
            time.sleep(rng.uniform(*SERVICE_S))
            for key in catalogue[ticket["business"]]:       # the key moments, ticked
                session.post(base + "/checklist", json={"key": key}, timeout=30)
            r = session.post(base + "/finish", timeout=30)
            if r.status_code != 200:
                failures.append(f"finish {r.status_code} {r.text[:120]}")
                return

    kiosks = [threading.Thread(target=arrivals, args=(k, ARRIVALS_PER_S / 2)) for k in ("k1", "k2")]
    threads = kiosks + [threading.Thread(target=counter, args=(i, s)) for i, s in clerks.items()]
    for t in threads:
        t.start()
    for t in kiosks:
        t.join()
    stop.set()
    for t in threads:
        t.join()
    heard = {}
    for number in calls:            # each call on every wall
        try:
            heard[number] = len(displays.wait_for(DISPLAYS, number, timeout_s=10))
        except RuntimeError:
            heard[number] = sum(1 for label, _ in displays.arrivals if label == number)
    end = time.monotonic() + 30     # the last phones to follow have joined
    while phones.n + len(phones.failures) < following[0] and time.monotonic() < end:
        time.sleep(0.1)
    time.sleep(1.0)                 # the last calls' updates reach the phones
    displays.close()
    phones.close()
    return {"dropped": phones.dropped + displays.dropped, "calls": calls, "heard": heard,
            "updates": phones.told, "failures": failures + phones.failures,
            "clients": displays.n + phones.n}


@pytest.mark.serial       # times itself against the clock: alone on the machine (pytest.ini)
def test_a_compressed_busy_hour_twice_leaks_nothing(tmp_path):
    db = tmp_path / "hall.db"
    accounts = StaffAccounts(Store(db))
    for i in range(1, COUNTERS + 1):
        accounts.add(f"clerk{i}", "clerk", f"window-{i}-pass")
    accounts.store.close()
    server = HallServer(db, config=config_with_counters(tmp_path, COUNTERS)).start()
    try:
        catalogue = {b["code"]: [k["key"] for k in b["checklist"]]
                     for b in requests.get(server.url + "/api/hall").json()["businesses"]}
        clerks = {}
        for i in range(1, COUNTERS + 1):
            clerks[i] = server.session(f"clerk{i}", f"window-{i}-pass")
            clerks[i].post(f"{server.url}/api/counters/{i}/open").raise_for_status()
        pid = server.worker_pid()           # gunicorn's worker: where the hall runs
        marks = []
        for hour in (1, 2):
            result = busy_hour(server, catalogue, clerks, hour)
            assert result["failures"] == []
            assert result["dropped"] == 0
            assert result["clients"] == DISPLAYS + PHONES, (
                f"{result['clients']} clients, not {DISPLAYS} displays and {PHONES} phones")
            # The windows worked through the hour (how many calls fit in it is the machine's
            # speed, which `make bench` measures; this test is about what leaks).
            assert len(result["calls"]) >= 2 * COUNTERS, result["calls"]
            # Every display heard every call of the hour.
            short = {n: k for n, k in result["heard"].items() if k != DISPLAYS}
            assert not short, f"calls heard by fewer than {DISPLAYS} displays: {short}"
            # A phone whose ticket was called heard it.
            called = set(result["calls"])
            for updates in result["updates"].values():
                if updates and updates[0]["number"] in called:
                    assert any(u["status"] in ("called", "serving", "done") for u in updates)
            time.sleep(2.0)                     # closed sockets' threads end
            marks.append((rss_kib(pid), open_files(pid)))
        (rss1, fds1), (rss2, fds2) = marks
        # Sockets, pipes, ptys: where they were. Database connections: never past the pool's
        # bound, however many hours go by (the first hour may not have needed them all yet); a
        # thread holding one may open one more for a read inside its command.
        other1 = sum(n for k, n in fds1.items() if not k.startswith("hall.db"))
        other2 = sum(n for k, n in fds2.items() if not k.startswith("hall.db"))
        assert other2 <= other1 + 3, f"open files {fds1} → {fds2}"
        assert fds2["hall.db"] <= 2 * POOL_SIZE and fds2["hall.db-wal"] <= 2 * POOL_SIZE, fds2
        assert rss2 <= rss1 * 1.10 + 8 * 1024, f"RSS {rss1} → {rss2} KiB"
        print(f"\nafter hour 1: RSS {rss1 / 1024:.0f} MiB, {sum(fds1.values())} open files; "
              f"after hour 2: RSS {rss2 / 1024:.0f} MiB, {sum(fds2.values())} open files")
    finally:
        server.stop()
