"""The wall display, the counter screen and the phone page in Debian's chromium against a live
hall."""
from __future__ import annotations

import os
import time

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, DISPLAY_ARGS, LiveHall, shot
from conftest import login

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")

# Every audio play is recorded; a play "lasts" 300 ms, then the element says it ended.
AUDIO_SPY = """
window.__plays = [];
HTMLMediaElement.prototype.play = function () {
  const el = this, src = el.src;
  // As the browser's autoplay policy: no sound before the first tap (the page's silent probe).
  if (!navigator.userActivation.hasBeenActive)
    return Promise.reject(new DOMException("no user gesture yet", "NotAllowedError"));
  window.__plays.push({src: src, start: performance.now(), end: null});
  const rec = window.__plays[window.__plays.length - 1];
  setTimeout(() => { rec.end = performance.now(); el.dispatchEvent(new Event('ended')); }, 300);
  return Promise.resolve();
};
"""


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def open_wall(browser, live, query=""):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(AUDIO_SPY)
    page = context.new_page()
    page.goto(f"{live.url}/display{query}")
    page.wait_for_selector('#wall[data-connection="online"]')
    return page


def issue(live, business="F-NEW"):
    import uuid
    return live.kiosk().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex}).get_json()


def test_the_display_pc_speaks_with_no_tap(browser, live):
    """chromium as deploy/ starts it on the display PC (--autoplay-policy=no-user-gesture-
    required): no 开启声音 to press after a restart; an ordinary browser still asks."""
    display_pc = browser.browser_type.launch(executable_path=CHROMIUM, args=DISPLAY_ARGS)
    try:
        wall = display_pc.new_page(viewport={"width": 1920, "height": 1080})
        wall.goto(f"{live.url}/display")
        wall.wait_for_selector("#wall.sound-on", timeout=10000)
        assert wall.is_hidden(".sound-gate")
    finally:
        display_pc.close()
    ordinary = browser.new_page(viewport={"width": 1920, "height": 1080})
    ordinary.goto(f"{live.url}/display")
    ordinary.wait_for_selector('#wall[data-connection="online"]')
    ordinary.wait_for_timeout(500)
    assert ordinary.is_visible(".sound-gate") and "sound-on" not in (ordinary.get_attribute("#wall", "class") or "")
    ordinary.close()


def test_a_call_appears_and_is_announced_once_at_a_time(browser, live):
    wall = open_wall(browser, live)
    assert wall.is_visible(".sound-gate")                       # says so until allowed
    wall.click(".sound-gate")
    for _ in range(3):
        issue(live)
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    wall.wait_for_function("document.querySelector('[data-latest-call]').textContent.includes('A001')")
    latest = wall.inner_text("[data-latest-call]")
    assert "A001" in latest and "1号窗口" in latest
    clerk.post("/api/counters/1/start")                         # two quick calls, and a recall
    clerk.post("/api/counters/1/finish")
    assert clerk.post("/api/counters/1/call-next").status_code == 200
    clerk.post("/api/counters/1/recall")
    wall.wait_for_function("window.__plays.length >= 3 && window.__plays[2].end !== null", timeout=10000)
    plays = wall.evaluate("window.__plays")
    assert [p["src"].split("?")[1] for p in plays] == [
        "number=A001&counter=1&recall=0", "number=A002&counter=1&recall=0",
        "number=A002&counter=1&recall=1"]
    for a, b in zip(plays, plays[1:]):
        assert b["start"] >= a["end"], "two announcements overlapped"
    row = wall.inner_text('[data-counter="1"]')
    assert "A002" in row and "A003" in row                      # serving, on deck
    shot(wall, "display-01-wall")
    # The pause is announced too.
    clerk.post("/api/counters/1/no-show")
    clerk.post("/api/counters/1/pause")
    wall.wait_for_function("window.__plays.some(p => p.src.includes('pause.wav'))")
    wall.context.close()


def test_a_zone_display_shows_its_counters_only(browser, live):
    wall = open_wall(browser, live, "?zone=mobile")
    assert wall.locator('[data-counter="1"]').count() == 0
    assert wall.locator('[data-counter="3"]').count() == 1
    issue(live, "F-NEW")
    live.clerk("1").post("/api/counters/1/call-next")
    time.sleep(0.5)
    assert "A001" not in wall.inner_text("[data-latest-call]")
    wall.context.close()


