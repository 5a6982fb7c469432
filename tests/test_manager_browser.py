"""The duty manager's page in Debian's chromium against a live hall: the live view follows
calls, an over-time service raises an alert the manager acknowledges, emergency mode reaches a
display and a kiosk and pauses issuing (and normal mode restores it), a counter's businesses
changed for the day; the service timer green within the target, amber past it, red past the
maximum; a customer called and not come flagged; devices by their names; a manager opening the
admin's page told so (403), not sent to sign in."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browser import LiveHall, shot
from browser import sign_in as signed_in
from core.clock import ManualClock

TZ = ZoneInfo("Asia/Shanghai")
GREEN, AMBER, RED = "ok", "over_target", "over_max"


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=TZ).timestamp())


@pytest.fixture
def live(tmp_path, clock):
    hall = LiveHall(tmp_path, clock=clock)
    yield hall
    hall.close()


def sign_in(browser, live, username="demo-manager", path="/manager"):
    page = signed_in(browser, live, username, path, viewport=(1600, 1000))
    page.wait_for_selector("main[data-painted]")
    return page


def issue(live, business):
    return live.kiosk().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex})


def counter(n):
    return f'article.counter[data-counter="{n}"]'


def test_the_live_view_follows_calls(browser, live, clock):
    page = sign_in(browser, live)
    issue(live, "F-NEW")
    issue(live, "F-NEW")
    page.wait_for_function("document.querySelector('tr[data-business=\"F-NEW\"] .waiting').textContent === '2'")
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    page.wait_for_selector(f'{counter(1)} [data-current-ticket="A001"]')
    page.wait_for_function("document.querySelector('tr[data-business=\"F-NEW\"] .waiting').textContent === '1'")
    assert page.inner_text(f"{counter(1)} .state") == "服务中 · 李晓燕"      # the clerk's name
    clerk.post("/api/counters/1/start")          # served before the next call (a call while the
    clock.advance(120)                           # customer has not come is refused)
    clerk.post("/api/counters/1/finish")
    clerk.post("/api/counters/1/call-next")
    page.wait_for_selector(f'{counter(1)} [data-current-ticket="A002"]')
    shot(page, "manager-01-live")


def test_an_over_time_service_raises_an_alert_the_manager_acknowledges(browser, live, clock):
    page = sign_in(browser, live)
    issue(live, "F-NEW")                     # target 5 min, maximum 10 min
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/start")
    clock.advance(11 * 60)
    live.publish(live.hall.watch_floor()[1])     # what the server's watcher does every few seconds
    alert = page.wait_for_selector('[data-alert][data-kind="long_service"]')
    assert "A001" in alert.inner_text()
    page.wait_for_selector(f'{counter(1)}[data-timer="over_max"]')
    shot(page, "manager-02-alert")
    alert.query_selector('[data-action="ack"]').click()
    page.wait_for_selector('[data-alert][data-kind="long_service"]', state="detached")
    api = live.app.test_client()
    api.post("/api/login", json={"username": "demo-manager", "password": "demo"})
    # (a mock device glitching on a busy test machine may have its own alert: not this test's)
    assert [a for a in api.get("/api/alerts").get_json()["alerts"] if a["kind"] != "device"] == []
    acked = live.hall.events(live.hall.today(), live.hall.today(), ("alert_acked",))
    assert acked and acked[-1]["clerk"] == "demo-manager"


def test_emergency_mode_reaches_display_and_kiosk_and_back(browser, live):
    page = sign_in(browser, live)
    display = browser.new_page(viewport={"width": 1920, "height": 1080})
    display.goto(f"{live.url}/display")
    display.wait_for_selector('#wall[data-connection="online"]')
    kiosk = browser.new_page(viewport={"width": 1920, "height": 1080})
    live.pair(kiosk, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    kiosk.wait_for_selector('#kiosk[data-connection="online"]')

    page.check('input[name="mode"][value="paused"]')
    page.click('[data-preset="preset_outage"]')
    message = page.input_value('textarea[name="message"]')
    assert message.startswith("系统故障")
    page.click('[data-action="apply-issuing"]')
    page.wait_for_selector('#manager[data-issuing="paused"]')
    display.wait_for_selector(".emergency:not([hidden])")
    assert message in display.inner_text(".emergency")
    kiosk.wait_for_selector('#kiosk[data-screen="paused"]')
    assert message in kiosk.inner_text('[data-screen="paused"]')
    shot(page, "manager-03-emergency")
    shot(display, "manager-03b-display-emergency")
    refused = issue(live, "F-NEW")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "issuing_paused"
    logged = live.hall.events(live.hall.today(), live.hall.today(), ("issuing",))
    assert logged[-1]["clerk"] == "demo-manager" and logged[-1]["data"]["mode"] == "paused"

    # Only some businesses, then back to normal.
    page.check('input[name="mode"][value="limited"]')
    page.check('input[name="open-business"][value="M-TOPUP"]')
    page.click('[data-action="apply-issuing"]')
    page.wait_for_selector('#manager[data-issuing="limited"]')
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    kiosk.wait_for_function("document.querySelector('[data-business=\"F-NEW\"]').disabled")
    assert kiosk.is_enabled('[data-business="M-TOPUP"]')
    page.check('input[name="mode"][value="normal"]')
    page.click('[data-action="apply-issuing"]')
    page.wait_for_selector('#manager[data-issuing="normal"]')
    display.wait_for_selector(".emergency", state="hidden")
    kiosk.wait_for_function("!document.querySelector('[data-business=\"F-NEW\"]').disabled")
    assert issue(live, "F-NEW").status_code == 201


def test_a_counters_businesses_for_the_day(browser, live):
    page = sign_in(browser, live)
    issue(live, "F-NEW")
    clerk = live.clerk("3")
    assert clerk.post("/api/counters/3/call-next").get_json()["ticket"] is None   # mobile only
    page.click(f'{counter(3)} [data-action="edit-businesses"]')
    page.check('.choices input[value="F-NEW"]')
    page.click('[data-action="save-businesses"]')
    page.wait_for_selector(f"{counter(3)} .changed")
    assert clerk.post("/api/counters/3/call-next").get_json()["ticket"]["number"] == "A001"
    shot(page, "manager-04-businesses")
    page.click(f'{counter(3)} [data-action="edit-businesses"]')
    page.click('[data-action="restore-businesses"]')
    page.wait_for_selector(f"{counter(3)} .changed", state="detached")


def test_the_page_and_its_api_are_for_managers_only(browser, live):
    page = browser.new_page()
    page.goto(f"{live.url}/manager")
    page.wait_for_url("**/login?next=/manager")
    guide = live.app.test_client()
    guide.post("/api/login", json={"username": "demo-guide", "password": "demo"})
    assert guide.get("/manager").status_code == 403                 # signed in: told, not sent to sign in
    assert guide.get("/api/manager/hall").status_code == 403
    assert guide.post("/api/counters/1/businesses", json={"businesses": ["F-NEW"]}).status_code == 403


def test_the_statistics_page_draws_its_charts(browser, live, clock):
    """A morning of service, then the page for today: tiles, three charts, the tables, a CSV."""
    clock.set(datetime(2026, 11, 25, 9, 15, tzinfo=TZ).timestamp())
    clerk = live.clerk("1")
    for i in range(4):
        token = issue(live, "F-NEW").get_json()["id"]
        clock.advance(120)
        if i == 1:                          # one called by number, with a reason
            clerk.post("/api/counters/1/call", json={"ticket": token, "reason": "预约客户"})
        else:
            clerk.post("/api/counters/1/call-next")
        clerk.post("/api/counters/1/start")
        clock.advance(200 + 100 * i)
        clerk.post("/api/counters/1/finish")
        live.app.test_client().post(f"/api/tickets/{token}/rating", json={"score": 4 - i % 2})
    clock.set(datetime(2026, 11, 25, 10, 1, tzinfo=TZ).timestamp())
    issue(live, "M-NEW")                    # still waiting: a second hour
    page = sign_in(browser, live, path="/manager/stats")
    for name in ("hours", "compliance", "clerks"):
        page.wait_for_selector(f'canvas[data-chart="{name}"][data-drawn="true"]')
    assert page.inner_text('[data-figure="issued"] b') == "5"
    # Hours in the day's order, in the chart and the table ("09" is not sorted after "10").
    assert page.evaluate("""() => Chart.getChart(document.querySelector('canvas[data-chart="hours"]'))
        .data.labels""") == ["09:00", "10:00"]
    hours = page.inner_text('[data-table="hours"] tbody')
    assert hours.index("09:00") < hours.index("10:00")
    # A counter is measured by what it called (tickets are issued to queues, not counters).
    assert page.inner_text('[data-table="counters"] thead').split("\t")[1] == "叫号数"
    assert page.inner_text('[data-figure="rating"] b') == "3.5 / 4"
    assert "李晓燕" in page.inner_text('[data-table="clerks"]')
    assert "固网·新开户" in page.inner_text('[data-table="businesses"]')
    # The canvas really has something drawn on it (not a blank bitmap).
    painted = page.evaluate("""() => { const c = document.querySelector('canvas[data-chart="hours"]');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) n++; return n; }""")
    assert painted > 1000
    shot(page, "manager-05-stats")
    with page.expect_download() as download:
        page.click('[data-csv="businesses"]')
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf") and "固网·新开户".encode() in data
    # The counter's hand: who called out of order and why.
    hand = page.inner_text('[data-table="hand"]')
    assert "越号叫号 · 员工" in hand and "李晓燕" in hand and "预约客户" in hand
    page.locator('[data-table="hand"]').scroll_into_view_if_needed()
    shot(page, "manager-06-stats-hand")
    with page.expect_download() as download:
        page.click('[data-csv="hand"]')
    data = open(download.value.path(), "rb").read().decode("utf-8-sig")
    assert "越号叫号·理由,预约客户,1" in data


# --- issue 14: the timer's colours, a customer called and not come, devices by name, a 403 ----

def card(n):
    return f'article.counter[data-counter="{n}"]'


def serve(live, counter, business):
    clerk = live.clerk(counter, "demo-manager" if counter != "1" else "demo-clerk")
    t = issue(live, business).get_json()
    clerk.post(f"/api/counters/{counter}/call-next")
    assert clerk.post(f"/api/counters/{counter}/start").status_code == 200
    return clerk, t


def later(page, live, clock, seconds):
    """The hall's clock moves on; a change in the hall makes the page read the board again."""
    before = page.get_attribute("main", "data-painted")
    clock.advance(seconds)
    live.publish(live.hall.watch_floor()[1])
    issue(live, "F-INVOICE").get_json()
    page.wait_for_function(f"document.querySelector('main').dataset.painted !== '{before}'")


