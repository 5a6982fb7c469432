"""Tickets issued per second through the HTTP API (durable: each one fsynced before the 201),
beside a bare Flask JSON endpoint served the same way; and issue latency at a steady 50/s."""
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
    out.update(issue_p50=pct(lat, 50), issue_p99=pct(lat, 99), issue_max=max(lat),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99))
    print(f"[issue/{server}] tickets issued/s (durable, 8 clients): {out['issue_rps']:.0f}/s"
          f"  vs bare Flask JSON endpoint: {out['bare_rps']:.0f}/s"
          f"  → {out['issue_rps'] / out['bare_rps']:.2f}× of bare  (errors: {out['issue_errors']})")
    print(f"[issue/{server}] issue latency at 50 tickets/s for 20 s: p50 {ms(out['issue_p50'])}, "
          f"p99 {ms(out['issue_p99'])}, max {ms(out['issue_max'])}"
          f"  vs bare endpoint p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}")
    return out


if __name__ == "__main__":
    run()
