"""A live hall in this process (real HTTP and WebSocket on a free port, mock devices on ptys the
test can reach) and Debian's chromium driven by Playwright."""
from __future__ import annotations

import re
import threading
from pathlib import Path

from playwright.sync_api import Frame, Page
from werkzeug.serving import make_server

from core.config import load_config
from drivers.mock.demo import start_mocks
from drivers.service import DeviceService, ports_from_config

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # as an ordinary browser: sound only after a tap (headless would allow it)
                 "--autoplay-policy=user-gesture-required"]
# The display PC's chromium (deploy/): it may speak with no tap.
DISPLAY_ARGS = [a for a in CHROMIUM_ARGS if not a.startswith("--autoplay-policy")] + [
    "--autoplay-policy=no-user-gesture-required"]


# The pages' CSP (web/headers.py) has no 'unsafe-eval': Playwright's wait_for_function("an
# expression") polls with eval and is refused; the same predicate as a function is not.
_FUNCTION = re.compile(r"^\s*(async\s+)?(function\b|\w+\s*=>|\([\w\s,]*\)\s*=>)")


def _as_function(expression: str) -> str:
    return expression if _FUNCTION.match(expression) else f"() => ({expression})"


def _functions_only(cls) -> None:
    original = cls.wait_for_function
    if getattr(original, "functions_only", False):
        return

    def wait_for_function(self, expression, *args, **kwargs):
        return original(self, _as_function(expression), *args, **kwargs)
    wait_for_function.functions_only = True
    cls.wait_for_function = wait_for_function


for _cls in (Page, Frame):
    _functions_only(_cls)


class LiveHall:
    def __init__(self, tmp: Path, clock=None):
        self.tmp, self.clock = tmp, clock
        config = load_config()
        self.mocks = start_mocks(config, tmp / "paper", place_card=None)
        self._start(config, port=0)

    def _start(self, config, port: int) -> None:
        from web import create_app
        ports, _ = ports_from_config(config, self.mocks.paths)
        self.devices = DeviceService(ports, poll_s=0.2)
        self.app = create_app(config, self.tmp / "hall.db", demo=True, clock=self.clock,
                              devices=self.devices)
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.hall = self.app.extensions["hall"].hall
        self.publish = self.app.extensions["hall"].publisher.publish
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop_server(self) -> None:
        """The server goes away, and with it every open socket (a killed server's do); the
        database stays."""
        from web.sockets import drop_every_socket
        self.server.shutdown()
        self.server.server_close()
        drop_every_socket(self.app.extensions["hall"].socketio, abort=True)
        self.devices.close()
        self.hall.store.close()

    def restart_server(self) -> None:
        self._start(load_config(), port=self.server.server_port)

    def device_token(self, kind: str = "kiosk", target: str = "k1") -> str:
        return self.app.extensions["hall"].demo_devices[(kind, target)]

    def device_headers(self, kind: str = "kiosk", target: str = "k1") -> dict:
        return {"Authorization": "Bearer " + self.device_token(kind, target)}

    def kiosk(self, target: str = "k1"):
        """A test client speaking as that kiosk (as the kiosk's page does)."""
        c = self.app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = self.device_headers("kiosk", target)["Authorization"]
        return c

    def pair(self, page_or_context, kind: str = "kiosk", target: str = "k1"):
        """A browser paired as one of the demo's devices (its credential cookie, as the
        banner's pair link leaves it); → the page or context."""
        context = getattr(page_or_context, "context", page_or_context)
        context.add_cookies([{"name": "hall_device", "value": self.device_token(kind, target),
                              "url": self.url, "httpOnly": True, "sameSite": "Lax"}])
        return page_or_context

    def clerk(self, counter: str, username: str = "demo-clerk"):
        c = self.app.test_client()
        assert c.post("/api/login", json={"username": username, "password": "demo"}).status_code == 200
        assert c.post(f"/api/counters/{counter}/open").status_code == 200
        return c

    def staff_socket(self, role: str = "demo-guide"):
        http = self.app.test_client()
        r = http.post("/api/login", json={"username": role, "password": "demo"})
        assert r.status_code == 200
        return self.app.extensions["hall"].socketio.test_client(self.app, flask_test_client=http)

    def close(self) -> None:
        self.server.shutdown()
        self.devices.close()
        self.mocks.close()
        self.hall.store.close()


def sign_in(browser, live: LiveHall, username: str, path: str, viewport=(1366, 900)):
    """A fresh browser context signed in through the login page, landed on `path`."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.goto(f"{live.url}{path}")
    page.wait_for_url(f"**/login?next={path}")
    page.fill('[name="username"]', username)
    page.fill('[name="password"]', "demo")
    page.click('[type="submit"]')
    page.wait_for_url(f"**{path}")
    return page


def shot(page, name: str) -> None:
    """Screenshots of each step, for people to look at (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