def levels(page):
    return {n: page.get_attribute(card(n), "data-timer") for n in ("1", "3")}


def colour(page, n):
    # Read from the card on the page at that moment: one replaced by a repaint mid-read has none.
    return page.wait_for_function(
        """sel => { const e = document.querySelector(sel); return e && e.isConnected && getComputedStyle(e).color; }""",
        arg=f"{card(n)} .timer").json_value()


def test_the_service_timer_is_green_amber_then_red(browser, live, clock):
    # F-NEW: target 5 min, maximum 10. M-NEW: target 10 min, no maximum → red past 20 (as the alert).
    serve(live, "1", "F-NEW")
    serve(live, "3", "M-NEW")
    page = sign_in(browser, live)
    page.wait_for_selector(f'{card(1)}[data-timer]')
    assert levels(page) == {"1": GREEN, "3": GREEN}
    later(page, live, clock, 5 * 60 + 5)
    page.wait_for_selector(f'{card(1)}[data-timer="{AMBER}"]')
    assert levels(page) == {"1": AMBER, "3": GREEN}
    assert "超标准" in page.inner_text(f"{card(1)} .timer")
    amber = colour(page, 1)
    later(page, live, clock, 5 * 60)                 # 10 min 05 s
    page.wait_for_selector(f'{card(1)}[data-timer="{RED}"]')
    assert levels(page) == {"1": RED, "3": AMBER}
    red = colour(page, 1)
    assert amber == colour(page, 3) and red != amber
    assert red == "rgb(183, 28, 28)" and amber == "rgb(138, 82, 0)"
    assert "超时" in page.inner_text(f"{card(1)} .timer")
    shot(page, "manager-10-timers-amber-red")
    later(page, live, clock, 10 * 60)                # 20 min 05 s: M-NEW past twice its target
    page.wait_for_selector(f'{card(3)}[data-timer="{RED}"]')
    # The page is red exactly where the server raised the long-service alert.
    page.wait_for_selector('[data-alert][data-kind="long_service"]:has-text("3号窗口")')
    assert page.locator('[data-alert][data-kind="long_service"]').count() == 2
    shot(page, "manager-11-timers-red")


