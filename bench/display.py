"""The wall display and the phones: call-next (HTTP) → number visible on the display page in
chromium (100 calls); call-next → every one of 500 phones told its new place (the `places`
broadcast, with the phone's own number in it), beside a bare Flask-SocketIO broadcast to 500
clients in the same run; and, for the older phones that read only `ticket_update`, the same
through one `ticket_update` per phone."""
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


def _phones(db: Path, rounds: int, places: bool) -> tuple[list[float], float]:
    """`rounds` call-nexts at window 5 with PHONES phones following tickets of its queue."""
    hall = hall_server("gthread", db)
    try:
        kiosk, clerk = hall.kiosk(), requests.Session()
        issued = [kiosk.post(hall.url + "/api/tickets", json={"business": "M-TOPUP", "request_id": f"p{i}"}
                             ).json() for i in range(PHONES + rounds)]
        clerk.post(hall.url + "/api/login", json={"username": "demo-clerk", "password": "demo"})
        clerk.post(hall.url + "/api/counters/5/open").raise_for_status()
        mine = issued[rounds:]
        tokens = [t["id"] for t in mine]
        if places:
            phones = Audience(hall.url, PHONES, "places", tokens=tokens, numbers=[t["number"] for t in mine])
        else:
            phones = Audience(hall.url, PHONES, "ticket_update", tokens=tokens)
            phones.wait_for(PHONES, timeout_s=120)     # everyone got their first update
        lat: list[float] = []
        rss = hall.rss_mib()
        for k in range(rounds):
            if k:       # what the no-show pushes has arrived before the call is timed
                clerk.post(hall.url + "/api/counters/5/no-show").raise_for_status()
            time.sleep(0.5)
            t0 = time.perf_counter()
            clerk.post(hall.url + "/api/counters/5/call-next").raise_for_status()
            # every phone's "ahead" went down by one
            lat += phones.wait_for(PHONES, label="placed" if places else None, since=t0)
        rss = max(rss, hall.rss_mib())
        phones.close()
        return lat, rss
    finally:
        hall.stop()


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

        hall_lat, out["rss_mib"] = _phones(Path(tmp) / "phones.db", rounds, places=True)
        old_lat, _ = _phones(Path(tmp) / "old-phones.db", rounds, places=False)
    out.update(display_p50=pct(disp, 50), display_p99=pct(disp, 99),
               phones_p50=pct(hall_lat, 50), phones_p99=pct(hall_lat, 99),
               old_p50=pct(old_lat, 50), old_p99=pct(old_lat, 99),
               bare_p50=pct(bare_lat, 50), bare_p99=pct(bare_lat, 99))
    print(f"[display] call-next (HTTP) → number on the wall display in chromium, {CALLS} calls: "
          f"p50 {ms(out['display_p50'])}, p99 {ms(out['display_p99'])}")
    print(f"[display] call-next → every one of {PHONES} phones told its new place (`places`, {rounds} calls, "
          f"{len(hall_lat)} deliveries): p50 {ms(out['phones_p50'])}, p99 {ms(out['phones_p99'])}  vs bare "
          f"Flask-SocketIO broadcast to {PHONES}: p50 {ms(out['bare_p50'])}, p99 {ms(out['bare_p99'])}"
          f"  → p50 {out['phones_p50'] / out['bare_p50']:.2f}×, p99 {out['phones_p99'] / out['bare_p99']:.2f}× bare;"
          f" server RSS {out['rss_mib']:.0f} MiB")
    print(f"[display] the same to {PHONES} older phones (one `ticket_update` each): p50 {ms(out['old_p50'])}, "
          f"p99 {ms(out['old_p99'])}")
    return out


if __name__ == "__main__":
    run()
