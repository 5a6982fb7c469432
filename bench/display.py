"""The wall display and the phones: call-next (HTTP) → number visible on the display page in
chromium (100 calls); call-next → `ticket_update` at 500 phone clients, beside a bare
Flask-SocketIO broadcast to 500 clients in the same run."""
from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import socketio

from .common import bare_server, hall_server, ms, pct
from .kiosk import ARGS, CHROMIUM

PHONES = 500
CALLS = 100


def display_latency(url: str) -> list[float]:
    from playwright.sync_api import sync_playwright
    kiosk, clerk = requests.Session(), requests.Session()
    for i in range(CALLS):
        kiosk.post(url + "/api/tickets", json={"business": "M-TOPUP", "request_id": f"d{i}"}).raise_for_status()
    clerk.post(url + "/api/login", json={"username": "demo-clerk", "password": "demo"}).raise_for_status()
    clerk.post(url + "/api/counters/5/open").raise_for_status()
    lat = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url + "/display")
        page.wait_for_selector('#wall[data-connection="online"]')
        for i in range(CALLS):
            expect = f"M{i + 1:03d}"
            t0 = time.perf_counter()
            clerk.post(url + "/api/counters/5/call-next").raise_for_status()
            page.wait_for_function(
                "n => document.querySelector('.latest-number').textContent === n", arg=expect)
            lat.append(time.perf_counter() - t0)
        browser.close()
    return lat


class Phones:
    def __init__(self, url: str, tokens: list[str] | None, event: str):
        self.arrivals: list[tuple[int, float]] = []
        self.lock = threading.Lock()
        self.ready = threading.Semaphore(0)

        def join(i):
            c = socketio.Client(reconnection=False)
            c.on(event, lambda data, i=i: self._got(i))
            c.connect(url, transports=["websocket"], wait_timeout=30)
            if tokens:
                c.emit("track", {"ticket": tokens[i]})
            return c

        with ThreadPoolExecutor(16) as ex:
            self.clients = list(ex.map(join, range(len(tokens) if tokens else PHONES)))

    def _got(self, i):
        with self.lock:
            self.arrivals.append((i, time.perf_counter()))

    def collect(self, since: float, n: int, timeout: float = 30.0) -> list[float]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                got = [t for _, t in self.arrivals if t >= since]
            if len(got) >= n:
                return [t - since for t in got]
            time.sleep(0.005)
        raise RuntimeError(f"only {len(got)} of {n} updates arrived")

    def close(self):
        with ThreadPoolExecutor(16) as ex:
            list(ex.map(lambda c: c.disconnect(), self.clients))


def run(rounds: int = 10) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        hall = hall_server("threading", Path(tmp) / "display.db")
        try:
            disp = display_latency(hall.url)
        finally:
            hall.stop()

        bare = bare_server("threading")
        try:
            phones = Phones(bare.url, None, "ticket_called")
            s = requests.Session()
            bare_lat = []
            for k in range(rounds):
                time.sleep(0.3)
                t0 = time.perf_counter()
                s.post(bare.url + "/broadcast", json={"number": k}).raise_for_status()
                bare_lat += phones.collect(t0, PHONES)
            phones.close()
        finally:
            bare.stop()

        hall = hall_server("threading", Path(tmp) / "phones.db")
        try:
            kiosk, clerk = requests.Session(), requests.Session()
            tokens = [kiosk.post(hall.url + "/api/tickets", json={"business": "M-TOPUP", "request_id": f"p{i}"}
                                 ).json()["id"] for i in range(PHONES + rounds)]
            clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"})
            clerk.post(hall.url + "/api/counters/5/open").raise_for_status()
            phones = Phones(hall.url, tokens[rounds:], "ticket_update")
            phones.collect(0, PHONES)                  # everyone got their first update
            hall_lat = []
            rss = hall.rss_mib()
            for k in range(rounds):
                time.sleep(0.3)
                t0 = time.perf_counter()
                clerk.post(hall.url + "/api/counters/5/call-next").raise_for_status()
                hall_lat += phones.collect(t0, PHONES)   # every phone's "ahead" went down by one
            out["rss_mib"] = max(rss, hall.rss_mib())
            phones.close()
        finally:
            hall.stop()
    out.update(display_p50=pct(disp, 50), display_p99=pct(disp, 99),
               phones_p50=pct(hall_lat, 50), phones_p99=pct(hall_lat, 99),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99))
    print(f"[display] call-next (HTTP) → number on the wall display in chromium, {CALLS} calls: "
          f"p50 {ms(out['display_p50'])}, p99 {ms(out['display_p99'])}")
    print(f"[display] call-next → ticket_update at {PHONES} phones ({rounds} calls, {len(hall_lat)} updates): "
          f"p50 {ms(out['phones_p50'])}, p99 {ms(out['phones_p99'])}  vs bare Flask-SocketIO broadcast to "
          f"{PHONES}: p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}; server RSS {out['rss_mib']:.0f} MiB")
    return out


if __name__ == "__main__":
    run()