def test_the_display_is_right_again_after_the_server_is_killed_and_restarted(browser, tmp_path):
    import requests
    from server import HallServer
    server = HallServer(tmp_path / "restart.db").start()
    try:
        kiosk, clerk = requests.Session(), server.session("demo-clerk")
        kiosk.headers.update(server.device_headers())
        for i in range(2):
            kiosk.post(server.url + "/api/tickets", json={"business": "F-NEW", "request_id": f"r{i}"})
        clerk.post(server.url + "/api/counters/1/open")
        clerk.post(server.url + "/api/counters/1/call-next")
        clerk.post(server.url + "/api/counters/1/start")          # A001 came: the next call goes on
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        wall = context.new_page()
        wall.goto(server.url + "/display")
        wall.wait_for_function("document.querySelector('[data-latest-call]').textContent.includes('A001')")
        server.kill()                                          # kill -9
        wall.wait_for_selector('#wall[data-connection="offline"]', timeout=15000)
        assert "A001" in wall.inner_text("[data-latest-call]")   # keeps the last state
        server = HallServer(tmp_path / "restart.db", port=server.port).start()
        clerk = server.session("demo-clerk")
        clerk.post(server.url + "/api/counters/1/call-next")     # the hall moved on meanwhile
        wall.wait_for_selector('#wall[data-connection="online"]', timeout=20000)
        start = time.monotonic()
        wall.wait_for_function(
            "document.querySelector('[data-latest-call]').textContent.includes('A002')", timeout=3000)
        assert time.monotonic() - start < 3
        context.close()
    finally:
        server.stop()


def test_phone_page_follows_the_ticket_to_a_rating(browser, live):
    tickets = [issue(live) for _ in range(3)]
    mine = tickets[2]
    clerk = live.clerk("1")                                      # a window serves the line
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{live.url}/t/{mine['id']}")
    phone.wait_for_selector('#phone[data-connection="online"]')
    phone.wait_for_selector('#phone[data-status="waiting"][data-ahead="2"]')
    assert phone.inner_text(".number") == "A003"
    assert "请准备好您的有效身份证件" in phone.inner_text(".state-card")
    shot(phone, "phone-01-waiting")
    clerk.post("/api/counters/1/call-next")                      # A001 called: A003 is second in line
    phone.wait_for_selector('#phone[data-on-deck="true"]')
    assert "请准备,即将轮到您" in phone.inner_text(".state-card")
    shot(phone, "phone-02-on-deck")
    for _ in range(2):                                           # A001, then A002, served
        clerk.post("/api/counters/1/start")
        clerk.post("/api/counters/1/finish")
        assert clerk.post("/api/counters/1/call-next").status_code == 200
    phone.wait_for_selector('#phone[data-status="called"] [data-counter="1"]')
    assert phone.inner_text("[data-counter]") == "1号窗口"
    assert not phone.is_visible(".recall-text")
    shot(phone, "phone-03-called")
    clerk.post("/api/counters/1/recall")
    phone.wait_for_selector(".recall-text:not([hidden])")
    phone.reload()                                               # a reload still knows it was recalled
    phone.wait_for_selector('#phone[data-status="called"] .recall-text:not([hidden])')
    shot(phone, "phone-03b-recalled")
    # The customer came: 重呼 is over, on the page and above the rating after service.
    clerk.post("/api/counters/1/start")
    phone.wait_for_selector('#phone[data-status="serving"]')
    assert not phone.is_visible(".recall-text")
    clerk.post("/api/counters/1/finish")
    phone.wait_for_selector('#phone[data-status="done"] .rating:not([hidden])')
    assert not phone.is_visible(".recall-text")
    shot(phone, "phone-04-rate")
    phone.fill(".comment", "很耐心")
    phone.click('[data-rating="4"]')
    phone.wait_for_selector(".rated:not([hidden])")
    shot(phone, "phone-04-rated")
    api = live.app.test_client()
    again = api.post(f"/api/tickets/{mine['id']}/rating", json={"score": 1})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    # Someone else's ticket cannot be rated without its token, and a guessed one does not exist.
    assert api.post("/api/tickets/not-a-real-token/rating", json={"score": 1}).status_code == 404
    events = live.hall.events(live.hall.today(), live.hall.today(), ("rated",))
    assert events[-1]["data"]["score"] == 4 and events[-1]["counter"] == "1" and events[-1]["clerk"] == "demo-clerk"
    phone.click('[data-lang="en"]')
    assert "You have rated this service" in phone.inner_text(".rated")
    context.close()


def test_no_show_tells_what_to_do(browser, live):
    t = issue(live)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(f"{live.url}/t/{t['id']}")
    phone.wait_for_selector('#phone[data-connection="online"]')
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/no-show")
    phone.wait_for_selector('#phone[data-status="no_show"] .no-show-text:not([hidden])')
    told = phone.inner_text(".no-show-text")
    # The hall's rule (过号重排), not a flat 过号无效; in English too.
    assert "过号请到导购台重新排队(顺延 3 位,限一次)" in told and "重新取号" in told, told
    shot(phone, "phone-06-no-show-rule")
    phone.click('[data-lang="en"]')
    assert "The guide puts you back in line (after the next 3" in phone.inner_text(".no-show-text")
    phone.click('[data-lang="zh"]')
    # The customer comes back to the guide: back in line, and the phone says where.
    for _ in range(4):
        issue(live)
    guide = live.app.test_client()
    login(guide, "demo-guide")
    assert guide.post(f"/api/tickets/{t['id']}/requeue").status_code == 200
    phone.wait_for_selector('#phone[data-status="waiting"][data-ahead="3"]')
    assert "您前面还有 3 人在等待" in phone.inner_text(".state-card")
    shot(phone, "phone-07-requeued")
    context.close()


