"""The duty manager's page in Debian's chromium against a live hall: the live view follows
calls, an over-time service raises an alert the manager acknowledges, emergency mode reaches a
display and a kiosk and pauses issuing (and normal mode restores it), a counter's businesses
changed for the day."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browser import LiveHall, shot
from browser import sign_in as signed_in
from core.clock import ManualClock

TZ = ZoneInfo("Asia/Shanghai")


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
    return live.app.test_client().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex})


def counter(n):
    return f'article.counter[data-counter="{n}"]'


def test_the_live_view_follows_calls(browser, live):
    page = sign_in(browser, live)
    issue(live, "F-NEW")
    issue(live, "F-NEW")
    page.wait_for_function("document.querySelector('tr[data-business=\"F-NEW\"] .waiting').textContent === '2'")
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    page.wait_for_selector(f'{counter(1)} [data-current-ticket="A001"]')
    page.wait_for_function("document.querySelector('tr[data-business=\"F-NEW\"] .waiting').textContent === '1'")
    assert page.inner_text(f"{counter(1)} .state") == "服务中 · 李晓燕"      # the clerk's name
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
    assert api.get("/api/alerts").get_json()["alerts"] == []
    acked = live.hall.events(live.hall.today(), live.hall.today(), ("alert_acked",))
    assert acked and acked[-1]["clerk"] == "demo-manager"


def test_emergency_mode_reaches_display_and_kiosk_and_back(browser, live):
    page = sign_in(browser, live)
    display = browser.new_page(viewport={"width": 1920, "height": 1080})
    display.goto(f"{live.url}/display")
    display.wait_for_selector('#wall[data-connection="online"]')
    kiosk = browser.new_page(viewport={"width": 1920, "height": 1080})
    kiosk.goto(f"{live.url}/kiosk?k=k1")
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
    assert guide.get("/manager").status_code == 302
    assert guide.get("/api/manager/hall").status_code == 403
    assert guide.post("/api/counters/1/businesses", json={"businesses": ["F-NEW"]}).status_code == 403


def test_the_statistics_page_draws_its_charts(browser, live, clock):
    """A morning of service, then the page for today: tiles, three charts, the tables, a CSV."""
    clock.set(datetime(2026, 11, 25, 9, 15, tzinfo=TZ).timestamp())
    clerk = live.clerk("1")
    for i in range(4):
        token = issue(live, "F-NEW").get_json()["id"]
        clock.advance(120)
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
