"""The staff pages in Debian's chromium: a click on call-next at the counter page → the number on
that counter page and on the guide's tablet (100 calls, p50/p99), beside the least such a pair of
pages can do in the same run: a bare Flask-SocketIO page whose button POSTs and shows the answer,
and a second one that shows the broadcast.

Times are read inside the pages (performance.timeOrigin + now(), one clock for every tab): the
click in the capture phase, and a MutationObserver for the moment the number is on screen."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from .common import bare_server, hall_server, ms, pct
from .kiosk import ARGS, CHROMIUM

CALLS = 100

WATCH = """sel => {
  window.__seen = {};
  const mark = () => { const el = document.querySelector(sel);
    if (el && el.textContent && !(el.textContent in window.__seen))
      window.__seen[el.textContent] = performance.timeOrigin + performance.now(); };
  new MutationObserver(mark).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
CLICKS = """sel => {
  window.__clicks = [];
  document.addEventListener('click', (ev) => { if (ev.target.closest(sel))
    window.__clicks.push(performance.timeOrigin + performance.now()); }, true);
}"""
SEEN = "n => window.__seen && (n in window.__seen)"


def measure(clicker, watcher, button: str, numbers: list[str]) -> tuple[list[float], list[float]]:
    """Click `button` once per number; return click → number on the clicker, and on the watcher."""
    own, other = [], []
    for n in numbers:
        clicker.click(button)
        clicker.wait_for_function(SEEN, arg=n)
        watcher.wait_for_function(SEEN, arg=n)
        clicked = clicker.evaluate("() => window.__clicks[window.__clicks.length - 1]")
        own.append((clicker.evaluate("n => window.__seen[n]", n) - clicked) / 1000)
        other.append((watcher.evaluate("n => window.__seen[n]", n) - clicked) / 1000)
        time.sleep(0.25)                    # the pages settle (the tablet's read of the board)
    return own, other


def hall_pages(browser, url: str):
    def signed_in(username: str, path: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/login?next={path}")
        page.fill('[name="username"]', username)
        page.fill('[name="password"]', "demo")
        page.click('[type="submit"]')
        page.wait_for_url(f"**{path}")
        return page
    counter = signed_in("demo-clerk", "/counter")
    counter.click('[data-counter="5"]')
    counter.wait_for_selector('#desk[data-view="work"][data-connection="online"]')
    guide = signed_in("demo-guide", "/guide")
    guide.wait_for_selector('#floor[data-connection="online"] article.counter[data-counter="5"]')
    counter.evaluate(WATCH, "[data-current-ticket]")
    counter.evaluate(CLICKS, '[data-action="call-next"]')
    guide.evaluate(WATCH, 'article.counter[data-counter="5"] .current')
    return counter, guide


def run() -> dict:
    from playwright.sync_api import sync_playwright
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        bare = bare_server("threading")
        try:
            a, b = (browser.new_context().new_page() for _ in range(2))
            for page in (a, b):
                page.goto(bare.url + "/page")
                page.wait_for_selector('body[data-connection="online"]')
                page.evaluate(WATCH, "#number")
            a.evaluate(CLICKS, "#call")
            bare_own, bare_other = measure(a, b, "#call", [f"N{i + 1:03d}" for i in range(CALLS)])
        finally:
            bare.stop()
        hall = hall_server("gthread", Path(tmp) / "staff.db")
        try:
            kiosk = hall.kiosk()
            for i in range(CALLS):
                kiosk.post(hall.url + "/api/tickets", json={"business": "M-TOPUP", "request_id": f"s{i}"}
                           ).raise_for_status()
            counter, guide = hall_pages(browser, hall.url)
            own, other = measure(counter, guide, '[data-action="call-next"]',
                                 [f"M{i + 1:03d}" for i in range(CALLS)])
        finally:
            hall.stop()
        browser.close()
    out.update(counter_p50=pct(own, 50), counter_p99=pct(own, 99), guide_p50=pct(other, 50),
               guide_p99=pct(other, 99), bare_own_p50=pct(bare_own, 50), bare_own_p99=pct(bare_own, 99),
               bare_other_p50=pct(bare_other, 50), bare_other_p99=pct(bare_other, 99))
    print(f"[staff] call-next click → number on the counter page, {CALLS} calls: p50 {ms(out['counter_p50'])}, "
          f"p99 {ms(out['counter_p99'])}  vs bare click → POST → shown: p50 {ms(out['bare_own_p50'])}, "
          f"p99 {ms(out['bare_own_p99'])}")
    print(f"[staff] call-next click → number on the guide's tablet: p50 {ms(out['guide_p50'])}, "
          f"p99 {ms(out['guide_p99'])}  vs bare click → broadcast → shown on a second page: "
          f"p50 {ms(out['bare_other_p50'])}, p99 {ms(out['bare_other_p99'])}")
    return out


if __name__ == "__main__":
    run()