def test_counter_screen_and_its_rating_pad(browser, live):
    issue(live)
    context = browser.new_context(viewport={"width": 1280, "height": 480})
    screen = context.new_page()
    live.pair(screen, "counter_screen", "1").goto(f"{live.url}/display/counter/1")
    screen.wait_for_selector('#counter[data-connection="online"]')
    clerk = live.clerk("1")
    clerk.post("/api/counters/1/call-next")
    screen.wait_for_function("document.querySelector('[data-current-ticket]').textContent === 'A001'")
    assert "李晓燕" in screen.inner_text(".cs-clerk") and "D1001" in screen.inner_text(".cs-clerk")
    shot(screen, "counter-01-screen")
    clerk.post("/api/counters/1/finish")
    screen.wait_for_selector('.rating:not([hidden]) [data-rating="3"]')
    shot(screen, "counter-02-rating")
    screen.click('[data-rating="3"]')
    screen.wait_for_selector(".thanks:not([hidden])")
    events = live.hall.events(live.hall.today(), live.hall.today(), ("rated",))
    assert events[-1]["data"]["score"] == 3 and events[-1]["number"] == "A001"
    # "Done, next" in one press (the call pad's way): the pad stays for the customer who left.
    issue(live)
    issue(live)
    clerk.post("/api/counters/1/call-next")
    called = time.monotonic()
    screen.wait_for_function("document.querySelector('[data-current-ticket]').textContent === 'A002'")
    screen.wait_for_selector(".rating", state="hidden")
    clerk.post("/api/counters/1/start")                          # A002 came and was served
    time.sleep(max(0.0, called + live.hall.config.routing.repeat_call_s + 0.2 - time.monotonic()))
    assert clerk.post("/api/counters/1/call-next").status_code == 200
    screen.wait_for_function("document.querySelector('[data-current-ticket]').textContent === 'A003'")
    screen.wait_for_selector('.rating:not([hidden]) [data-rating="4"]')
    screen.click('[data-rating="4"]')
    screen.wait_for_selector(".thanks:not([hidden])")
    events = live.hall.events(live.hall.today(), live.hall.today(), ("rated",))
    assert events[-1]["data"]["score"] == 4 and events[-1]["number"] == "A002"
    clerk.post("/api/counters/1/finish")
    clerk.post("/api/counters/1/pause")
    screen.wait_for_selector('#counter[data-state="paused"]')
    assert screen.is_visible(".cs-paused")
    context.close()


def test_an_unknown_ticket_link_says_so_in_words(browser, live):
    r = live.app.test_client().get("/t/not-a-real-token")
    assert r.status_code == 404 and r.mimetype == "text/html"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    answer = phone.goto(f"{live.url}/t/not-a-real-token")
    assert answer.status == 404
    text = phone.inner_text("body")
    assert "没有找到这张号票" in text and "导购" in text and "重新取号" in text
    assert "{" not in text and "unknown_ticket" not in text          # no JSON, no codes
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    shot(phone, "phone-05-unknown-ticket")
    phone.click('[data-lang="en"]')
    text = phone.inner_text("body")
    assert "could not find this ticket" in text and "floor guide" in text
    assert phone.evaluate("document.documentElement.lang") == "en"
    context.close()


def test_the_phone_shows_the_managers_emergency_message_live(browser, live):
    t = issue(live)
    live.clerk("1")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{live.url}/t/{t['id']}")
    phone.wait_for_selector('#phone[data-connection="online"][data-status="waiting"]')
    assert not phone.is_visible(".hall-notice")
    manager = live.app.test_client()
    assert manager.post("/api/login", json={"username": "demo-manager", "password": "demo"}).status_code == 200
    message = "系统故障,暂停取号,已取号的顾客请继续等候"
    assert manager.post("/api/hall/issuing", json={"mode": "paused", "message": message}).status_code == 200
    phone.wait_for_selector(".hall-notice:not([hidden])")
    assert message in phone.inner_text(".hall-notice")
    box = phone.locator(".hall-notice").bounding_box()
    assert box["y"] < 844 / 2                                    # at the top, seen without scrolling
    shot(phone, "phone-06-emergency")
    # A phone opened during the emergency shows it from the start (hall_state).
    late = context.new_page()
    late.goto(f"{live.url}/t/{t['id']}")
    late.wait_for_selector(".hall-notice:not([hidden])")
    assert message in late.inner_text(".hall-notice")
    # Back to normal: gone, live, on both.
    assert manager.post("/api/hall/issuing", json={"mode": "normal"}).status_code == 200
    phone.wait_for_selector(".hall-notice", state="hidden")
    late.wait_for_selector(".hall-notice", state="hidden")
    assert message not in phone.inner_text("body")
    context.close()
