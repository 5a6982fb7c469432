"""Every page of the hall through axe-core in chromium: no serious or critical violation
(contrast, names of buttons and fields, the page's language …), in each state a person sees."""
from __future__ import annotations

import os
import uuid

import pytest

from a11y import assert_accessible
from browser import CHROMIUM, LiveHall, shot, sign_in

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    hall = LiveHall(tmp_path_factory.mktemp("a11y"))
    c = hall.kiosk()
    for business in ("F-NEW", "M-NEW", "F-QUERY", "M-TOPUP"):
        c.post("/api/tickets", json={"business": business, "request_id": uuid.uuid4().hex})
    clerk = hall.clerk("1")
    clerk.post("/api/counters/1/call-next")
    yield hall
    hall.close()


def page_at(browser, live, path: str, viewport=(1366, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    if path.startswith("/kiosk"):
        live.pair(page, "kiosk", "k1")
    elif path.startswith("/display/counter/"):
        live.pair(page, "counter_screen", path.rsplit("/", 1)[1])
    page.goto(f"{live.url}{path}")
    return page


@pytest.mark.parametrize("path,ready", [
    ("/", "body"),
    ("/login", "[name=username]"),
    ("/kiosk?k=k1", "[data-business]"),
    ("/display", '#wall[data-connection="online"]'),
    ("/display/counter/1", "[data-current-ticket]"),
])
def test_public_pages(browser, live, path, ready):
    page = page_at(browser, live, path, (1920, 1080))
    page.wait_for_selector(ready)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.lang") in ("zh-CN", "zh", "en")
    assert_accessible(page, path)
    page.context.close()


def test_the_kiosk_in_every_screen(browser, live):
    page = page_at(browser, live, "/kiosk?k=k1", (1920, 1080))
    page.wait_for_selector("[data-business]")
    # Connected and settled, as a customer finds it: a tap while the screen is still changing
    # (its first estimates arriving on a loaded machine) is dropped on purpose (issue 14).
    page.wait_for_selector('#kiosk[data-connection="online"]')
    page.wait_for_timeout(600)
    page.wait_for_function("!document.getElementById('kiosk').classList.contains('settling')")
    page.click('[data-business="F-NEW"]')                       # needs ID: the question
    page.wait_for_selector('[data-answer="id-no"]:visible')
    page.wait_for_timeout(600)
    assert_accessible(page, "kiosk: ID question")
    page.click('[data-answer="id-no"]')                         # the explanation
    page.wait_for_timeout(600)
    assert_accessible(page, "kiosk: without ID")
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector("[data-business]")
    page.click('[data-business="F-INVOICE"]')                   # self-service suggestion
    page.wait_for_selector('[data-answer="counter-ticket"]:visible')
    page.wait_for_timeout(600)
    assert_accessible(page, "kiosk: self-service")
    page.click('[data-answer="counter-ticket"]')
    page.wait_for_selector("[data-ticket-number]:visible")
    page.wait_for_timeout(600)
    assert_accessible(page, "kiosk: the ticket")
    shot(page, "a11y-kiosk-ticket")
    page.context.close()


def test_the_phone_page(browser, live):
    r = live.kiosk().post("/api/tickets", json={"business": "M-QUERY", "request_id": "phone"})
    page = page_at(browser, live, f"/t/{r.get_json()['id']}", (390, 844))
    page.wait_for_selector("[data-status]")
    page.wait_for_timeout(300)
    assert_accessible(page, "phone")
    page.context.close()


@pytest.mark.parametrize("username,path,ready", [
    ("demo-clerk", "/counter", '#desk[data-view="work"]'),      # holds counter 1, A001 called
    ("demo-manager", "/counter", "[data-counter]"),             # choosing a window
    ("demo-guide", "/guide", "#guide, main"),
    ("demo-manager", "/manager", "main"),
    ("demo-manager", "/manager/stats", "main"),
    ("demo-admin", "/manager/staff", "main"),
])
def test_staff_pages(browser, live, username, path, ready):
    page = sign_in(browser, live, username, path)
    page.wait_for_selector(ready)
    page.wait_for_timeout(800)
    assert_accessible(page, f"{path} ({username})")
    page.context.close()


def test_the_guides_forms_and_a_refused_page(browser, live):
    page = sign_in(browser, live, "demo-guide", "/guide")
    for form in ("green", "complaint"):
        page.click(f'[data-open="{form}"]')
        page.wait_for_selector(f'dialog[data-form="{form}"][open]')
        page.wait_for_timeout(400)
        assert_accessible(page, f"guide: the {form} form")
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
    page.goto(f"{live.url}/manager")                            # not a guide's page: said so
    page.wait_for_selector("body")
    assert_accessible(page, "the 403 page")
    page.context.close()
