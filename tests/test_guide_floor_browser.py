"""The guide's tablet in Debian's chromium (issue 14): the green channel given from the tablet, a
complaint taken on the floor recorded as a follow-up with its due date, help requests with their
age, people by their names, and a customer called and not come."""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browser import LiveHall, shot, sign_in
from core.clock import ManualClock

TZ = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: 2 working days for a 5G business end on Friday 11-27.
MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).timestamp()
API_WORDS = re.compile(r"\b(priority|business|contact|question|ticket|kind|request_id)\b|不能为空|缺少字段")


@pytest.fixture
def clock():
    return ManualClock(MORNING)


@pytest.fixture
def live(tmp_path, clock):
    hall = LiveHall(tmp_path, clock=clock)
    yield hall
    hall.close()


def tablet(browser, live):
    page = sign_in(browser, live, "demo-guide", "/guide", viewport=(1280, 800))
    page.wait_for_selector("#floor[data-painted]")
    return page


def issue(live, business):
    return live.kiosk().post("/api/tickets", json={
        "business": business, "request_id": uuid.uuid4().hex}).get_json()


def errors_of(page, dialog):
    return {el.get_attribute("data-field"): el.inner_text()
            for el in page.query_selector_all(f'dialog[data-form="{dialog}"] .field[data-invalid]')}


def field_error(page, dialog, field):
    return page.inner_text(f'dialog[data-form="{dialog}"] .field[data-field="{field}"] .field-error')


def test_the_guide_gives_the_green_channel_from_the_tablet(browser, live):
    live.clerk("3")                                   # 3号窗口 open for 5G business
    normal = issue(live, "M-NEW")                     # waiting before the green-channel customer
    page = tablet(browser, live)
    page.click('[data-open="green"]')
    dialog = 'dialog[data-form="green"]'
    page.wait_for_selector(f"{dialog}[open]")
    # Every priority class of the config is a big tile; nothing chosen, nothing issued.
    tiles = page.query_selector_all(f'{dialog} .priority-choices .tile')
    assert [t.inner_text() for t in tiles] == ["老年人", "残障人士", "军人", "孕妇及携婴者", "星级客户"]
    assert all(t.bounding_box()["height"] >= 56 for t in tiles)
    page.click(f'{dialog} [data-act="issue-green"]')
    page.wait_for_selector(f'{dialog} .field[data-field="priority"][data-invalid]')
    errors = errors_of(page, "green")
    assert set(errors) == {"priority", "business"}
    assert field_error(page, "green", "priority") == "请选择客户属于哪一类绿色通道"
    assert field_error(page, "green", "business") == "请选择客户要办理的业务"
    assert not any(API_WORDS.search(v) for v in errors.values())
    shot(page, "guide-10-green-errors")
    page.click(f'{dialog} .priority-choices .tile:has(input[value="disabled"])')
    page.wait_for_selector(f'{dialog} .field[data-field="priority"]:not([data-invalid])')
    page.click(f'{dialog} .business-choices .tile:has(input[value="M-NEW"])')
    page.dblclick(f'{dialog} [data-act="issue-green"]')   # a double tap gives one ticket
    number = page.wait_for_selector(f"{dialog} [data-green-ticket]:not(:empty)").inner_text()
    assert re.fullmatch(r"G\d{3}", number) and number != normal["number"]
    assert "残障人士优先" in page.inner_text(f"{dialog} .result-what")
    assert "告诉客户" in page.inner_text(f"{dialog} .result-print")
    shot(page, "guide-11-green-ticket")
    issued = live.hall.events(live.hall.today(), live.hall.today(), ("issued",))
    assert [e["number"] for e in issued] == [normal["number"], number]     # one, not two
    assert issued[-1]["data"]["priority"] == "disabled"
    page.click(f'{dialog} .form-result [data-act="close-form"]')
    # The green-channel customer goes before the one who came first, and the tablet says why.
    page.wait_for_selector(f'article.counter[data-counter="3"] [data-on-deck-ticket="{number}"]')
    assert "残障人士" in page.inner_text(f'article.counter[data-counter="3"] .person[data-deck="1"] .badge')
    assert "残障人士优先" in page.inner_text(".arrival-list li:first-child")

    # Printed at the door's kiosk this time.
    page.click('[data-open="green"]')
    page.click(f'{dialog} .priority-choices .tile:has(input[value="military"])')
    page.click(f'{dialog} .business-choices .tile:has(input[value="F-QUERY"])')
    page.click(f'{dialog} .kiosk-choices .tile:has(input[value="k1"])')
    page.click(f'{dialog} [data-act="issue-green"]')
    page.wait_for_selector(f'{dialog} .result-print[data-printed="true"]')
    assert "已在大门取号机打印" in page.inner_text(f"{dialog} .result-print")
    assert page.inner_text(f"{dialog} [data-green-ticket]").startswith("D")
    page.context.close()


