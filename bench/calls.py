"""call-next → `ticket_called` at 200 real Socket.IO clients, beside a bare Flask-SocketIO
broadcast served the same way; and the server's RSS with those clients connected."""
from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import socketio

from .common import bare_server, hall_server, ms, pct

CLIENTS = 200
CALLS = 50


class Audience:
    """N Socket.IO clients recording when each `ticket_called` reaches them."""

    def __init__(self, url: str, n: int):
        self.arrivals: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.clients: list[socketio.Client] = []

        def join(_):
            c = socketio.Client(reconnection=False)
            c.on("ticket_called", self._arrived)
            c.connect(url, transports=["websocket"], wait_timeout=30)
            return c

        with ThreadPoolExecutor(16) as ex:
            self.clients = list(ex.map(join, range(n)))

    def _arrived(self, data):
        t = time.perf_counter()
        with self.lock:
            self.arrivals.setdefault(str(data.get("number")), []).append(t)

    def wait_for(self, number: str, n: int, timeout_s: float = 10.0) -> list[float]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            with self.lock:
                got = list(self.arrivals.get(number, []))
            if len(got) >= n:
                return got
            time.sleep(0.002)
        raise RuntimeError(f"only {len(got)} of {n} clients got {number}")

    def close(self):
        with ThreadPoolExecutor(16) as ex:
            list(ex.map(lambda c: c.disconnect(), self.clients))


def measure(trigger, audience: Audience, calls: int) -> list[float]:
    lat: list[float] = []
    for i in range(calls):
        t0 = time.perf_counter()
        number = trigger(i)
        lat += [t - t0 for t in audience.wait_for(number, CLIENTS)]
        time.sleep(0.1)
    return lat


def run(server: str = "threading") -> dict:
    out: dict = {}
    bare = bare_server(server)
    try:
        audience = Audience(bare.url, CLIENTS)
        s = requests.Session()

        def broadcast(i):
            s.post(bare.url + "/broadcast", json={"number": f"B{i:03d}"}).raise_for_status()
            return f"B{i:03d}"

        bare_lat = measure(broadcast, audience, CALLS)
        out["bare_rss_mib"] = bare.rss_mib()
        audience.close()
    finally:
        bare.stop()
    with tempfile.TemporaryDirectory() as tmp:
        hall = hall_server(server, Path(tmp) / "calls.db")
        try:
            kiosk, clerk = requests.Session(), requests.Session()
            for i in range(CALLS):
                kiosk.post(hall.url + "/api/tickets",
                           json={"business": "F-NEW", "request_id": f"b{i}"}).raise_for_status()
            clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"}).raise_for_status()
            clerk.post(hall.url + "/api/counters/1/open").raise_for_status()
            idle_rss = hall.rss_mib()
            audience = Audience(hall.url, CLIENTS)

            def call_next(i):
                r = clerk.post(hall.url + "/api/counters/1/call-next")
                r.raise_for_status()
                return r.json()["ticket"]["number"]

            hall_lat = measure(call_next, audience, CALLS)
            out["hall_rss_mib"] = hall.rss_mib()
            out["hall_idle_rss_mib"] = idle_rss
            audience.close()
        finally:
            hall.stop()
    out.update(hall_p50=pct(hall_lat, 50), hall_p99=pct(hall_lat, 99),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99))
    print(f"[calls/{server}] call-next → ticket_called at {CLIENTS} clients ({CALLS} calls, "
          f"{len(hall_lat)} deliveries): p50 {ms(out['hall_p50'])}, p99 {ms(out['hall_p99'])}"
          f"  vs bare broadcast p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}"
          f"  → p50 {out['hall_p50'] / out['bare_p50']:.2f}× bare")
    print(f"[calls/{server}] server RSS with {CLIENTS} clients: hall {out['hall_rss_mib']:.0f} MiB"
          f" (idle {out['hall_idle_rss_mib']:.0f} MiB)  vs bare {out['bare_rss_mib']:.0f} MiB")
    return out


if __name__ == "__main__":
    run()
