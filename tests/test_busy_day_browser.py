"""A busy stretch of a day through the real pages in chromium, as the hall lives it: six clerks at
six windows, forty customers (some at the kiosk's touch screen, one in English, the rest at the
door's second kiosk), calls from every window with a double press and a no-show undone, the wall
display at three sizes, the guide's tablet, the manager's page, phones following their tickets, a
printer running out of paper and an emergency drill. Every check is what a person there would see.
"""
from __future__ import annotations

import os
import uuid

import pytest

from browser import CHROMIUM, LiveHall, shot, sign_in
from wall_checks import GEOMETRY, assert_board_whole, assert_gate_over_nothing

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")

SIZES = [(1920, 1080), (1366, 768), (3840, 2160)]
CLERKS = [("zhang", "张伟"), ("wang", "王静"), ("li", "李娜"), ("zhao", "赵强"), ("chen", "陈敏"), ("liu", "刘洋")]
# Businesses that need no required key moment (start → finish → next goes straight through),
# together reaching every window; the kiosk's customers take those that need no ID card.
MIX = ["F-NEW", "F-CHANGE", "M-PLAN", "M-SERVICE", "M-TOPUP", "M-QUERY", "F-QUERY", "M-BILL",
       "F-RENEW", "M-RENEW"]
DRILL = "系统故障演练:暂停取号,已取号的顾客请继续等候"


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    accounts = hall.app.extensions["hall"].accounts
    for username, name in CLERKS:
        accounts.add(username, "clerk", "demo", allow_short=True, display_name=name)
    yield hall
    hall.close()


