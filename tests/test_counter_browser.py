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
    return live.kiosk().post("/api/tickets", json={
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
    # A002 goes to whichever window frees first: counter 2's quick query, not counter 1's 新开户.
    two.wait_for_function("document.querySelector('.on-deck').textContent === 'A002'")
    assert one.inner_text(".on-deck") == "—"
    shot(one, "counter-page-02-pad")
    one.context.close()
    two.context.close()


def test_a_double_press_a_never_started_customer_and_an_undone_no_show(browser, live):
    for _ in range(4):
        issue(live, "F-QUERY")
    page = sign_in(browser, live)
    # The window picker names each business with its line (固网 查询 and 5G 查询 differ).
    assert "固网:" in page.inner_text('[data-counter="2"]') and "5G:" in page.inner_text('[data-counter="2"]')
    page.click('[data-counter="2"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.keyboard.press("F1")
    page.wait_for_timeout(150)
    page.keyboard.press("F1")                                   # F1 twice within 150 ms
    current(page, "D001")
    page.wait_for_selector(".notice:not([hidden])")
    assert "D001" in page.inner_text(".notice") and page.is_hidden(".error")
    today = live.hall.today()
    assert [e["number"] for e in live.hall.events(today, today, ("called",))] == ["D001"]
    assert not live.hall.events(today, today, ("finished",))
    assert "已办 0 笔" in page.inner_text(".my-day")
    page.wait_for_timeout(2100)
    page.keyboard.press("F1")                                   # called, never started: refused
    page.wait_for_selector(".error:not([hidden])")
    assert "开始办理" in page.inner_text(".error") and "过号" in page.inner_text(".error")
    current(page, "D001")
    shot(page, "counter-page-03-not-started")
    page.click('[data-action="no-show"]')                       # pressed by mistake …
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    page.wait_for_selector('.undo:not([hidden])')
    assert "D001" in page.inner_text(".undo")
    page.click('.undo')                                         # … undone: she is here
    current(page, "D001")
    page.wait_for_selector('#desk[data-ticket-status="called"]')
    assert live.hall.ticket(live.hall.counters()["2"].current_ticket).number == "D001"
    # The transfer list starts on nothing, names lines and has a labelled reason.
    page.click('[data-action="start"]')
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    page.click('[data-action="transfer"]')
    assert page.eval_on_selector(".transfer-target", "s => s.value") == ""
    options = page.eval_on_selector_all(".transfer-target option", "os => os.map(o => o.textContent)")
    assert "固网 新开户" in options and "5G 查询" in options and "固网 查询" not in options
    assert page.get_by_label("转移原因(选填)").count() == 1
    page.click(".transfer-ok")                                  # nothing chosen: said next to it
    assert "请选择" in page.inner_text(".transfer-error")
    page.click(".transfer-cancel")
    page.context.close()


def test_an_older_answer_never_overwrites_a_newer_one(browser, live):
    """The desk comes in every answer and is pushed after every change: a slow older answer
    lands last and is not painted, and the page never reads its desk again after a push."""
    for _ in range(3):
        issue(live, "F-NEW")
    page = sign_in(browser, live)
    page.click('[data-counter="1"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.keyboard.press("F1")
    current(page, "A001")
    page.evaluate("""() => { window.__painted = [];
      const el = document.querySelector('[data-current-ticket]');
      new MutationObserver(() => window.__painted.push(el.textContent))
        .observe(el, {childList: true, characterData: true, subtree: true}); }""")
    reads = []
    page.on("request", lambda r: reads.append(r.url) if r.url.endswith("/api/counters/1/desk") else None)
    held = []

    def hold_start(route):
        held.append((route, route.fetch()))      # done by the server now, answered later
    page.route("**/api/counters/1/start", hold_start)
    page.click('[data-action="start"]')
    deadline = 50
    while not held and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert held, "the start was not sent"
    page.wait_for_selector('#desk[data-ticket-status="serving"]')    # pushed, not answered yet
    page.wait_for_timeout(2100)
    page.keyboard.press("F1")                                   # finishes A001, calls A002
    current(page, "A002")
    route, old = held[0]
    route.fulfill(response=old)                                 # the older answer lands last
    page.wait_for_timeout(800)
    painted = page.evaluate("window.__painted")
    assert "A002" in painted and "A001" not in painted[painted.index("A002"):], painted
    assert page.inner_text("[data-current-ticket]") == "A002"
    assert page.get_attribute("#desk", "data-ticket-status") == "called"
    # A change made elsewhere (the call pad's START) is pushed: painted, nothing read again.
    live.publish(live.hall.start("1", "demo-clerk")[1])
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    assert reads == [], reads
    page.context.close()


def test_with_the_server_down_a_key_says_so(browser, live):
    issue(live, "F-NEW")
    page = sign_in(browser, live)
    page.click('[data-counter="1"]')
    page.wait_for_selector('#desk[data-view="work"]')
    live.stop_server()
    page.keyboard.press("F1")
    page.wait_for_selector(".error:not([hidden])", timeout=9000)
    assert "网络中断" in page.inner_text(".error")
    shot(page, "counter-page-04-server-down")
    page.context.close()


def test_a_chosen_ticket_called_out_of_order_and_a_no_show_put_back(browser, live):
    """叫指定号: the clerk picks the third in line from the window's list with a reason; a
    number that is not this window's is refused in the dialog in the hall's words; a customer
    who missed their call is put back in line by number (过号重排)."""
    numbers = [issue(live, "M-NEW")["number"] for _ in range(4)]
    other = issue(live, "M-TOPUP")["number"]                    # not counter 3's
    page = sign_in(browser, live)
    page.click('[data-counter="3"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.click('[data-action="call"]')
    page.wait_for_selector(".call-dialog[open]")
    assert [b.get_attribute("data-line-ticket") for b in page.query_selector_all(".call-line button")] == numbers
    page.click(f'.call-line button[data-line-ticket="{numbers[2]}"]')
    page.click(".call-ok")                                      # no reason chosen yet
    page.wait_for_selector(".call-error:not([hidden])")
    assert "理由" in page.inner_text(".call-error")
    page.select_option(".call-reason", "预约客户")
    shot(page, "counter-page-05-call-chosen")
    page.click(".call-ok")
    current(page, numbers[2])
    called = live.hall.events(live.hall.today(), live.hall.today(), ("called",))[-1]
    assert called["data"]["out_of_order"] and called["data"]["reason"] == "预约客户"
    assert called["clerk"] == "demo-clerk" and called["data"]["skipped"] == 2
    page.click('[data-action="no-show"]')
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    # Another window's ticket, typed: refused with the reason, the dialog stays open.
    page.click('[data-action="call"]')
    page.fill(".call-ref", other.lower())
    page.select_option(".call-reason", "其他")
    page.press(".call-ref", "Enter")
    page.wait_for_selector(".call-error:not([hidden])")
    assert "不办理" in page.inner_text(".call-error") and page.is_visible(".call-dialog[open]")
    # The customer who missed the call comes back: put back in line, after the next three.
    page.fill(".call-ref", numbers[2])
    page.click(".requeue-ok")
    page.wait_for_selector(".notice:not([hidden])")
    assert numbers[2] in page.inner_text(".notice") and "3" in page.inner_text(".notice")
    back = live.hall.ticket(live.hall.events(live.hall.today(), live.hall.today(), ("requeued",))[-1]["ticket"])
    assert back.status == "waiting" and back.number == numbers[2]
    page.click('[data-action="call"]')
    order = [b.get_attribute("data-line-ticket") for b in page.query_selector_all(".call-line button")]
    assert order == [numbers[0], numbers[1], numbers[3], numbers[2]]
    assert "重排" in page.inner_text(f'.call-line button[data-line-ticket="{numbers[2]}"]')
    shot(page, "counter-page-06-requeued-in-line")


def test_a_customer_parked_and_called_back_while_the_phone_says_where_to_return(browser, live):
    """暂挂: the clerk parks a customer who went to fetch a document, serves the next one, and
    calls the first back from the parked list; the customer's phone says which window to
    return to and until when."""
    first, second, _ = (issue(live, "M-NEW") for _ in range(3))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{live.url}/t/{first['id']}")
    phone.wait_for_selector('#phone[data-connection="online"]')
    page = sign_in(browser, live)
    page.click('[data-counter="3"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.click('[data-action="call-next"]')
    current(page, first["number"])
    page.click('[data-action="start"]')
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    page.click('[data-action="park"]')
    page.wait_for_selector(f'[data-parked-ticket="{first["number"]}"]')
    assert "前未回自动重新排队" in page.inner_text(".parked")
    phone.wait_for_selector('#phone[data-status="parked"]')
    told = phone.inner_text(".state-card")
    assert "暂挂" in told and "3号窗口" in told and "前未回" in told, told
    shot(phone, "phone-05-parked")
    page.click('[data-action="call-next"]')
    current(page, second["number"])
    page.click('[data-action="start"]')
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    shot(page, "counter-page-07-parked")
    page.wait_for_timeout(2100)                     # past the double-press guard
    page.click(f'[data-parked-ticket="{first["number"]}"] button')
    page.wait_for_selector(".error:not([hidden])")  # the one in hand is finished first: not yet
    assert "关键时刻" in page.inner_text(".error")
    for key in ("real_name", "anti_fraud", "contract_terms"):
        page.check(f'input[data-checklist-item="{key}"]')
        page.wait_for_function(
            "k => document.querySelector(`input[data-checklist-item='${k}']`).checked", arg=key)
    page.wait_for_timeout(300)
    page.click(f'[data-parked-ticket="{first["number"]}"] button')
    current(page, first["number"])                  # the one in hand finished, the first back
    page.wait_for_selector(".parked", state="hidden")
    assert live.hall.ticket(second["id"]).status == "done"
    phone.wait_for_selector('#phone[data-status="called"]')
    assert "3号窗口" in phone.inner_text(".state-card")
    context.close()


def test_a_second_business_in_the_same_visit(browser, live):
    """加办业务: serving a plan change, the customer also wants a service changed (served here at
    once, the same number) and then a top-up, which this window does not do: refused in the
    dialog, then sent to its queue with the same ticket."""
    t = issue(live, "M-PLAN")
    page = sign_in(browser, live)
    page.click('[data-counter="3"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.click('[data-action="call-next"]')
    current(page, t["number"])
    assert page.is_disabled('[data-action="add-business"]')          # not before the start
    page.click('[data-action="start"]')
    page.wait_for_selector('#desk[data-ticket-status="serving"]')
    page.click('[data-action="add-business"]')
    page.wait_for_selector(".add-dialog[open]")
    page.select_option(".add-business", "M-SERVICE")
    shot(page, "counter-page-08-add-business")
    page.click(".add-serve")
    page.wait_for_function("() => document.querySelector('.details').textContent.includes('服务变更')")
    assert page.inner_text("[data-current-ticket]") == t["number"]
    page.click('[data-action="add-business"]')
    page.select_option(".add-business", "M-TOPUP")
    page.click(".add-serve")                                        # not done at this window
    page.wait_for_selector(".add-error:not([hidden])")
    assert "转到该业务排队" in page.inner_text(".add-error")
    page.click(".add-queue")
    page.wait_for_selector('#desk[data-ticket-status="none"]')
    assert t["number"] in page.inner_text(".notice")
    ticket = live.hall.ticket(t["id"])
    assert ticket.status == "transferred" and ticket.business == "M-TOPUP"
    done = live.hall.events(live.hall.today(), live.hall.today(), ("finished",))
    assert [e["business"] for e in done] == ["M-PLAN", "M-SERVICE"]


def test_the_clerk_gives_a_waiting_customer_the_green_channel(browser, live):
    """From the window the clerk sees a customer in a wheelchair in line: 绿色通道 by number in
    the 叫指定号 dialog; the line's order follows and the log says who."""
    numbers = [issue(live, "M-NEW")["number"] for _ in range(3)]
    page = sign_in(browser, live)
    page.click('[data-counter="3"]')
    page.wait_for_selector('#desk[data-view="work"]')
    page.click('[data-action="call"]')
    page.wait_for_selector(".call-dialog[open]")
    page.click(f'.call-line button[data-line-ticket="{numbers[2]}"]')
    page.click(".priority-ok")                                  # no class chosen yet
    page.wait_for_selector(".call-error:not([hidden])")
    assert "哪一类" in page.inner_text(".call-error")
    page.select_option(".priority-class", "disabled")
    page.click(".priority-ok")
    page.wait_for_selector(".notice:not([hidden])")
    assert f"{numbers[2]} 已设为残障人士优先,前面还有 0 人" in page.inner_text(".notice")
    given = live.hall.events(live.hall.today(), live.hall.today(), ("priority_given",))[-1]
    assert given["clerk"] == "demo-clerk" and given["number"] == numbers[2]
    page.click('[data-action="call"]')
    order = [b.get_attribute("data-line-ticket") for b in page.query_selector_all(".call-line button")]
    assert order == [numbers[2], numbers[0], numbers[1]]
    assert "绿色通道" in page.inner_text(f'.call-line button[data-line-ticket="{numbers[2]}"]')
    shot(page, "counter-page-09-green-channel")
