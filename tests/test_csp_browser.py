"""Every page of the hall in chromium under its Content-Security-Policy: no violation (no inline
script, handler or style, nothing from elsewhere; Socket.IO's websocket allowed by 'self'), no
script error, and the page's main content rendered."""
from __future__ import annotations

import os

import pytest

from browser import CHROMIUM, LiveHall

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")

# Recorded from before the page's own scripts run (Playwright's init scripts are not subject
# to the page's CSP).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '')
                    + ':' + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    hall = LiveHall(tmp_path_factory.mktemp("csp"))
    for i, business in enumerate(("F-NEW", "M-NEW", "F-QUERY", "M-TOPUP")):
        hall.hall.issue_ticket(business, f"csp-{i}")
    clerk = hall.clerk("1")
    clerk.post("/api/counters/1/call-next")
    yield hall
    hall.close()


def watch(page) -> dict:
    seen = {"console": [], "errors": []}
    page.add_init_script(LISTEN)
    page.on("console", lambda m: seen["console"].append(m.text) if m.type in ("error", "warning")
            and ("Content Security Policy" in m.text or "Content-Security-Policy" in m.text) else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def check(page, seen, name: str, ready: str | None) -> None:
    if ready:
        page.wait_for_selector(ready)
    page.wait_for_timeout(1200)                 # sockets connect, charts draw, sounds load
    violations = page.evaluate("window.__csp || []")
    assert not violations, f"{name}: CSP violations {violations}"
    assert not seen["console"], f"{name}: {seen['console']}"
    assert not seen["errors"], f"{name}: script errors {seen['errors']}"


def open_page(browser, live, path, viewport=(1366, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{live.url}{path}")
    return page, seen


def _phone(live) -> str:
    return "/t/" + live.hall.issue_ticket("M-QUERY", "csp-phone")[0].id


@pytest.mark.parametrize("path,ready", [
    ("/", "body"),
    ("/login", "[name=username]"),
    ("/display", '#wall[data-connection="online"]'),      # the socket is up: ws allowed
    ("/display?zone=mobile", "#wall"),
    ("phone", "[data-status]"),
    ("/t/no-such-ticket", "body"),
])
def test_public_pages(browser, live, path, ready):
    path = _phone(live) if path == "phone" else path
    page, seen = open_page(browser, live, path, (1920, 1080))
    check(page, seen, path, ready)
    page.context.close()


@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("path,kind,target,hook", [
    ("/kiosk?k=k1", "kiosk", "k1", "[data-business]"),
    ("/display/counter/1", "counter_screen", "1", "[data-current-ticket]"),
])
def test_device_pages(browser, live, path, kind, target, hook, paired):
    """Unpaired, a device's page shows its pairing screen; paired, the page itself: neither
    has a violation, and the page's hook is there once paired."""
    if paired and not hasattr(live, "pair"):
        pytest.skip("no device enrolment yet")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    if paired:
        live.pair(context, kind, target)
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{live.url}{path}")
    page.wait_for_load_state("load")
    check(page, seen, f"{path} ({'paired' if paired else 'unpaired'})", hook if paired else None)
    context.close()


def test_the_kiosk_taking_a_ticket(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    if hasattr(live, "pair"):
        live.pair(context, "kiosk", "k2")
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{live.url}/kiosk?k=k2")
    page.wait_for_selector('[data-business="F-INVOICE"]')
    page.click('[data-business="F-INVOICE"]')
    page.wait_for_selector('[data-answer="counter-ticket"]:visible')
    page.click('[data-answer="counter-ticket"]')
    page.wait_for_selector("[data-ticket-number]:visible")
    page.wait_for_selector(".qr img:visible")             # the QR code, an image from 'self'
    check(page, seen, "kiosk: the ticket", None)
    context.close()


@pytest.mark.parametrize("username,path,ready", [
    ("demo-clerk", "/counter", '#desk[data-view="work"]'),
    ("demo-guide", "/guide", "#guide, main"),
    ("demo-manager", "/manager", "main"),
    ("demo-manager", "/manager/stats", "canvas[data-chart]"),
    ("demo-admin", "/manager/staff", "main"),
])
def test_staff_pages(browser, live, username, path, ready):
    page, seen = open_page(browser, live, path)          # → the login page, then the page
    page.wait_for_url(f"**/login?next={path}")
    page.fill('[name="username"]', username)
    page.fill('[name="password"]', "demo")
    page.click('[type="submit"]')
    page.wait_for_url(f"**{path}")
    check(page, seen, f"{path} ({username})", ready)
    page.context.close()
