"""Pairing a screen in chromium: an unpaired kiosk shows a code, the admin approves it on
/manager/devices, the kiosk opens by itself; the admin's list shows it online and revokes it."""
from __future__ import annotations

import pytest

from browser import LiveHall, shot, sign_in


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def test_a_kiosk_is_paired_by_its_code_and_revoked(browser, live):
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}).new_page()
    kiosk.goto(f"{live.url}/kiosk?k=k2")
    kiosk.wait_for_selector('[data-pairing][data-state="waiting"]')
    code = kiosk.inner_text("[data-pairing-code]").replace(" ", "")
    assert len(code) == 6 and code.isdigit()
    assert "自助区取号机" in kiosk.inner_text("main")
    shot(kiosk, "devices-01-unpaired-kiosk")

    admin = sign_in(browser, live, "demo-admin", "/manager/devices")
    admin.wait_for_selector(".device-rows tr[data-device]")
    before = admin.locator(".device-rows tr[data-device]").count()
    form = admin.locator('form[data-form="pair"]')
    form.locator('[name="code"]').fill(code)
    form.locator('[name="kind"]').select_option("kiosk")
    form.locator('[name="target"]').select_option("k2")
    form.locator('[name="name"]').fill("自助区二号机")
    form.locator('[type="submit"]').click()
    admin.wait_for_selector('[data-message][data-kind="ok"]')
    assert "自助区二号机" in admin.inner_text("[data-message]")

    kiosk.wait_for_selector('#kiosk [data-business]', timeout=10000)     # opened by itself
    assert "/kiosk?k=k2" in kiosk.url
    shot(kiosk, "devices-02-paired-kiosk")

    admin.reload()                                  # (the list also refreshes every 30 s)
    admin.wait_for_function(f"document.querySelectorAll('.device-rows tr[data-device]').length === {before + 1}")
    row = admin.locator(".device-rows tr", has_text="自助区二号机")
    assert row.locator("[data-online]").get_attribute("data-online") == "true"
    shot(admin, "devices-03-admin-list")

    admin.once("dialog", lambda d: d.accept())
    row.locator('[data-action="revoke"]').click()
    admin.wait_for_selector('[data-message][data-kind="ok"]')
    admin.locator(".device-rows tr", has_text="自助区二号机").wait_for(state="detached")
    # The kiosk's next request is refused: it shows the pairing screen again.
    status = kiosk.evaluate("fetch('/api/devices/me').then(r => r.status)")
    assert status == 401
    kiosk.reload()
    kiosk.wait_for_selector("[data-pairing]")
    kiosk.context.close()
    admin.context.close()


def test_an_enrolled_link_opens_a_counter_screen_paired(browser, live):
    admin = sign_in(browser, live, "demo-admin", "/manager/devices")
    form = admin.locator('form[data-form="enrol"]')
    form.locator('[name="kind"]').select_option("counter_screen")
    form.locator('[name="target"]').select_option("4")
    form.locator('[type="submit"]').click()
    admin.wait_for_selector("[data-enrolled]:not([hidden]) [data-pair-url]")
    link = admin.get_attribute("[data-pair-url]", "href")
    assert link.startswith("http://127.0.0.1:5000/pair/")     # the hall's public_url (the default here)
    link = live.url + link[len("http://127.0.0.1:5000"):]
    shot(admin, "devices-04-enrolled-link")
    screen = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    screen.goto(link)
    screen.wait_for_selector("#counter[data-connection=online]")
    assert screen.url.endswith("/display/counter/4")
    cookies = {c["name"]: c for c in screen.context.cookies()}
    assert cookies["hall_device"]["httpOnly"] is True
    assert screen.evaluate("document.cookie").find("hall_device") == -1     # no script reads it
    screen.context.close()
    admin.context.close()
