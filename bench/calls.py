"""call-next → `ticket_called` at 200 real Socket.IO clients (in a few client processes),
beside a bare Flask-SocketIO broadcast served the same way; and the server's RSS with those
clients connected."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from .audience import PROCESSES, Audience
from .common import bare_server, hall_server, ms, pct

CLIENTS = 200
CALLS = 50


def measure(trigger, audience: Audience, calls: int) -> list[float]:
    lat: list[float] = []
    for i in range(calls):
        t0 = time.perf_counter()
        number = trigger(i)
        lat += audience.wait_for(CLIENTS, label=number, since=t0)
        time.sleep(0.1)
    return lat


def hall_calls(hall, calls: int) -> tuple[list[float], float, float, int]:
    """`calls` call-nexts at window 1 with CLIENTS sockets listening: the latencies, the server's
    RSS before and with the clients (MiB), and its threads with them."""
    kiosk, clerk = hall.kiosk(), requests.Session()
    for i in range(calls):
        kiosk.post(hall.url + "/api/tickets",
                   json={"business": "F-NEW", "request_id": f"b{i}"}).raise_for_status()
    clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"}).raise_for_status()
    clerk.post(hall.url + "/api/counters/1/open").raise_for_status()
    idle_rss = hall.rss_mib()
    audience = Audience(hall.url, CLIENTS, "ticket_called", key="number")

    def call_next(i):
        if i:       # the last one never came (called is not served: the hall asks 过号 or 开始)
            clerk.post(hall.url + "/api/counters/1/no-show").raise_for_status()
        r = clerk.post(hall.url + "/api/counters/1/call-next")
        r.raise_for_status()
        return r.json()["ticket"]["number"]
    try:
        lat = measure(call_next, audience, calls)
        return lat, idle_rss, hall.rss_mib(), hall.threads()
    finally:
        audience.close()


def run(server: str = "gthread") -> dict:
    out: dict = {}
    bare = bare_server(server)
    try:
        audience = Audience(bare.url, CLIENTS, "ticket_called", key="number")
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
            hall_lat, idle_rss, rss, _ = hall_calls(hall, CALLS)
            out.update(hall_rss_mib=rss, hall_idle_rss_mib=idle_rss)
        finally:
            hall.stop()
    out.update(hall_p50=pct(hall_lat, 50), hall_p99=pct(hall_lat, 99),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99))
    print(f"[calls/{server}] call-next → ticket_called at {CLIENTS} clients in {PROCESSES} processes ({CALLS} calls, "
          f"{len(hall_lat)} deliveries): p50 {ms(out['hall_p50'])}, p99 {ms(out['hall_p99'])}"
          f"  vs bare broadcast p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}"
          f"  → p50 {out['hall_p50'] / out['bare_p50']:.2f}× bare")
    print(f"[calls/{server}] server memory (PSS, every process) with {CLIENTS} clients: hall {out['hall_rss_mib']:.0f} MiB"
          f" (idle {out['hall_idle_rss_mib']:.0f} MiB)  vs bare {out['bare_rss_mib']:.0f} MiB")
    return out


if __name__ == "__main__":
    run()
