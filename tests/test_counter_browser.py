"""The clerk's counter page in Debian's chromium against a live hall with the mock call pad."""
from __future__ import annotations

import uuid

import pytest

from browser import LiveHall, shot
from browser import sign_in as signed_in


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def sign_in(browser, live, username="demo-clerk"):
    return signed_in(browser, live, username, "/counter")


def issue(live, business):
    return live.app.test_client().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex}).get_json()


def current(page, number):
    page.wait_for_function("n => document.querySelector('[data-current-ticket]').textContent === n", arg=number)


def test_a_full_service_with_the_checklist(browser, live):
    issue(live, "M-NEW")
    issue(live, "M-NEW")
    page = sign_in(browser, live)
    page.click('[data-counter="3"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.click('[data-action="call-next"]')
    current(page, "G001")
    page.click('[data-action="start"]')
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    page.wait_for_selector('li[data-checklist-item="anti_fraud"]')
    shot(page, "counter-page-01-serving")
    page.click('[data-action="finish"]')                        # required moments still open
    page.wait_for_selector(".error:not([hidden])")
    assert "关键时刻" in page.inner_text(".error")
    for key in ("real_name", "anti_fraud", "contract_terms"):
        page.check(f'input[data-checklist-item="{key}"]')
        page.wait_for_function(
            "k => document.querySelector(`input[data-checklist-item='${k}']`).checked", arg=key)
    page.wait_for_timeout(300)
    page.click('[data-action="finish"]')
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    ticket = [e for e in live.hall.events(live.hall.today(), live.hall.today(), ("finished",))][-1]
    assert ticket["number"] == "G001" and set(ticket["data"]["checklist"]) >= {"real_name", "anti_fraud"}
    # No-show, transfer, pause and resume.
    page.keyboard.press("F1")                                   # the keyboard-wedge call pad's key
    current(page, "G002")
    page.click('[data-action="transfer"]')
    page.select_option(".transfer-target", "b:M-SIM")
    page.fill(".transfer-reason", "需补卡")
    page.click(".transfer-ok")
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    assert live.hall.waiting_counts()["M-SIM"] == 1
    page.click('[data-action="call-next"]')
    current(page, "G002")                                       # the transferred ticket, M-SIM at counter 3
    page.click('[data-action="no-show"]')
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    page.click('[data-action="pause"]')
    page.click('[data-reason="meeting"]')
    page.wait_for_selector('#desk[data-state="paused"]')
    page.click('[data-action="resume"]')
    page.wait_for_selector('#desk[data-state="open"]')
    page.context.close()


def test_two_clerks_and_the_call_pad(browser, live):
    issue(live, "F-NEW")
    issue(live, "F-NEW")
    issue(live, "F-QUERY")
    one = sign_in(browser, live, "demo-clerk")
    one.click('[data-counter="1"]')
    two = sign_in(browser, live, "demo-manager")               # a manager staffing counter 2
    two.click('[data-counter="2"]')
    two.wait_for_selector('#desk[data-view="work"]')
    pad = live.mocks["callpad:1"]
    pad.press("CALL")                                           # counter 1's serial pad
    assert pad.wait_for(lambda p: p.display == "A001")
    current(one, "A001")
    two.click('[data-action="call-next"]')
    current(two, "D001")                                        # counter 2 prefers F-QUERY
    assert one.inner_text(".on-deck") == "A002"
    shot(one, "counter-page-02-pad")
    one.context.close()
    two.context.close()