def issue(live, business, kiosk=None):
    body = {"business": business, "request_id": uuid.uuid4().hex}
    if kiosk:
        body["kiosk"] = kiosk
    r = live.kiosk(kiosk or "k1").post("/api/tickets", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def board(page):
    """The wall's rows as the customer reads them: window → (serving, 请准备, 下一位)."""
    return {row["id"]: row["cells"] for row in page.evaluate(GEOMETRY)["rows"]}


def current(page, number):
    page.wait_for_function(
        "n => document.querySelector('[data-current-ticket]').textContent === n", arg=number, timeout=15000)


def serve_one(page, live, counter):
    """The clerk's round at the window: the customer called comes, is served, goes (start, finish
    by the buttons), and the next is called with F1."""
    state = live.hall.counters()[counter]
    if state.current_ticket:
        status = live.hall.ticket(state.current_ticket).status
        if status == "called":
            page.click('[data-action="start"]')
            page.wait_for_selector('#desk[data-ticket-status="serving"]')
        page.click('[data-action="finish"]')
        page.wait_for_selector('#desk[data-ticket-status="none"]')
    page.keyboard.press("F1")
    page.wait_for_function("() => document.querySelector('#desk').dataset.ticketStatus !== 'none'"
                           " || document.querySelector('.error:not([hidden])')")


@pytest.mark.serial       # times itself against the clock: alone on the machine (pytest.ini)
def test_a_busy_stretch_through_every_page(browser, live):
    today = live.hall.today()

    # --- opening: six clerks take their windows; the wall, the guide and the manager look on ---
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    wall.goto(f"{live.url}/display")
    wall.wait_for_selector('#wall[data-connection="online"]')
    desks = {}
    for i, (username, name) in enumerate(CLERKS, start=1):
        page = sign_in(browser, live, username, "/counter", viewport=(1280, 800))
        page.click(f'[data-counter="{i}"]')
        page.wait_for_selector('#desk[data-view="work"]')
        assert name in page.inner_text(".who")
        desks[str(i)] = page
    guide = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    manager = sign_in(browser, live, "demo-manager", "/manager", viewport=(1366, 900))

    # --- forty customers: six at the touch screen (one in English, one tapping twice), the rest
    # at the second kiosk, which prints every ticket on its own printer ---
    kiosk = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    live.pair(kiosk, "kiosk", "k1").goto(f"{live.url}/kiosk?k=k1")
    kiosk.wait_for_selector('#kiosk[data-connection="online"]')
    at_kiosk = []
    for n, business in enumerate(["F-RENEW", "M-TOPUP", "M-RENEW", "F-INVOICE", "M-INVOICE", "F-RENEW"]):
        kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
        if n == 2:
            kiosk.click('[data-lang="en"]')
        kiosk.wait_for_timeout(600)
        kiosk.click(f'[data-business="{business}"]')
        kiosk.wait_for_selector('[data-answer="counter-ticket"]:visible')
        kiosk.wait_for_timeout(600)
        where = center(kiosk, '[data-answer="counter-ticket"]')
        kiosk.mouse.click(*where)
        if n == 3:                          # a second tap 300 ms later, same place: lands on nothing
            kiosk.wait_for_timeout(300)
            kiosk.mouse.click(*where)
        number = ticket_number(kiosk)
        at_kiosk.append(number)
        kiosk.wait_for_timeout(800)
        assert kiosk.is_visible("[data-ticket-number]"), "the ticket vanished before it was seen"
        kiosk.wait_for_selector('[data-answer="done"]:visible')
        kiosk.wait_for_timeout(600)
        kiosk.click('[data-answer="done"]')
    assert len(set(at_kiosk)) == 6
    # The English customer's language did not stay for the next one.
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    assert kiosk.evaluate("document.documentElement.lang") == "zh-CN"
    assert "您好" in kiosk.inner_text("#kiosk")
    rest = [issue(live, MIX[i % len(MIX)], kiosk="k2") for i in range(34)]
    assert all(t["printed"] for t in rest)
    assert sum(live.hall.waiting_counts().values()) == 40

    # --- calls from every window: three rounds, a double press, a no-show undone ---
    calls = 0
    for rnd in range(3):
        for cid, page in desks.items():
            serve_one(page, live, cid)
            calls += 1
            if rnd == 0 and cid == "3":                 # F1 twice, 150 ms apart: one call
                called = [e for e in live.hall.events(today, today, ("called",))]
                page.keyboard.press("F1")
                page.wait_for_timeout(150)
                page.keyboard.press("F1")
                page.wait_for_selector(".notice:not([hidden])")
                assert len(live.hall.events(today, today, ("called",))) == len(called)
    # Window 5's clerk marks a no-show by mistake and takes it back.
    five = desks["5"]
    status = live.hall.ticket(live.hall.counters()["5"].current_ticket).status
    if status == "called":
        before = live.hall.ticket(live.hall.counters()["5"].current_ticket).number
        five.click('[data-action="no-show"]')
        five.wait_for_selector('.undo:not([hidden])')
        five.click(".undo")
        current(five, before)
    # --- the counter's hand: window 2's customer goes to fetch a document (暂挂); meanwhile the
    # guide gives the last in line the green channel by number; the customer comes back ---
    two = desks["2"]
    assert live.hall.counters()["2"].current_ticket         # the window has its customer in hand
    away = two.inner_text("[data-current-ticket]")
    two.click('[data-action="park"]')
    two.wait_for_selector(f'[data-parked-ticket="{away}"]')
    last = [t for t in rest if live.hall.ticket(t["id"]).status == "waiting"][-1]
    guide.click('[data-open="green"]')
    green = 'dialog[data-form="green"]'
    guide.fill(f"{green} [data-green-existing]", last["number"])
    guide.click(f'{green} .priority-choices .tile:has(input[value="pregnant"])')
    guide.click(f'{green} [data-act="issue-green"]')
    guide.wait_for_selector(f"{green} .form-result:not([hidden])")
    guide.click(f'{green} .form-result [data-act="close-form"]')
    assert live.hall.ticket(last["id"]).priority == "pregnant"
    two.wait_for_timeout(2100)                      # past the double-press guard
    two.click(f'[data-parked-ticket="{away}"] button')
    current(two, away)
    two.wait_for_selector(".parked", state="hidden")
    served = live.hall.events(today, today, ("finished",))
    called = live.hall.events(today, today, ("called",))
    assert calls >= 12 and len(called) >= 12
    # Nobody was counted served who was not started.
    started = {e["ticket"] for e in live.hall.events(today, today, ("started",))}
    assert all(e["ticket"] in started for e in served)

    # --- the wall at every size: every window's row on screen, nobody on deck twice ---
    wall.wait_for_timeout(1500)
    for w, h in SIZES:
        wall.set_viewport_size({"width": w, "height": h})
        wall.wait_for_timeout(700)
        g = wall.evaluate(GEOMETRY)
        assert_board_whole(g, where=f"{w}x{h}")
        assert_gate_over_nothing(g, where=f"{w}x{h}")
        shot(wall, f"busy-day-wall-{w}x{h}")
    wall.set_viewport_size({"width": 1920, "height": 1080})
    rows = board(wall)
    decks_on_wall = [cell for cells in rows.values() for cell in cells[2:4] if cell.strip() not in ("", "—", "-")]
    assert len(decks_on_wall) == len(set(decks_on_wall)), rows
    guide.wait_for_timeout(1000)
    # The guide's tablet: 请准备 (deck 1) and 下一位 (deck 2) at every window, each ticket once.
    on_tablet = guide.eval_on_selector_all(".person[data-deck]", "els => els.map(e => e.dataset.number)")
    assert on_tablet and len(on_tablet) == len(set(on_tablet)), on_tablet
    on_deck = guide.eval_on_selector_all("[data-on-deck-ticket]", "els => els.map(e => e.dataset.onDeckTicket)")
    state = live.app.extensions["hall"].publisher.hall_state()
    expected = sorted(n for c in state["counters"] for n in (c.get("on_deck"), c.get("third")) if n)
    assert sorted(on_tablet) == expected and sorted(decks_on_wall) == expected
    assert sorted(on_deck) == sorted(c["on_deck"] for c in state["counters"] if c.get("on_deck"))
    shot(guide, "busy-day-guide")

    # --- what customers are told agrees everywhere: phone, API, kiosk, manager ---
    waiting = [t for t in rest if live.hall.ticket(t["id"]).status == "waiting"]
    phones = []
    for t in (waiting[0], waiting[len(waiting) // 2], waiting[-1]):
        phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        phone.goto(f"{live.url}/t/{t['id']}")
        phone.wait_for_selector('[data-status="waiting"]')
        phones.append((phone, t))
    for phone, t in phones:
        api = live.app.test_client().get(f"/api/tickets/{t['id']}").get_json()
        phone.wait_for_function(
            "a => document.querySelector('[data-ahead]').dataset.ahead === String(a)", arg=api["ahead"])
        assert phone.get_attribute("[data-on-deck]", "data-on-deck") == str(api["on_deck"]).lower()
        if api["on_deck"]:
            assert api["number"] in expected
    shot(phones[0][0], "busy-day-phone")
    estimates = live.hall.business_estimates()
    told = {b["code"]: b["new_ticket_wait_s"] for b in live.hall.hall_board()["businesses"]}
    assert told == {code: e["estimated_wait_s"] for code, e in estimates.items()}
    shot(manager, "busy-day-manager")

    # --- the printer of the touch-screen kiosk runs out: the ticket stays on screen ---
    live.mocks["printer:k1"].set_state(paper="out")
    kiosk.wait_for_timeout(1200)                       # the printer's status is polled
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')
    kiosk.click('[data-business="M-TOPUP"]')
    kiosk.wait_for_selector('[data-answer="counter-ticket"]:visible')
    kiosk.wait_for_timeout(600)
    kiosk.click('[data-answer="counter-ticket"]')
    kiosk.wait_for_selector('.ticket[data-printed="false"]')
    unprinted = ticket_number(kiosk)
    kiosk.wait_for_timeout(1500)
    assert kiosk.is_visible("[data-ticket-number]") and kiosk.inner_text("[data-ticket-number]").strip() == unprinted
    shot(kiosk, "busy-day-kiosk-unprinted")
    live.mocks["printer:k1"].set_state(paper="ok")
    kiosk.click('[data-answer="done"]')
    kiosk.wait_for_selector('#kiosk[data-screen="welcome"]')

    # --- the emergency drill: the manager pauses issuing; kiosk and phones follow both ways ---
    manager.check('input[name="mode"][value="paused"]')
    manager.fill('textarea[name="message"]', DRILL)
    manager.click('[data-action="apply-issuing"]')
    kiosk.wait_for_function("m => document.body.innerText.includes(m)", arg=DRILL)
    phone = phones[0][0]
    phone.wait_for_function("m => document.body.innerText.includes(m)", arg=DRILL)
    wall.wait_for_function("m => document.body.innerText.includes(m)", arg=DRILL)
    g = wall.evaluate(GEOMETRY)
    assert_board_whole(g, where="emergency")
    shot(kiosk, "busy-day-kiosk-emergency")
    shot(wall, "busy-day-wall-emergency")
    manager.check('input[name="mode"][value="normal"]')
    manager.click('[data-action="apply-issuing"]')
    kiosk.wait_for_function("m => !document.body.innerText.includes(m)", arg=DRILL)
    phone.wait_for_function("m => !document.body.innerText.includes(m)", arg=DRILL)
    wall.wait_for_function("m => !document.body.innerText.includes(m)", arg=DRILL)

    # --- the day's figures: what was called was either served, a no-show, or still at a window ---
    counts = live.hall.statistics(today, today)["total"]
    assert counts["issued"] == 41

    for context in browser.contexts:
        context.close()


def center(page, selector):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def ticket_number(kiosk) -> str:
    """The number on the kiosk's ticket screen, once it is there (「…」 while it is being issued)."""
    kiosk.wait_for_function(
        "() => /^[A-Z]{1,2}\\d{3}$/.test((document.querySelector('[data-ticket-number]') || {}).textContent || '')"
        " && document.querySelector('[data-ticket-number]').checkVisibility()")
    return kiosk.inner_text("[data-ticket-number]").strip()
