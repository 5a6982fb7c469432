"""Tickets issued per second through the HTTP API (durable: each one fsynced before the 201),
beside a bare Flask JSON endpoint served the same way; issue latency at a steady 50/s; and an
issue's latency with 1,000 tickets waiting beside the same with none (kiosks a tenth of a second
apart: every one answered with its place)."""
from __future__ import annotations

import multiprocessing as mp
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .common import bare_server, hall_server, ms, pct

BUSINESSES = ["F-NEW", "F-CHANGE", "F-RENEW", "F-QUERY", "F-INVOICE", "F-OTHER", "M-NEW", "M-PLAN",
              "M-SERVICE", "M-ACCOUNT", "M-SIM", "M-TOPUP", "M-RENEW", "M-QUERY", "M-INVOICE",
              "M-BILL", "M-ADJUST", "M-OTHER"]


def _closed_loop(args) -> tuple[int, int]:
    url, path, seconds, threads, headers = args
    done = [0, 0]
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def worker(k):
        s = requests.Session()
        s.headers.update(headers)
        i = 0
        while time.monotonic() < end:
            body = {"business": BUSINESSES[i % 18], "request_id": uuid.uuid4().hex}
            r = s.post(url + path, json=body, timeout=30)
            with lock:
                done[0 if r.status_code in (200, 201) else 1] += 1
            i += 1

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return done[0], done[1]


def throughput(url: str, path: str, seconds: float, procs: int = 4, threads: int = 2,
               headers: dict | None = None) -> tuple[float, int]:
    with mp.get_context("spawn").Pool(procs) as pool:
        results = pool.map(_closed_loop, [(url, path, seconds, threads, headers or {})] * procs)
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def steady(url: str, path: str, rate: float, seconds: float, headers: dict | None = None) -> list[float]:
    """Open loop: a request every 1/rate s; latency counted from when it was due."""
    n = int(rate * seconds)
    lat: list[float] = []
    sessions = threading.local()
    start = time.perf_counter() + 0.2

    def one(i):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        s = getattr(sessions, "s", None) or requests.Session()
        s.headers.update(headers or {})
        sessions.s = s
        body = {"business": BUSINESSES[i % 18], "request_id": uuid.uuid4().hex}
        r = s.post(url + path, json=body, timeout=30)
        r.raise_for_status()
        lat.append(time.perf_counter() - due)

    with ThreadPoolExecutor(32) as ex:
        list(ex.map(one, range(n)))
    return lat


def paced(url: str, headers: dict, n: int, every_s: float = 0.1) -> list[float]:
    """`n` issues one after another, `every_s` apart (a busy hall's kiosks): their latencies."""
    s = requests.Session()
    s.headers.update(headers)
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        r = s.post(url + "/api/tickets", json={"business": BUSINESSES[i % 18], "request_id": uuid.uuid4().hex})
        r.raise_for_status()
        assert r.json()["ahead"] is not None
        lat.append(time.perf_counter() - t0)
        time.sleep(every_s)
    return lat


def fill(url: str, headers: dict, n: int) -> None:
    s = requests.Session()
    s.headers.update(headers)
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda i: s.post(url + "/api/tickets", json={
            "business": BUSINESSES[i % 18], "request_id": f"fill-{i}"}).raise_for_status(), range(n)))


def with_waiting(server: str, db: Path, waiting: int, n: int = 200) -> list[float]:
    hall = hall_server(server, db)
    try:
        headers = hall.device_headers()
        fill(hall.url, headers, waiting)
        time.sleep(1.0)
        return paced(hall.url, headers, n)
    finally:
        hall.stop()


def run(server: str = "gthread", seconds: float = 8.0) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        bare = bare_server(server)
        try:
            out["bare_rps"], _ = throughput(bare.url, "/bare", seconds)
            bare_lat = steady(bare.url, "/bare", 50, 20)
        finally:
            bare.stop()
        hall = hall_server(server, Path(tmp) / "tp.db")
        try:
            out["issue_rps"], out["issue_errors"] = throughput(hall.url, "/api/tickets", seconds,
                                                               headers=hall.device_headers())
        finally:
            hall.stop()
        hall = hall_server(server, Path(tmp) / "lat.db")
        try:
            lat = steady(hall.url, "/api/tickets", 50, 20, headers=hall.device_headers())
        finally:
            hall.stop()
        empty = with_waiting(server, Path(tmp) / "empty.db", 0)
        full = with_waiting(server, Path(tmp) / "full.db", 1000)
    out.update(issue_p50=pct(lat, 50), issue_p99=pct(lat, 99), issue_max=max(lat),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99),
               empty_p50=pct(empty, 50), full_p50=pct(full, 50), full_p99=pct(full, 99))
    print(f"[issue/{server}] tickets issued/s (durable, 8 clients): {out['issue_rps']:.0f}/s"
          f"  vs bare Flask JSON endpoint: {out['bare_rps']:.0f}/s"
          f"  → {out['issue_rps'] / out['bare_rps']:.2f}× of bare  (errors: {out['issue_errors']})")
    print(f"[issue/{server}] issue latency at 50 tickets/s for 20 s: p50 {ms(out['issue_p50'])}, "
          f"p99 {ms(out['issue_p99'])}, max {ms(out['issue_max'])}"
          f"  vs bare endpoint p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}")
    print(f"[issue/{server}] an issue with 1,000 waiting: p50 {ms(out['full_p50'])} (p99 {ms(out['full_p99'])})"
          f"  vs with none waiting: p50 {ms(out['empty_p50'])}  → {out['full_p50'] / out['empty_p50']:.2f}×")
    return out


if __name__ == "__main__":
    run()