def test_the_guide_gives_a_waiting_customer_the_green_channel_by_number(browser, live):
    """A customer who already took an ordinary ticket turns out to be pregnant: the guide types
    (or scans) the number instead of issuing another; the ticket moves ahead, the log says who."""
    live.clerk("3")
    first, second, mine = (issue(live, "M-NEW") for _ in range(3))
    page = tablet(browser, live)
    page.click('[data-open="green"]')
    dialog = 'dialog[data-form="green"]'
    page.wait_for_selector(f"{dialog}[open]")
    page.fill(f"{dialog} [data-green-existing]", f"{live.url}/t/{mine['id']}")     # scanned
    page.wait_for_selector(f'{dialog} .field[data-field="business"]', state="hidden")
    assert page.inner_text(f'{dialog} [data-act="issue-green"]') == "设为优先"
    page.click(f'{dialog} [data-act="issue-green"]')          # no class chosen yet
    assert field_error(page, "green", "priority") == "请选择客户属于哪一类绿色通道"
    page.click(f'{dialog} .priority-choices .tile:has(input[value="pregnant"])')
    page.click(f'{dialog} [data-act="issue-green"]')
    page.wait_for_selector(f"{dialog} .form-result:not([hidden])")
    assert page.inner_text(f"{dialog} [data-green-ticket]") == mine["number"]
    assert "孕妇及携婴者优先 · 前面 0 人" in page.inner_text(f"{dialog} .result-what")
    shot(page, "guide-14-priority-by-number")
    given = live.hall.events(live.hall.today(), live.hall.today(), ("priority_given",))[-1]
    assert given["clerk"] == "demo-guide" and given["number"] == mine["number"]
    assert live.hall.ticket(mine["id"]).priority == "pregnant"
    # A number that is not waiting is refused under the field, in the hall's words.
    page.click(f'{dialog} .form-result [data-act="again"]')
    page.fill(f"{dialog} [data-green-existing]", "Z999")
    page.click(f'{dialog} .priority-choices .tile:has(input[value="military"])')
    page.click(f'{dialog} [data-act="issue-green"]')
    page.wait_for_selector(f'{dialog} .field[data-field="ticket"][data-invalid]')
    assert "Z999" in field_error(page, "green", "ticket")
    page.keyboard.press("Escape")
    page.wait_for_selector(f'article.counter[data-counter="3"] [data-on-deck-ticket="{mine["number"]}"]')
    del first, second
    page.context.close()


