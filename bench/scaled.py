"""call-next → `ticket_called` at 1,000 real Socket.IO clients (in client processes of their
own): the hall on one process, the hall on two processes with Redis between them
(`--workers 2`), and a bare Flask-SocketIO broadcast served the same way, in one run."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from .audience import Audience
from .common import _status, bare_server, hall_server, ms, pct

CLIENTS = 1000
CALLS = 40
CLIENT_PROCESSES = 8


RSS: dict[str, tuple[float, float]] = {}    # the hall's memory with every client connected


def _measure(trigger, audience: Audience, prepare=None) -> list[float]:
    """Each call timed from its request to its arrival at every client; `prepare(i)` (the
    hall's no-show of the last one, which is told to everyone too) runs before the clock."""
    lat: list[float] = []
    for i in range(CALLS):
        if prepare is not None:
            prepare(i)
            time.sleep(0.5)         # what it told everyone is out before the call is timed
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

            def no_show(i):
                if i:               # called is not served: the last one never came
                    clerk.post(hall.url + "/api/counters/1/no-show", timeout=30).raise_for_status()

            def call_next(i):
                with requests.Session() as fresh:       # a new connection: either process answers
                    fresh.cookies.update(clerk.cookies)
                    r = fresh.post(hall.url + "/api/counters/1/call-next", timeout=30)
                r.raise_for_status()
                return r.json()["ticket"]["number"]
            try:
                lat = _measure(call_next, audience, prepare=no_show)
                # Every process counted once (PSS), and the largest one's own RSS: the worker
                # holding the sockets (the master and the device process beside it).
                RSS[f"{workers}"] = (hall.tree_rss_mib(),
                                     max(_status(pid, "VmRSS:") for pid in hall.pids()) / 1024)
                return lat
            finally:
                audience.close()
        finally:
            hall.stop()


def run(server: str = "gthread") -> dict:
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from redis_server import RedisServer
    redis = RedisServer().start()
    out = {}
    try:
        bare = _bare(server)
        base, base99 = pct(bare, 50), pct(bare, 99)
        _report(server, "bare broadcast, 1 process", bare, base, base99, None)
        out["bare broadcast, 1 process"] = (base, base99)
        for name, workers in (("hall, 1 process", 1), ("hall, 2 processes + Redis", 2)):
            try:
                lat = _hall(server, workers, redis.url if workers > 1 else None)
            except RuntimeError as e:       # clients starved off a 2-CPU machine: say so, go on
                print(f"[scaled/{server}] {name}: not measured ({e})")
                continue
            _report(server, name, lat, base, base99, RSS.get(str(workers)))
            out[name] = (pct(lat, 50), pct(lat, 99))
    finally:
        redis.stop()
    return out


def _report(server: str, name: str, lat: list[float], base: float, base99: float,
            rss: tuple[float, float] | None) -> None:
    memory = (f", server memory: {rss[0]:.0f} MiB PSS every process, the worker's RSS {rss[1]:.0f} MiB"
              if rss else "")
    print(f"[scaled/{server}] call-next → ticket_called at {CLIENTS} clients ({CALLS} calls, "
          f"{len(lat)} deliveries) — {name:<26}: p50 {ms(pct(lat, 50))}, p99 {ms(pct(lat, 99))}"
          f"  ({pct(lat, 50) / base:.2f}× bare p50, {pct(lat, 99) / base99:.2f}× bare p99){memory}",
          flush=True)


if __name__ == "__main__":
    run()