def test_a_customer_called_and_not_come_is_flagged(browser, live, clock):
    clerk = live.clerk("5", "demo-manager")
    t = issue(live, "M-TOPUP").get_json()
    clerk.post("/api/counters/5/call-next")
    page = sign_in(browser, live)
    page.wait_for_selector(f'{card(5)} [data-current-ticket="{t["number"]}"]')
    later(page, live, clock, 60)
    assert page.query_selector('[data-alert][data-kind="called"]') is None       # not yet
    later(page, live, clock, 10 * 60)                                            # 11 minutes
    alert = page.wait_for_selector('[data-alert][data-kind="called"]')
    text = alert.inner_text()
    assert "5号窗口" in text and t["number"] in text and "10:00 叫号 · 已过 11 分钟" in text
    assert page.get_attribute(card(5), "data-timer") == "not_came"
    assert "客户未到" in page.inner_text(f"{card(5)} .timer")
    shot(page, "manager-12-called-not-come")
    guide = signed_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    guide.wait_for_selector(f'.alert-list li[data-kind="called"]:has-text("{t["number"]}")')
    # The customer came: started, the alert leaves both pages by itself.
    clerk.post("/api/counters/5/start")
    live.publish(live.hall.watch_floor()[1])
    page.wait_for_selector('[data-alert][data-kind="called"]', state="detached")
    guide.wait_for_selector('.alert-list li[data-kind="called"]', state="detached")
    guide.context.close()