def test_the_guide_records_a_complaint_as_a_follow_up(browser, live, clock):
    ticket = issue(live, "M-PLAN")
    page = tablet(browser, live)
    page.click('[data-open="complaint"]')
    dialog = 'dialog[data-form="complaint"]'
    page.wait_for_selector(f"{dialog}[open]")
    page.click(f'{dialog} [data-act="save-complaint"]')
    page.wait_for_selector(f'{dialog} .field[data-invalid]')
    errors = errors_of(page, "complaint")
    assert set(errors) == {"business", "question", "contact"}
    assert field_error(page, "complaint", "question") == "请写下客户反映了什么"
    assert field_error(page, "complaint", "contact") == "请填写客户的手机号(11 位)或带区号的固定电话"
    assert not any(API_WORDS.search(v) for v in errors.values())
    page.click(f'{dialog} .business-choices .tile:has(input[value="M-PLAN"])')
    page.fill(f'{dialog} [name="question"]', "上月套餐变更后多扣了 30 元,窗口说要查账")
    page.fill(f'{dialog} [name="contact"]', "138 0013 8000")
    page.fill(f'{dialog} [name="ticket"]', "Z999")       # well formed, but no such ticket today
    page.click(f'{dialog} [data-act="save-complaint"]')
    page.wait_for_selector(f'{dialog} .field[data-field="ticket"][data-invalid]')
    assert "今天没有 Z999 号" in field_error(page, "complaint", "ticket")
    assert set(errors_of(page, "complaint")) == {"ticket"}
    shot(page, "guide-12-complaint-error")
    assert live.hall.follow_ups() == []
    page.fill(f'{dialog} [name="ticket"]', ticket["number"].lower())
    page.click(f'{dialog} [data-act="save-complaint"]')
    due = page.wait_for_selector(f"{dialog} [data-follow-up-due]:not(:empty)")
    assert due.get_attribute("data-follow-up-due") == "2026-11-27" and "2026-11-27" in due.inner_text()
    assert "投诉已登记" in page.inner_text(f"{dialog} .result-saved")
    assert "13800138000" in page.inner_text(f"{dialog} .result-tell")
    shot(page, "guide-13-complaint-saved")
    [row] = live.hall.follow_ups()
    assert (row["kind"], row["business"], row["number"], row["ticket"], row["created_by"]) == \
        ("complaint", "M-PLAN", ticket["number"], ticket["id"], "demo-guide")
    page.click(f'{dialog} .form-result [data-act="close-form"]')
    # On its due day it is on the tablet's list of follow-ups due.
    clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=TZ).timestamp())
    page.context.close()                 # two days on, yesterday's session has ended: sign in again
    page = tablet(browser, live)
    page.wait_for_selector(".follow-list li")
    assert "多扣了 30 元" in page.inner_text(".follow-list")
    page.context.close()


def test_help_requests_show_their_age_and_people_their_names(browser, live, clock):
    clerk = live.clerk("3")                           # demo-clerk: 李晓燕
    issue(live, "M-NEW")
    issue(live, "M-NEW")
    page = tablet(browser, live)
    head = page.inner_text('article.counter[data-counter="3"] header')
    assert "李晓燕" in head and "demo-clerk" not in head
    # The one on deck is pre-checked: by 王芳, not demo-guide.
    page.click('article.counter[data-counter="3"] .person[data-deck="1"] .precheck')
    page.wait_for_selector('article.counter[data-counter="3"] .person[data-deck="1"] .info:has-text("王芳 已核证件")')

    live.kiosk("k2").post("/api/kiosks/k2/help", json={"business": "M-BILL"})
    page.wait_for_selector('.help-list li[data-state="open"]')
    assert page.inner_text(".help-list li .age") == "刚刚"
    clock.advance(180)
    live.kiosk("k1").post("/api/kiosks/k1/help", json={})
    page.wait_for_selector(".help-list li:nth-child(2)")
    ages = [e.inner_text() for e in page.query_selector_all(".help-list li .age")]
    assert ages == ["3 分钟前", "刚刚"]                  # oldest first, each with its age
    assert "自助区取号机" in page.inner_text(".help-list li:first-child")
    # The ages go on by themselves, without another read of the board.
    page.evaluate("Hall.syncTime(Hall.now() / 1000 + 120)")
    page.wait_for_function("document.querySelector('.help-list li .age').textContent === '5 分钟前'",
                           timeout=8000)
    page.click('.help-list li:first-child button[data-act="accept"]')
    page.wait_for_selector('.help-list li[data-state="accepted"]')
    text = page.inner_text('.help-list li[data-state="accepted"]')
    assert "王芳 已前往" in text and "demo-guide" not in text
    shot(page, "guide-14-help-ages-names")
    assert "demo-" not in page.inner_text("#floor")
    clerk.post("/api/counters/3/close")
    page.context.close()


def test_a_customer_called_and_not_come_is_on_the_tablet(browser, live, clock):
    clerk = live.clerk("5")
    t = issue(live, "M-TOPUP")
    clerk.post("/api/counters/5/call-next")
    page = tablet(browser, live)
    clock.advance(11 * 60)
    live.publish(live.hall.watch_floor()[1])         # what the server's watcher does
    alert = page.wait_for_selector('.alert-list li[data-kind="called"]')
    text = alert.inner_text()
    assert "5号窗口" in text and t["number"] in text and "10:00 叫号 · 已过 11 分钟" in text
    shot(page, "guide-15-called-not-come")
    clerk.post("/api/counters/5/start")
    live.publish(live.hall.watch_floor()[1])
    page.wait_for_selector('.alert-list li[data-kind="called"]', state="detached")
    page.context.close()
