"""Which server carries the hall: gunicorn's threaded worker, its gevent worker, and Werkzeug's
development server (the baseline), each running the hall in the same run, one after the other:

- durable tickets per second (8 kiosk clients in 4 processes, closed loop);
- call-next → `ticket_called` at 200 WebSocket clients (in 4 client processes): p50 / p99;
- the server's memory (PSS of every process of it) with those 200 clients connected, and its threads;
- a request's latency while 300 half-open connections sit on the server (each sent half a
  request line and then nothing, as a slow or malicious client on the hall's Wi-Fi does).
"""
from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

from .audience import PROCESSES
from .calls import CLIENTS, hall_calls
from .common import SERVERS, hall_server, ms, pct
from .issue import throughput

CALLS = 30
HALF_OPEN = 300
PROBES = 60
PROBE_TIMEOUT_S = 5.0


def half_open(url: str, n: int) -> list[socket.socket]:
    """`n` connections that each send the start of a request and then wait, never finishing it."""
    host, port = urlparse(url).hostname, urlparse(url).port
    held = []
    for i in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(f"GET /api/hall?slow={i} HTTP/1.1\r\nHost: {host}\r\n".encode())
        held.append(s)
    return held


def probe(url: str) -> tuple[list[float], int]:
    """`PROBES` requests, each on a new connection: latencies, and how many got no answer in time."""
    lat, failed = [], 0
    for _ in range(PROBES):
        t0 = time.perf_counter()
        try:
            with requests.Session() as s:
                s.get(url + "/api/hall", timeout=PROBE_TIMEOUT_S).raise_for_status()
            lat.append(time.perf_counter() - t0)
        except requests.RequestException:
            failed += 1
        time.sleep(0.02)
    return lat, failed


def one(server: str, seconds: float) -> dict:
    out: dict = {"server": server}
    with tempfile.TemporaryDirectory() as tmp:
        hall = hall_server(server, Path(tmp) / "tp.db")
        try:
            out["tickets_s"], out["errors"] = throughput(hall.url, "/api/tickets", seconds,
                                                         headers=hall.device_headers())
        finally:
            hall.stop()
        hall = hall_server(server, Path(tmp) / "calls.db")
        try:
            lat, out["idle_rss"], out["rss"], out["threads"] = hall_calls(hall, CALLS)
            out["call_p50"], out["call_p99"] = pct(lat, 50), pct(lat, 99)

            quiet, _ = probe(hall.url)
            time.sleep(1.0)
            out["threads_before"] = hall.threads()
            held = half_open(hall.url, HALF_OPEN)
            time.sleep(1.0)
            out["threads_half_open"] = hall.threads()
            slow, failed = probe(hall.url)
            for s in held:
                s.close()
            out.update(quiet_p50=pct(quiet, 50), slow_p50=pct(slow, 50), slow_p99=pct(slow, 99),
                       slow_failed=failed)
        finally:
            hall.stop()
    return out


def run(seconds: float = 8.0) -> dict:
    results = {server: one(server, seconds) for server in SERVERS}
    base = results["dev"]
    print(f"[serving] each server runs the hall in turn; baseline: the development server "
          f"(Werkzeug, threaded); {CLIENTS} socket clients in {PROCESSES} processes")
    for server, r in results.items():
        slow = (f"p50 {ms(r['slow_p50'])}, p99 {ms(r['slow_p99'])}" if r["slow_p50"] == r["slow_p50"]
                else "no answer")
        print(f"[serving/{server:7}] tickets {r['tickets_s']:.0f}/s ({r['tickets_s'] / base['tickets_s']:.2f}× dev,"
              f" errors {r['errors']}) | call → {CLIENTS} sockets p50 {ms(r['call_p50'])}, p99 {ms(r['call_p99'])}"
              f" ({r['call_p50'] / base['call_p50']:.2f}× dev at p50) | memory (PSS) {r['rss']:.0f} MiB with {CLIENTS}"
              f" clients (idle {r['idle_rss']:.0f}), {r['threads']} threads")
        print(f"[serving/{server:7}] with {HALF_OPEN} half-open connections: a request {slow}, "
              f"{r['slow_failed']}/{PROBES} unanswered in {PROBE_TIMEOUT_S:.0f} s "
              f"(quiet: p50 {ms(r['quiet_p50'])}); server threads {r['threads_before']} → {r['threads_half_open']}")
    return results


if __name__ == "__main__":
    run()