def test_devices_are_listed_by_name(browser, live):
    page = sign_in(browser, live)
    page.wait_for_selector('.device-list li[data-device="printer-k1"]')
    names = [e.inner_text() for e in page.query_selector_all(".device-list .device-name")]
    assert any(n.startswith("大门取号机 · 打印机") for n in names)
    assert any(n.startswith("自助区取号机 · 身份证阅读器") for n in names)
    assert any(n.startswith("1号窗口 · 呼叫器") for n in names)
    row = page.locator('.device-list li[data-device="printer-k1"]')
    assert row.locator(".device-id").inner_text() == "printer-k1"        # the id, as a detail only
    live.mocks["printer:k1"].set_state(paper="out")
    page.wait_for_selector('.device-list li[data-device="printer-k1"][data-ok="false"]', timeout=10000)
    assert row.locator(".device-state").inner_text() == "缺纸"
    shot(page, "manager-13-devices")
    live.mocks["printer:k1"].set_state(paper="ok")


def test_a_manager_opening_the_staff_page_is_told_why(browser, live):
    page = sign_in(browser, live)
    response = page.goto(f"{live.url}/manager/staff")
    assert response.status == 403 and "/login" not in page.url
    assert page.inner_text("[data-forbidden-message]") == "此页面仅限管理员(admin)使用"
    assert "陈伟" in page.inner_text("main")
    links = [a.get_attribute("href") for a in page.query_selector_all("main ul a")]
    assert "/manager" in links and "/manager/stats" in links and "/manager/staff" not in links
    shot(page, "manager-14-forbidden")
    page.click('main ul a[href="/manager"]')
    page.wait_for_selector("main[data-painted]")
    # Not signed in at all: still the login page.
    fresh = browser.new_page()
    fresh.goto(f"{live.url}/manager/staff")
    fresh.wait_for_url("**/login?next=/manager/staff")
    fresh.close()
    # A guide on the manager's page, a clerk on the guide's: the same clear refusal.
    guide = signed_in(browser, live, "demo-guide", "/guide")
    assert guide.goto(f"{live.url}/manager").status == 403
    assert "值班经理(manager)和管理员(admin)" in guide.inner_text("[data-forbidden-message]")
    clerk = signed_in(browser, live, "demo-clerk", "/counter")
    assert clerk.goto(f"{live.url}/guide").status == 403
    assert [a.get_attribute("href") for a in clerk.query_selector_all("main ul a")] == ["/counter"]
    guide.context.close()
    clerk.context.close()
