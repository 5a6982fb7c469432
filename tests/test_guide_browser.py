"""The guide's tablet beside two clerks' counter pages, in Debian's chromium against a live hall
with the mock call pad and mock printers; after-service records and follow-up due dates."""
from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from browser import LiveHall, shot, sign_in
from core.clock import ManualClock

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def issue(live, business):
    return live.kiosk().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex}).get_json()


def card(page, counter):
    return f'article.counter[data-counter="{counter}"]'


def test_guide_sees_the_floor_live_beside_two_clerks(browser, live):
    guide = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    guide.wait_for_selector(card(guide, "3"))
    one = sign_in(browser, live, "demo-clerk", "/counter")
    one.click('[data-counter="3"]')
    one.wait_for_selector('#desk[data-view="work"]')
    two = sign_in(browser, live, "demo-manager", "/counter")
    two.click('[data-counter="1"]')
    two.wait_for_selector('#desk[data-view="work"]')

    # Arrivals reach the tablet as they are issued; counter 3's next two are on deck and third.
    for business in ("M-NEW", "M-NEW", "M-NEW", "F-NEW"):
        issue(live, business)
    guide.wait_for_selector(f'{card(guide, "3")} [data-on-deck-ticket="G001"]')
    guide.wait_for_selector(f'{card(guide, "3")} .person[data-deck="2"][data-number="G002"]')
    guide.wait_for_selector('.arrival-list li:nth-child(4)')
    assert guide.inner_text(".arrival-list li:first-child").count("A001") == 1   # newest first

    # The pre-check of the one on deck (M-NEW needs an ID) is kept with the ticket.
    toggle = f'{card(guide, "3")} .person[data-deck="1"] .precheck'
    assert guide.get_attribute(toggle, "aria-pressed") == "false"
    guide.click(toggle)
    guide.wait_for_selector(f'{toggle}[aria-pressed="true"]')
    events = live.hall.events(live.hall.today(), live.hall.today(), ("precheck",))
    assert [e["number"] for e in events] == ["G001"] and events[0]["clerk"] == "demo-guide"

    # Clerk one calls at counter 3's page; the tablet moves everyone up.
    one.click('[data-action="call-next"]')
    one.wait_for_function("() => document.querySelector('[data-current-ticket]').textContent === 'G001'")
    guide.wait_for_selector(f'{card(guide, "3")} .current:text("G001")')
    guide.wait_for_selector(f'{card(guide, "3")} .person[data-deck="1"][data-number="G002"]')
    # Clerk two calls from counter 1's serial call pad: the pad shows the number, and so do
    # the counter page and the tablet.
    pad = live.mocks["callpad:1"]
    pad.press("CALL")
    assert pad.wait_for(lambda p: p.display == "A001")
    two.wait_for_function("() => document.querySelector('[data-current-ticket]').textContent === 'A001'")
    guide.wait_for_selector(f'{card(guide, "1")} .current:text("A001")')
    shot(guide, "guide-00-lineup")

    # A kiosk's help request arrives live with a banner; the guide takes it, then closes it.
    r = live.kiosk("k2").post("/api/kiosks/k2/help", json={"business": "M-BILL"})
    assert r.status_code in (200, 201)
    guide.wait_for_selector('.help-list li[data-state="open"]')
    guide.wait_for_selector(".toast:not([hidden])")
    assert "自助区取号机" in guide.inner_text(".toast")
    shot(guide, "guide-01-help-request")
    guide.click('.help-list li[data-state="open"] button[data-act="accept"]')
    guide.wait_for_selector('.help-list li[data-state="accepted"]')
    assert "王芳" in guide.inner_text(".help-list")                  # by name, not username
    assert "demo-guide" not in guide.inner_text(".help-list")
    guide.click('.help-list li button[data-act="close"]')
    guide.wait_for_selector(".help-list li", state="detached")

    # A printer out of paper raises an alert on the tablet until someone acknowledges it.
    live.mocks["printer:k1"].set_state(paper="out")
    guide.wait_for_selector('.alert-list li:has-text("缺纸")', timeout=10000)
    shot(guide, "guide-02-alert")
    alert_id = guide.get_attribute(".alert-list li[data-alert]", "data-alert")
    guide.click(f'[data-alert="{alert_id}"] [data-action="ack"]')                # the contract's hooks
    guide.wait_for_selector(".alert-list li", state="detached")
    live.mocks["printer:k1"].set_state(paper="ok")

    # English on the same tablet, without a reload.
    guide.click('[data-lang="en"]')
    guide.wait_for_selector('h2:text("Serve one, ready two, greet three")')
    for page in (guide, one, two):
        page.context.close()


def _at(y, m, d, hh=10):
    return datetime(y, m, d, hh, 0, tzinfo=TZ).timestamp()


@pytest.fixture
def holiday_hall(tmp_path):
    """A hall on 2025-09-30, the eve of National Day: 10-01…10-08 are holidays and Saturday
    10-11 is a make-up working day (调休)."""
    clock = ManualClock(_at(2025, 9, 30))
    hall = LiveHall(tmp_path, clock=clock)
    hall.clock = clock
    yield hall
    hall.close()


