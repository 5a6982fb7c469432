"""The wall display and the phones: call-next (HTTP) → number visible on the display page in
chromium (100 calls); call-next → `ticket_update` at 500 phone clients, beside a bare
Flask-SocketIO broadcast to 500 clients in the same run."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from .audience import Audience
from .common import bare_server, hall_server, ms, pct
from .kiosk import ARGS, CHROMIUM

PHONES = 500
CALLS = 100


def display_latency(url: str, headers: dict) -> list[float]:
    from playwright.sync_api import sync_playwright
    kiosk, clerk = requests.Session(), requests.Session()
    kiosk.headers.update(headers)
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
            if i:           # called is not served: the last one never came
                clerk.post(url + "/api/counters/5/no-show").raise_for_status()
            t0 = time.perf_counter()
            clerk.post(url + "/api/counters/5/call-next").raise_for_status()
            page.wait_for_function(
                "n => document.querySelector('.latest-number').textContent === n", arg=expect)
            lat.append(time.perf_counter() - t0)
        browser.close()
    return lat


def run(rounds: int = 10) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        hall = hall_server("gthread", Path(tmp) / "display.db")
        try:
            disp = display_latency(hall.url, hall.device_headers())
        finally:
            hall.stop()

        bare = bare_server("threading")
        try:
            phones = Audience(bare.url, PHONES, "ticket_called")
            s = requests.Session()
            bare_lat = []
            for k in range(rounds):
                time.sleep(0.3)
                t0 = time.perf_counter()
                s.post(bare.url + "/broadcast", json={"number": k}).raise_for_status()
                bare_lat += phones.wait_for(PHONES, since=t0)
            phones.close()
        finally:
            bare.stop()

        hall = hall_server("gthread", Path(tmp) / "phones.db")
        try:
            kiosk, clerk = hall.kiosk(), requests.Session()
            tokens = [kiosk.post(hall.url + "/api/tickets", json={"business": "M-TOPUP", "request_id": f"p{i}"}
                                 ).json()["id"] for i in range(PHONES + rounds)]
            clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"})
            clerk.post(hall.url + "/api/counters/5/open").raise_for_status()
            phones = Audience(hall.url, PHONES, "ticket_update", tokens=tokens[rounds:])
            phones.wait_for(PHONES, timeout_s=120)     # everyone got their first update
            hall_lat = []
            rss = hall.rss_mib()
            for k in range(rounds):
                time.sleep(0.3)
                if k:
                    clerk.post(hall.url + "/api/counters/5/no-show").raise_for_status()
                t0 = time.perf_counter()
                clerk.post(hall.url + "/api/counters/5/call-next").raise_for_status()
                hall_lat += phones.wait_for(PHONES, since=t0)   # every phone's "ahead" went down by one
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
