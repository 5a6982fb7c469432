"""The kiosk in a real browser (Playwright + Debian's chromium) against a live hall with the mock
printer and reader."""
from __future__ import annotations

import os
import time

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, LiveHall, shot

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


@pytest.fixture
def kiosk(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')
    yield page
    context.close()


def ticket_number(page) -> str:
    page.wait_for_function("document.querySelector('[data-ticket-number]').textContent.match(/^[A-Z]\\d{3}$/)")
    return page.inner_text("[data-ticket-number]")


def test_welcome_shows_every_business_on_one_screen(kiosk, live):
    shot(kiosk, "kiosk-01-welcome")
    buttons = kiosk.locator("[data-business]")
    assert buttons.count() == 18
    for i in range(18):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 64 and box["y"] + box["height"] <= 1080
    assert kiosk.evaluate("document.documentElement.scrollHeight") <= 1080
    assert "您好,请问有什么可以帮您?" in kiosk.inner_text("h1")
    kiosk.set_viewport_size({"width": 1080, "height": 1920})
    for i in range(18):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 64 and box["y"] + box["height"] <= 1920
    shot(kiosk, "kiosk-01b-welcome-portrait")


def test_self_service_path_then_counter_ticket_prints(kiosk, live):
    kiosk.click('[data-business="M-TOPUP"]')
    kiosk.wait_for_selector('[data-screen="self"]:not([hidden])')
    shot(kiosk, "kiosk-02-self-service")
    kiosk.click('[data-answer="counter-ticket"]')
    assert ticket_number(kiosk) == "M001"
    kiosk.wait_for_selector('.ticket[data-printed="true"]')
    shot(kiosk, "kiosk-03-ticket-printed")
    paper = live.mocks["printer:k1"].wait_for_tickets(1)
    assert "M001" in [line.text for line in paper[0].lines]


def test_self_service_help_reaches_the_guide(kiosk, live):
    guide = live.staff_socket("demo-guide")
    guide.get_received()
    kiosk.click('[data-business="M-BILL"]')
    kiosk.click('[data-answer="help"]')
    kiosk.wait_for_selector('[data-screen="help"]:not([hidden])')
    deadline = time.monotonic() + 5
    got = []
    while time.monotonic() < deadline and not got:
        got = [m["args"][0] for m in guide.get_received() if m["name"] == "help_requested"]
        time.sleep(0.05)
    assert got and got[0]["kiosk"] == "k1" and got[0]["business"] == "M-BILL"


def test_id_path_with_a_seniors_card_gives_priority(kiosk, live):
    live.mocks["idcard:k1"].place(0)                     # 张三, 68
    kiosk.click('[data-business="M-NEW"]')
    kiosk.wait_for_selector('[data-screen="id"]:not([hidden])')
    shot(kiosk, "kiosk-04-id-question")
    kiosk.click('[data-answer="id-yes"]')
    number = ticket_number(kiosk)
    assert number == "G001"
    kiosk.wait_for_selector(".priority-note:not([hidden])")
    age = live.hall.config.hall.senior_age                # the hall's rule, not a number in a script
    assert f"年满{age}岁" in kiosk.inner_text(".priority-note")
    assert "张*" in kiosk.inner_text(".hello")
    shot(kiosk, "kiosk-05-senior-ticket")
    ticket_id = kiosk.evaluate("window.hallKiosk.state.ticket.id")
    assert live.app.test_client().get(f"/api/tickets/{ticket_id}").get_json()["priority"] == "senior"
    # The same person again for the same business: the same ticket, not a second one.
    kiosk.click('[data-answer="done"]')
    kiosk.click('[data-business="M-NEW"]')
    kiosk.click('[data-answer="id-yes"]')
    # The screen still holds the first G001 until the answer comes: wait for what the answer says.
    kiosk.wait_for_selector(".existing-note:not([hidden])")
    assert ticket_number(kiosk) == "G001"


def test_waiting_for_a_card_times_out_with_retry(kiosk, live):
    kiosk.click('[data-business="F-NEW"]')
    kiosk.click('[data-answer="id-yes"]')
    kiosk.wait_for_selector('[data-screen="read"]:not([hidden])')
    shot(kiosk, "kiosk-06-reading")
    live.mocks["idcard:k1"].place(1)
    live.mocks["idcard:k1"].inject("badsum", on="read")
    kiosk.wait_for_selector('[data-answer="retry"]:not([hidden])', timeout=10000)
    assert "读取失败" in kiosk.inner_text(".read-message")
    kiosk.click('[data-answer="retry"]')
    assert ticket_number(kiosk) == "A001"


def test_no_id_path_explains_and_offers_other_ways(kiosk, live):
    kiosk.click('[data-business="F-NEW"]')
    kiosk.click('[data-answer="id-no"]')
    kiosk.wait_for_selector('[data-screen="noid"]:not([hidden])')
    text = kiosk.inner_text('[data-screen="noid"]')
    assert "没有有效证件无法办理" in text and "实名制" in text and "带上证件后再来" in text
    assert "10099" in text and "微信公众号" in text and "自助服务区" in text
    shot(kiosk, "kiosk-07-no-id")
    assert kiosk.inner_text('[data-alt-business="F-RENEW"]') == "固网业务 · 续费"
    kiosk.click('[data-alt-business="F-RENEW"]')
    assert ticket_number(kiosk) == "C001"


def test_paper_out_shows_the_ticket_on_screen_and_alerts_the_guide(kiosk, live):
    guide = live.staff_socket("demo-guide")
    live.mocks["printer:k1"].set_state(paper="out")
    kiosk.click('[data-business="M-RENEW"]')
    kiosk.click('[data-answer="counter-ticket"]')
    assert ticket_number(kiosk) == "N001"
    kiosk.wait_for_selector('.ticket[data-printed="false"]')
    kiosk.wait_for_selector(".qr img:not([hidden])")
    # The QR picture really loads (shown first, decoded a moment later on a busy machine).
    kiosk.wait_for_function("(() => { const img = document.querySelector('.qr img');"
                            " return img.complete && img.naturalWidth > 0; })()", timeout=10000)
    shot(kiosk, "kiosk-08-not-printed")
    deadline = time.monotonic() + 5
    alerts = []
    while time.monotonic() < deadline and not alerts:
        alerts = [m["args"][0] for m in guide.get_received()
                  if m["name"] == "device_status" and m["args"][0]["state"] == "paper_out"]
        time.sleep(0.05)
    assert alerts and alerts[0]["kiosk"] == "k1"


def test_double_tap_and_network_retry_give_one_ticket(kiosk, live):
    kiosk.click('[data-business="M-INVOICE"]')
    kiosk.dblclick('[data-answer="counter-ticket"]')
    first = ticket_number(kiosk)
    kiosk.click('[data-answer="done"]')
    # A lost answer: the server issues, the kiosk never hears it, retries with the same request_id.
    lost = {"n": 0}

    def drop_first_answer(route):
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()
            route.abort()
        else:
            route.continue_()
    kiosk.route("**/api/tickets", drop_first_answer)
    kiosk.click('[data-business="M-INVOICE"]')
    kiosk.click('[data-answer="counter-ticket"]')
    second = ticket_number(kiosk)
    assert (first, second) == ("Q001", "Q002")
    assert live.hall.waiting_counts()["M-INVOICE"] == 2


def test_english_toggle(kiosk):
    kiosk.click('[data-lang="en"]')
    assert kiosk.inner_text("h1") == "Hello, how can we help you?"
    assert "Top-up cards" in kiosk.inner_text('[data-business="M-TOPUP"]')
    shot(kiosk, "kiosk-09-english")
    kiosk.click('[data-business="M-NEW"]')
    assert "Do you have your ID card with you?" in kiosk.inner_text('[data-screen="id"]')
    kiosk.click('[data-lang="zh"]')
    assert "请问您带了身份证吗?" in kiosk.inner_text('[data-screen="id"]')


def test_idle_returns_to_welcome(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.clock.install()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')
    page.click('[data-business="F-NEW"]')
    page.click('[data-answer="id-no"]')
    assert page.get_attribute("#kiosk", "data-screen") == "noid"
    page.clock.run_for(31_000)
    page.wait_for_selector('#kiosk[data-screen="welcome"]')
    assert live.hall.waiting_counts()["F-NEW"] == 0           # nothing half-done left behind
    context.close()


def test_the_kiosk_says_when_it_is_offline(kiosk, live):
    kiosk.context.set_offline(True)
    kiosk.wait_for_selector('#kiosk[data-connection="offline"]', timeout=30000)
    assert kiosk.is_visible(".offline-banner")
    kiosk.context.set_offline(False)
    kiosk.wait_for_selector('#kiosk[data-connection="online"]', timeout=30000)


def test_emergency_mode_is_followed_live_both_ways(kiosk, live):
    """The manager limits, pauses and reopens issuing: an open kiosk follows every step without a
    reload, and back to normal leaves no banner and no disabled button behind."""
    publish = live.app.extensions["hall"].publisher.publish
    publish(live.hall.set_issuing("limited", "系统升级中,仅办理充值业务", ["M-TOPUP"])[1])
    kiosk.wait_for_selector('#kiosk[data-issuing="limited"] .notice.emergency:not([hidden])')
    assert "仅办理充值业务" in kiosk.inner_text(".notice")
    assert kiosk.is_enabled('[data-business="M-TOPUP"]')
    assert not kiosk.is_enabled('[data-business="F-NEW"]')
    assert kiosk.inner_text('[data-business="F-NEW"] .queue') == "暂停取号"
    shot(kiosk, "kiosk-10-limited")
    publish(live.hall.set_issuing("paused", "暂停取号,请稍候")[1])
    kiosk.wait_for_selector('#kiosk[data-screen="paused"]')
    assert "暂停取号,请稍候" in kiosk.inner_text('[data-screen="paused"]')
    assert kiosk.is_visible('.screen[data-screen="paused"] [data-answer="help"]')
    publish(live.hall.set_issuing("normal")[1])
    kiosk.wait_for_selector('#kiosk[data-issuing="normal"][data-screen="welcome"]')
    kiosk.wait_for_selector(".notice", state="hidden")
    assert all(kiosk.is_enabled(f'[data-business="{b.code}"]') for b in live.hall.config.businesses)
    shot(kiosk, "kiosk-10b-back-to-normal")
    # A kiosk opened during the emergency gets it from hall_state, and loses it just as live.
    publish(live.hall.set_issuing("limited", "仅办理充值业务", ["M-TOPUP"])[1])
    kiosk.reload()
    kiosk.wait_for_selector('#kiosk[data-issuing="limited"] .notice:not([hidden])')
    publish(live.hall.set_issuing("normal")[1])
    kiosk.wait_for_selector(".notice", state="hidden")
    assert kiosk.is_enabled('[data-business="F-NEW"]')


QUEUE = "document.querySelector('[data-business=\"M-BILL\"] .queue').textContent"


def test_business_buttons_follow_the_queue_live(kiosk, live):
    """Tickets taken elsewhere (another kiosk, a clerk's call) change the buttons without a
    reload: people ahead from `ahead`, the time from `estimated_wait_s`."""
    clerk = live.clerk("2")                                # a window that serves M-BILL
    api = live.kiosk("k2")                                 # the other kiosk
    for i in range(2):
        assert api.post("/api/tickets", json={"business": "M-BILL", "request_id": f"live-{i}"}).status_code == 201
    kiosk.wait_for_function(f"{QUEUE}.startsWith('前面2人 · 约')", timeout=5000)
    clerk.post("/api/counters/2/call-next")
    kiosk.wait_for_function(f"{QUEUE}.startsWith('前面1人 · 约')", timeout=5000)


def test_estimates_are_said_honestly(kiosk, live):
    """null: no open window serves the business; a wait with nobody ahead is a busy window; no
    wait only when nobody is ahead and a window is free."""
    from web.publisher import ESTIMATES_ROOM
    sio = live.app.extensions["hall"].socketio
    kiosk.wait_for_function("Object.keys(window.hallKiosk.state.estimates).length > 0")

    def send(**estimates):
        sio.emit("estimates_changed", {"estimates": estimates}, to=ESTIMATES_ROOM)

    send(**{"M-BILL": {"waiting": 3, "ahead": 3, "estimated_wait_s": None},
            "F-NEW": {"waiting": 0, "ahead": 0, "estimated_wait_s": 360},
            "M-NEW": {"waiting": 0, "ahead": 0, "estimated_wait_s": 0},
            "M-SIM": {"waiting": 1, "ahead": 2, "estimated_wait_s": 540}})
    kiosk.wait_for_function(f"{QUEUE} === '暂无窗口办理此业务'", timeout=5000)
    assert kiosk.inner_text('[data-business="F-NEW"] .queue') == "前面0人 · 窗口忙碌中,约6分钟"
    assert kiosk.inner_text('[data-business="M-NEW"] .queue') == "无需等待"
    assert kiosk.inner_text('[data-business="M-SIM"] .queue') == "前面2人 · 约9分钟"
    shot(kiosk, "kiosk-13-estimates")
    kiosk.click('[data-lang="en"]')
    assert kiosk.inner_text('[data-business="M-BILL"] .queue') == "No window serves this now"
    assert kiosk.inner_text('[data-business="F-NEW"] .queue') == "0 ahead · windows busy, about 6 min"


def test_a_refusal_is_said_in_the_customers_language(kiosk, live):
    """The manager limits issuing while an English-speaking customer is on the self-service
    screen: the counter ticket is refused in English, and the kiosk starts over."""
    kiosk.click('[data-lang="en"]')
    kiosk.click('[data-business="M-TOPUP"]')
    kiosk.wait_for_selector('[data-screen="self"]:not([hidden])')
    live.hall.set_issuing("limited", "", ["F-NEW"])        # not published: the kiosk has not heard
    kiosk.click('[data-answer="counter-ticket"]')
    kiosk.wait_for_selector(".notice:not([hidden])")
    assert kiosk.inner_text(".notice") == "Tickets for this service are paused; please ask a guide"
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    assert live.hall.waiting_counts()["M-TOPUP"] == 0


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_no_step_needs_scrolling(browser, live, size):
    """Every screen of every path fits the kiosk's screen, in both languages."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')

    def fits(step):
        for lang in ("zh", "en"):
            page.click(f'[data-lang="{lang}"]')
            height = page.evaluate("document.documentElement.scrollHeight")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert height <= size[1] and width <= size[0], (step, lang, width, height)
        page.click('[data-lang="zh"]')

    fits("welcome")
    page.click('[data-business="M-TOPUP"]')
    page.wait_for_selector('[data-screen="self"]:not([hidden])')
    fits("self-service")
    page.click('[data-answer="back"]:visible')
    page.click('[data-business="M-NEW"]')
    page.wait_for_selector('[data-screen="id"]:not([hidden])')
    fits("id question")
    page.click('[data-answer="id-no"]')
    page.wait_for_selector('[data-screen="noid"]:not([hidden])')
    fits("no id")
    page.click('[data-answer="back"]:visible')
    page.click('[data-business="M-NEW"]')
    page.click('[data-answer="id-yes"]')
    page.wait_for_selector('[data-screen="read"]:not([hidden])')
    fits("reading")
    live.mocks["idcard:k1"].place(0)
    ticket_number(page)
    page.wait_for_selector(".priority-note:not([hidden])")
    fits("senior ticket")
    shot(page, f"kiosk-12-ticket-{size[0]}x{size[1]}")
    context.close()


# --- issue 14: taps, paper, the same card, language, the server gone, opening hours ------------

SETTLED = "!document.getElementById('kiosk').classList.contains('settling')"


def centre(page, selector):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("gap_s", [0.15, 0.35, 0.6])
def test_a_second_tap_never_lands_on_done(kiosk, live, gap_s):
    """Two taps 150–600 ms apart on 仍要取窗口号: the second lands where 完成 comes up, and
    does nothing; the number stays on screen to be seen."""
    kiosk.click('[data-business="M-TOPUP"]')
    kiosk.wait_for_selector('[data-screen="self"]:not([hidden])')
    kiosk.wait_for_function(SETTLED)
    x, y = centre(kiosk, '[data-answer="counter-ticket"]')
    kiosk.mouse.click(x, y)
    time.sleep(gap_s)
    kiosk.mouse.click(x, y)                       # where 完成 is (or was about to be)
    number = ticket_number(kiosk)
    kiosk.wait_for_selector('[data-answer="done"]:visible')
    done_x, done_y = centre(kiosk, '[data-answer="done"]')
    assert abs(done_x - x) < 300 and abs(done_y - y) < 100      # the second tap was on 完成's spot
    time.sleep(0.3)
    assert kiosk.get_attribute("#kiosk", "data-screen") == "ticket"
    assert kiosk.inner_text("[data-ticket-number]") == number == "M001"
    kiosk.click('[data-answer="done"]')           # once it has been seen, 完成 works
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    assert live.hall.waiting_counts()["M-TOPUP"] == 1


def test_a_tap_held_across_a_screen_change_does_nothing(kiosk, live):
    """A finger that came down on the welcome screen and lifts on the next one hits nothing."""
    kiosk.click('[data-business="F-NEW"]')
    kiosk.wait_for_selector('[data-screen="id"]:not([hidden])')
    kiosk.wait_for_function(SETTLED)
    x, y = centre(kiosk, '[data-answer="id-no"]')
    kiosk.mouse.move(x, y)
    kiosk.mouse.down()
    kiosk.evaluate("document.querySelector('.screen[data-screen=\"id\"] [data-answer=\"back\"]').click()")
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    kiosk.wait_for_function(SETTLED)
    kiosk.mouse.up()
    assert kiosk.get_attribute("#kiosk", "data-screen") == "welcome"


def test_an_unprinted_ticket_stays_on_screen_until_touched(browser, live):
    live.mocks["printer:k1"].set_state(paper="out")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.clock.install()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')
    idle_s = page.evaluate("window.Hall.CFG.idle_s")
    page.click('[data-business="M-RENEW"]')
    page.click('[data-answer="counter-ticket"]')
    assert ticket_number(page) == "N001"
    page.wait_for_selector('.ticket[data-printed="false"]')
    page.clock.run_for((idle_s * 3 + 5) * 1000)               # long past the idle reset
    assert page.get_attribute("#kiosk", "data-screen") == "ticket"
    assert page.inner_text("[data-ticket-number]") == "N001"
    assert "无法打印" in page.inner_text(".print-state")
    page.click('[data-answer="done"]')                         # the customer's touch takes it away
    page.wait_for_selector('#kiosk[data-screen="welcome"]')
    context.close()


def test_the_same_card_twice_says_the_truth_and_prints_again(kiosk, live):
    printer = live.mocks["printer:k1"]
    live.mocks["idcard:k1"].place(1)
    kiosk.click('[data-business="M-NEW"]')
    kiosk.click('[data-answer="id-yes"]')
    assert ticket_number(kiosk) == "G001"
    kiosk.wait_for_selector('.ticket[data-printed="true"]')
    assert len(printer.wait_for_tickets(1)) == 1
    issued_at = kiosk.evaluate("window.hallKiosk.state.ticket.issued_at")
    kiosk.click('[data-answer="done"]')
    kiosk.click('[data-business="M-NEW"]')
    kiosk.click('[data-answer="id-yes"]')
    assert ticket_number(kiosk) == "G001"
    kiosk.wait_for_selector('.ticket[data-printed="false"] .existing-note:not([hidden])')
    assert kiosk.inner_text(".existing-note") == f"您已取过号 G001,号票已于 {issued_at[11:16]} 打印"
    assert "这次没有打印新的号票" in kiosk.inner_text(".print-state")
    assert "请取走您的号票" not in kiosk.inner_text('[data-screen="ticket"]')
    time.sleep(0.5)
    assert len(printer.tickets) == 1                          # nothing printed this time
    shot(kiosk, "kiosk-14-same-card-again")
    kiosk.click('[data-answer="reprint"]')
    kiosk.wait_for_selector('.ticket[data-printed="true"]')
    assert kiosk.inner_text(".print-state") == "已重新打印,请取走您的号票"
    again = printer.wait_for_tickets(2)
    assert "G001" in [line.text for line in again[1].lines]
    assert kiosk.is_hidden('[data-answer="reprint"]')
    shot(kiosk, "kiosk-15-reprinted")
    assert live.hall.waiting_counts()["M-NEW"] == 1           # a reprint is not a ticket
    # Once a minute: the API refuses a second reprint at once.
    ticket_id = kiosk.evaluate("window.hallKiosk.state.ticket.id")
    r = live.kiosk().post(f"/api/tickets/{ticket_id}/print", json={"kiosk": "k1"})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "reprint_too_soon"
    assert len(printer.tickets) == 2


def test_the_next_customer_is_greeted_in_chinese(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.clock.install()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')
    idle_s = page.evaluate("window.Hall.CFG.idle_s")
    page.click('[data-lang="en"]')
    assert page.inner_text(".hall") == live.hall.config.hall.name_en
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click('[data-business="F-NEW"]')
    page.wait_for_selector('[data-screen="id"]:not([hidden])')
    shot(page, "kiosk-16-english-id")
    page.clock.run_for((idle_s + 2) * 1000)
    page.wait_for_selector('#kiosk[data-screen="welcome"]')
    assert page.inner_text("h1") == "您好,请问有什么可以帮您?"
    assert page.inner_text(".hall") == live.hall.config.hall.name
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    # English left on the welcome screen goes back to Chinese too.
    page.click('[data-lang="en"]')
    page.clock.run_for((idle_s + 2) * 1000)
    page.wait_for_function("document.querySelector('h1').textContent === '您好,请问有什么可以帮您?'")
    # A reload starts in Chinese, and the kiosk leaves no language cookie behind.
    page.click('[data-lang="en"]')
    assert "hall_lang" not in page.evaluate("document.cookie")
    page.reload()
    page.wait_for_selector('#kiosk[data-connection="online"]')
    assert page.inner_text("h1") == "您好,请问有什么可以帮您?"
    context.close()
    # A staff page's choice still sticks: the cookie, set by another page, is not the kiosk's.
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_cookies([{"name": "hall_lang", "value": "en", "url": live.url}])
    page = context.new_page()
    live.pair(page, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"]')
    assert page.inner_text("h1") == "您好,请问有什么可以帮您?"
    context.close()


def test_a_lost_server_fails_fast_and_offers_the_guide(kiosk, live):
    # Answers lost on the way (the server issues, the kiosk never hears): it gives up within the
    # timeout, says so, and 重试 sends the same request: still one ticket.
    seen = {"n": 0}

    def lose_answer(route):
        seen["n"] += 1
        try:
            route.fetch(timeout=2000)
            route.abort()
        except Exception:  # noqa: BLE001 - the kiosk gave up on it first
            pass
    kiosk.route("**/api/tickets", lose_answer)
    kiosk.click('[data-business="M-INVOICE"]')
    kiosk.wait_for_selector('[data-screen="self"]:not([hidden])')
    kiosk.wait_for_function(SETTLED)
    started = time.monotonic()
    kiosk.click('[data-answer="counter-ticket"]')
    kiosk.wait_for_selector('#kiosk[data-screen="error"]', timeout=6000)
    assert time.monotonic() - started < 4
    assert kiosk.inner_text(".error-message") == "系统连接中断,请稍候或咨询导购"
    assert kiosk.is_visible('.screen[data-screen="error"] [data-answer="help"]')
    shot(kiosk, "kiosk-17-connection-lost")
    kiosk.unroute("**/api/tickets")
    kiosk.click('[data-answer="retry-issue"]')
    assert ticket_number(kiosk) == "Q001"
    assert seen["n"] >= 2 and live.hall.waiting_counts()["M-INVOICE"] == 1
    kiosk.click('[data-answer="done"]')
    # The server down: the kiosk knows from its socket and says so at the first tap.
    live.stop_server()
    kiosk.wait_for_selector('#kiosk[data-connection="offline"]', timeout=10000)
    started = time.monotonic()
    kiosk.click('[data-business="F-RENEW"]')
    kiosk.wait_for_selector('#kiosk[data-screen="error"]', timeout=4000)
    assert time.monotonic() - started < 4
    assert kiosk.is_visible('.screen[data-screen="error"] [data-answer="help"]')
    kiosk.click('.screen[data-screen="error"] [data-answer="help"]')   # the guide cannot be reached: said
    kiosk.wait_for_selector('#kiosk[data-screen="help"]', timeout=5000)
    assert "无法呼叫导购" in kiosk.inner_text(".help-message")
    live.restart_server()
    kiosk.wait_for_selector('#kiosk[data-connection="online"]', timeout=15000)
    kiosk.click('[data-answer="help-back"]')
    kiosk.click('.screen[data-screen="error"] [data-answer="retry-issue"]')
    assert ticket_number(kiosk) == "C001"


def test_the_guide_can_be_called_from_every_screen(kiosk, live):
    def helpable(screen):
        kiosk.wait_for_selector(f'#kiosk[data-screen="{screen}"]')
        assert kiosk.locator(f'.screen[data-screen="{screen}"] [data-answer="help"]:visible, header [data-answer="help"]:visible').count() >= 1, screen
    helpable("welcome")
    kiosk.click('[data-business="F-NEW"]')
    helpable("id")
    assert kiosk.is_visible('header [data-answer="help"]')
    kiosk.click('[data-answer="id-no"]')
    helpable("noid")
    assert kiosk.is_visible('.screen[data-screen="noid"] [data-answer="help"]')
    kiosk.click('.screen[data-screen="noid"] [data-answer="back"]')
    kiosk.click('[data-business="F-NEW"]')
    kiosk.click('[data-answer="id-yes"]')
    helpable("read")
    assert kiosk.is_visible('.screen[data-screen="read"] [data-answer="help"]')
    kiosk.click('.screen[data-screen="read"] [data-answer="help"]')
    kiosk.wait_for_selector('#kiosk[data-screen="help"]')
    assert "已通知导购" in kiosk.inner_text(".help-message")
    kiosk.click('[data-answer="help-back"]')                    # back where the customer was
    kiosk.wait_for_selector('#kiosk[data-screen="read"]')
    live.mocks["idcard:k1"].place(1)
    assert ticket_number(kiosk) == "A001"


@pytest.fixture
def night(tmp_path):
    """A hall that is not the demo, on a Wednesday night at 23:24."""
    from core.clock import ManualClock
    from datetime import datetime
    from zoneinfo import ZoneInfo
    clock = ManualClock(datetime(2026, 11, 25, 23, 24, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    hall = LiveHall(tmp_path, clock=clock)
    hall.hall.always_open = False               # what create_app(demo=False) does
    yield hall
    hall.close()


def at(d, hh, mm, ss=0):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime(2026, 11, d, hh, mm, ss, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def test_the_closed_hall_says_when_it_opens_and_switches_live(browser, night):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.clock.install()
    night.pair(page, "kiosk", "k1").goto(f"{night.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"][data-screen="closed"]')
    assert page.inner_text("[data-hours-message]") == "本厅营业时间 09:00–18:00,将于 明天 09:00 开始取号"
    assert page.is_visible('.screen[data-screen="closed"] [data-answer="help"]')
    assert not page.is_visible('[data-business="F-NEW"]')
    assert page.is_hidden(".demo-line")
    shot(page, "kiosk-18-closed")
    page.click('[data-lang="en"]')
    assert page.inner_text("[data-hours-message]") == "Opening hours 09:00–18:00. Tickets from tomorrow at 09:00"
    page.click('[data-lang="zh"]')
    r = night.kiosk().post("/api/tickets", json={"business": "F-NEW", "request_id": "n1", "kiosk": "k1"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "hall_closed"
    # The morning: the kiosk opens by itself at 09:00.
    night.clock.set(at(26, 9, 0, 1))
    page.clock.fast_forward("09:37:00")
    page.wait_for_selector('#kiosk[data-screen="welcome"]', timeout=10000)
    assert night.hall.waiting_counts()["F-NEW"] == 0
    # (Nine hours at once drop the socket's heartbeat: it reconnects, as after a night.)
    page.wait_for_selector('#kiosk[data-connection="online"]', timeout=15000)
    page.click('[data-business="F-RENEW"]')
    page.click('[data-answer="counter-ticket"]')
    assert ticket_number(page) == "C001"
    page.click('[data-answer="done"]')
    context.close()
    # The evening: an open kiosk closes by itself at 18:00, mid-customer or not.
    night.clock.set(at(26, 17, 59, 57))
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    night.pair(page, "kiosk", "k1").goto(f"{night.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"][data-screen="welcome"]')
    night.clock.set(at(26, 18, 0, 1))
    page.wait_for_selector('#kiosk[data-screen="closed"]', timeout=8000)
    assert page.inner_text("[data-hours-message]") == "本厅营业时间 09:00–18:00,将于 明天 09:00 开始取号"
    context.close()


def test_a_ticket_refused_at_closing_shows_the_closed_screen(browser, night):
    """The hall closes while a customer is on the self-service screen: the refusal is said in the
    kiosk's words and the kiosk shows when it opens."""
    night.clock.set(at(26, 17, 0))
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    night.pair(page, "kiosk", "k1").goto(f"{night.url}/kiosk?k=k1")
    page.wait_for_selector('#kiosk[data-connection="online"][data-screen="welcome"]')
    page.click('[data-business="M-TOPUP"]')
    page.wait_for_selector('[data-screen="self"]:not([hidden])')
    night.clock.set(at(26, 18, 0, 1))              # the page still believes it is 17:00
    page.click('[data-answer="counter-ticket"]')
    page.wait_for_selector('#kiosk[data-screen="closed"]', timeout=6000)
    assert "不能取号" in page.inner_text(".notice")
    page.wait_for_function("document.querySelector('[data-hours-message]').textContent.includes('明天 09:00')")
    assert night.hall.waiting_counts()["M-TOPUP"] == 0
    context.close()


def test_the_demo_says_it_is_open_around_the_clock(kiosk):
    assert kiosk.inner_text(".demo-line") == "演示模式:全天开放"
    assert kiosk.get_attribute("#kiosk", "data-hours") == "always"