def test_after_service_records_and_a_follow_up_across_the_holiday(browser, holiday_hall):
    live = holiday_hall
    issue(live, "F-CHANGE")                                   # fixed line: 3 working days
    clerk = sign_in(browser, live, "demo-clerk", "/counter")
    clerk.click('[data-counter="1"]')
    clerk.click('[data-action="call-next"]')
    clerk.wait_for_function("() => document.querySelector('[data-current-ticket]').textContent === 'B001'")
    clerk.wait_for_selector(".after-service:not([hidden])")
    # 09-30 + 3 working days: 10-09, 10-10, and Saturday 10-11 (调休), past the whole holiday.
    assert clerk.get_attribute(".fu-due", "data-due") == "2025-10-11"
    clerk.click(".as-follow summary")
    clerk.fill(".fu-contact", "138 0013 8000")
    clerk.fill(".fu-question", "宽带迁移到新小区能否保留原账号")
    clerk.click(".fu-save")
    clerk.wait_for_selector('.as-recorded li[data-recorded="follow_up"]')
    assert "2025-10-11" in clerk.inner_text('.as-recorded li[data-recorded="follow_up"]')
    # An account-closing business asks for the churn reason and the retention offer.
    clerk.click(".as-churn summary")
    clerk.select_option(".churn-reason", "资费偏高")
    clerk.select_option(".churn-offer", "资费优惠或降档")
    clerk.click(".churn-stayed")
    clerk.wait_for_selector('.as-recorded li[data-recorded="churn"]')
    clerk.click(".as-recommend summary")
    clerk.select_option(".rec-what", "千兆宽带提速")
    clerk.click(".rec-yes")
    clerk.wait_for_selector('.as-recorded li[data-recorded="recommendation"]')
    shot(clerk, "counter-page-03-after-service")
    events = live.hall.events("2025-09-30", "2025-09-30", ("churn", "recommended", "follow_up"))
    assert {e["kind"] for e in events} == {"churn", "recommended", "follow_up"}
    churn = next(e for e in events if e["kind"] == "churn")["data"]
    assert churn["reason"] == "资费偏高" and churn["stayed"] is True

    # A 5G business is answered within 2 working days: 10-09 and 10-10.
    mobile = live.app.test_client()
    assert mobile.post("/api/login", json={"username": "demo-guide", "password": "demo"}).status_code == 200
    r = mobile.post("/api/follow-ups", json={"contact": "010-66668888", "question": "5G 套餐能否降档",
                                             "business": "M-PLAN"})
    assert r.status_code == 201 and r.get_json()["due_date"] == "2025-10-10"

    # On 10-10 the guide sees the mobile one due today; on 10-13 the fixed one is overdue.
    live.clock.set(_at(2025, 10, 10))
    guide = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    guide.wait_for_selector(".follow-list li")
    items = guide.locator(".follow-list li")
    assert items.count() == 1 and "5G 套餐能否降档" in items.first.inner_text()
    live.clock.set(_at(2025, 10, 13))
    guide.reload()                       # three days on, the session has ended: sign in again
    guide.wait_for_selector('[name="username"]')
    # the reload or the page's own 401 (which encodes the path) may get there first: both send back here
    where = urlsplit(guide.url)
    assert where.path == "/login" and parse_qs(where.query)["next"] == ["/guide"]
    guide.context.close()
    guide = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    guide.wait_for_selector('.follow-list li[data-overdue="true"]')
    assert guide.locator(".follow-list li").count() == 2
    shot(guide, "guide-03-follow-ups")
    fixed = guide.locator('.follow-list li', has_text="宽带迁移")
    fixed.locator('button[data-act="answer"]').click()
    guide.fill(".answer-text", "已电话答复:可保留原账号,需办理移机")
    guide.click(".answer-ok")
    guide.wait_for_function("() => document.querySelectorAll('.follow-list li').length === 1")
    answered = [f for f in live.hall.follow_ups()]
    assert len(answered) == 1 and answered[0]["business"] == "M-PLAN"
    done = live.app.test_client()
    done.post("/api/login", json={"username": "demo-guide", "password": "demo"})
    events = live.hall.events("2025-10-13", "2025-10-13", ("follow_up_answered",))
    assert len(events) == 1 and events[0]["data"]["in_time"] is False     # answered after 10-11
    clerk.context.close()
    guide.context.close()


def test_a_customer_who_missed_their_call_is_put_back_in_line_by_the_guide(browser, live):
    """今日过号: the no-show appears on the tablet by itself; 过号重排 puts it back after the next
    three of its line, the tablet says where, and the row goes (the ticket waits again)."""
    numbers = [issue(live, "F-NEW")["number"] for _ in range(5)]
    guide = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    guide.wait_for_selector(".missed .empty:not([hidden])")
    clerk = live.clerk("1")
    assert clerk.post("/api/counters/1/call-next").get_json()["ticket"]["number"] == numbers[0]
    assert clerk.post("/api/counters/1/no-show").status_code == 200
    row = guide.wait_for_selector(".missed-list li[data-missed]")
    assert numbers[0] in row.inner_text() and "1号窗口" in row.inner_text()
    shot(guide, "guide-05-missed-today")
    guide.click('.missed-list [data-act="requeue"]')
    guide.wait_for_selector(".missed .empty:not([hidden])")       # waiting again: not missed
    back = live.hall.ticket(live.hall.events(live.hall.today(), live.hall.today(), ("requeued",))[-1]["ticket"])
    assert back.number == numbers[0] and back.status == "waiting"
    assert live.hall.snapshot().ahead(back) == 3
    called = [clerk.post("/api/counters/1/call-next").get_json()["ticket"]["number"] for _ in range(1)]
    assert called == [numbers[1]]
