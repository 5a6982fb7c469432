"""call-next → `ticket_called` at 1,000 real Socket.IO clients (in client processes of their
own): the hall on one process, the hall on two processes with Redis between them
(`--workers 2`), and a bare Flask-SocketIO broadcast served the same way, in one run."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from .audience import Audience
from .common import bare_server, hall_server, ms, pct

CLIENTS = 1000
CALLS = 40
CLIENT_PROCESSES = 8


def _measure(trigger, audience: Audience) -> list[float]:
    lat: list[float] = []
    for i in range(CALLS):
        t0 = time.perf_counter()
        number = trigger(i)
        lat += audience.wait_for(CLIENTS, label=number, since=t0, timeout_s=60)
        time.sleep(0.2)
    return lat


def _bare(server: str) -> list[float]:
    bare = bare_server(server)
    try:
        audience = Audience(bare.url, CLIENTS, "ticket_called", key="number", processes=CLIENT_PROCESSES)
        s = requests.Session()

        def broadcast(i):
            s.post(bare.url + "/broadcast", json={"number": f"B{i:03d}"}).raise_for_status()
            return f"B{i:03d}"
        try:
            return _measure(broadcast, audience)
        finally:
            audience.close()
    finally:
        bare.stop()


def _hall(server: str, workers: int, redis_url: str | None) -> list[float]:
    extra = ("--workers", str(workers), "--redis", redis_url) if workers > 1 else ()
    with tempfile.TemporaryDirectory() as tmp:
        hall = hall_server(server, Path(tmp) / "scaled.db", extra)
        try:
            kiosk = hall.kiosk()
            for i in range(CALLS):
                kiosk.post(hall.url + "/api/tickets",
                           json={"business": "F-NEW", "request_id": f"s{i}"}).raise_for_status()
            time.sleep(2 if workers > 1 else 0)          # every worker up
            clerk = requests.Session()
            clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"}).raise_for_status()
            clerk.post(hall.url + "/api/counters/1/open").raise_for_status()
            audience = Audience(hall.url, CLIENTS, "ticket_called", key="number", processes=CLIENT_PROCESSES)

            def call_next(i):
                with requests.Session() as fresh:       # a new connection: either process answers
                    fresh.cookies.update(clerk.cookies)
                    if i:           # called is not served: the last one never came
                        fresh.post(hall.url + "/api/counters/1/no-show").raise_for_status()
                    r = fresh.post(hall.url + "/api/counters/1/call-next")
                r.raise_for_status()
                return r.json()["ticket"]["number"]
            try:
                return _measure(call_next, audience)
            finally:
                audience.close()
        finally:
            hall.stop()


def run(server: str = "gthread") -> dict:
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from redis_server import RedisServer
    redis = RedisServer().start()
    try:
        results = {"bare broadcast, 1 process": _bare(server),
                   "hall, 1 process": _hall(server, 1, None),
                   "hall, 2 processes + Redis": _hall(server, 2, redis.url)}
    finally:
        redis.stop()
    base = pct(results["bare broadcast, 1 process"], 50)
    for name, lat in results.items():
        print(f"[scaled/{server}] call-next → ticket_called at {CLIENTS} clients ({CALLS} calls, "
              f"{len(lat)} deliveries) — {name:<26}: p50 {ms(pct(lat, 50))}, p99 {ms(pct(lat, 99))}"
              f"  ({pct(lat, 50) / base:.2f}× bare p50)")
    return {name: (pct(lat, 50), pct(lat, 99)) for name, lat in results.items()}


if __name__ == "__main__":
    run()
