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
    page.goto(f"{live.url}/kiosk?k=k1")
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
    assert ticket_number(kiosk) == "G001"
    kiosk.wait_for_selector(".existing-note:not([hidden])")


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
    page.goto(f"{live.url}/kiosk?k=k1")
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


def test_limited_issuing_shows_the_message_and_only_what_is_open(kiosk, live):
    publish = live.app.extensions["hall"].publisher.publish
    publish(live.hall.set_issuing("limited", "系统升级中,仅办理充值业务", ["M-TOPUP"])[1])
    kiosk.wait_for_selector(".notice:not([hidden])")
    assert "仅办理充值业务" in kiosk.inner_text(".notice")
    assert kiosk.is_enabled('[data-business="M-TOPUP"]')
    assert not kiosk.is_enabled('[data-business="F-NEW"]')
    shot(kiosk, "kiosk-10-limited")
    publish(live.hall.set_issuing("paused", "暂停取号,请稍候")[1])
    kiosk.wait_for_selector('#kiosk[data-screen="paused"]')
    assert "暂停取号,请稍候" in kiosk.inner_text('[data-screen="paused"]')


def test_business_buttons_follow_the_queue_live(kiosk, live):
    """Tickets taken elsewhere (another kiosk, a clerk's call) change the counts on the buttons
    without a reload: the kiosk asked for the "estimates" topic."""
    button = '[data-business="M-BILL"] .queue'
    kiosk.wait_for_function(f"document.querySelector('{button}').textContent.startsWith('0人等待')")
    api = live.app.test_client()
    for i in range(2):
        assert api.post("/api/tickets", json={"business": "M-BILL", "request_id": f"live-{i}"}).status_code == 201
    kiosk.wait_for_function(f"document.querySelector('{button}').textContent.startsWith('2人等待')",
                            timeout=5000)
    live.clerk("2").post("/api/counters/2/call-next")
    kiosk.wait_for_function(f"document.querySelector('{button}').textContent.startsWith('1人等待')",
                            timeout=5000)


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
    page.goto(f"{live.url}/kiosk?k=k1")
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
