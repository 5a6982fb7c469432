"""Shared fixtures: the core on a temporary database, the Flask app and its clients."""
from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Every screen's shape validated against its model (core/presenters/parts.py), here and in the
# test servers this process starts.
os.environ.setdefault("HALL_CHECK_SHAPES", "1")

from core.clock import ManualClock  # noqa: E402
from core.config import load_config  # noqa: E402
from core.hall import Hall  # noqa: E402
from core.store import Store  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning in the hall.
MORNING = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def clock():
    return ManualClock(MORNING)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "hall.db")
    yield s
    s.close()


@pytest.fixture
def hall(config, store, clock):
    return Hall(config, store, clock)


@pytest.fixture
def app(tmp_path, clock):
    from web import create_app
    app = create_app(None, tmp_path / "app.db", demo=True, clock=clock,
                     public_url="http://hall.example:5000")
    app.config["TESTING"] = True
    yield app
    app.extensions["hall"].hall.store.close()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = "demo"):
    r = client.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return r


@pytest.fixture
def clerk(app):
    """A test client signed in as demo-clerk and holding counter 1."""
    c = app.test_client()
    login(c, "demo-clerk")
    assert c.post("/api/counters/1/open").status_code == 200
    return c


def device_headers(app, kind: str = "kiosk", target: str = "k1") -> dict:
    """The credential of one of the demo's enrolled devices (a hall without the demo's gets one
    enrolled now), as a program sends it."""
    c = app.extensions["hall"]
    if (kind, target) not in c.demo_devices:
        c.demo_devices[(kind, target)] = c.enrolment.enrol(kind, target, by="tests")[1]
    return {"Authorization": "Bearer " + c.demo_devices[(kind, target)]}


def as_device(client, kind: str = "kiosk", target: str = "k1"):
    """A test client speaking as one of the demo's devices from now on (→ the client)."""
    client.environ_base["HTTP_AUTHORIZATION"] = device_headers(client.application, kind, target)["Authorization"]
    return client


def issue(client, business: str = "F-NEW", request_id: str | None = None, *,
          device: bool = True, **extra):
    """A ticket taken at a kiosk: by default as the demo's kiosk (the one `kiosk` names, else
    k1); `device=False` sends the request as whoever the client is (staff, or a stranger)."""
    import uuid
    body = {"business": business, "request_id": request_id or uuid.uuid4().hex, **extra}
    headers = device_headers(client.application, "kiosk", extra.get("kiosk") or "k1") if device else {}
    return client.post("/api/tickets", json=body, headers=headers)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, driven by Playwright (it never downloads a browser)."""
    import os
    from browser import CHROMIUM, CHROMIUM_ARGS
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def serve_next(hall, clock, counter: str, clerk: str):
    """The clerk's "done, next" as a real counter does it: the customer called came (start), the
    required key moments were done, a moment passes (no double press), call-next finishes them
    and calls the next → that ticket."""
    state = hall.counters()[counter]
    if state.current_ticket and hall.ticket(state.current_ticket).status == "called":
        hall.start(counter, clerk)
    if state.current_ticket:                      # the key moments the business requires, done
        for key in hall.missing_checklist(hall.ticket(state.current_ticket)):
            hall.tick(counter, clerk, key, True)
    clock.advance(hall.config.routing.repeat_call_s + 1)
    return hall.call_next(counter, clerk)[0]
