"""The hall's settings page (/manager/settings) in Debian's chromium against a live hall: an
admin renames a business and a window, reorders a window's businesses and adds a notice, and
the kiosk, the wall display and the counter follow without a reload; a bad value is refused next
to its field; a version is restored; every field of the config has its control on the page."""
from __future__ import annotations

import pytest

from browser import LiveHall, shot
from browser import sign_in as signed_in
from core.settings_form import NOT_ON_THE_PAGE, form


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def settings_page(browser, live, username="demo-admin"):
    page = signed_in(browser, live, username, "/manager/settings", viewport=(1440, 1000))
    page.wait_for_selector('[data-field="hall.name"] input')
    return page


def section(page, name):
    page.click(f'.settings-nav [data-section="{name}"]')
    page.wait_for_selector(f'.settings-form[data-section="{name}"]')


def open_card(page, entry):
    card = f'details.card[data-field="{entry}"]'
    if page.get_attribute(card, "open") is None:
        page.click(f"{card} > summary")


def save(page):
    page.eval_on_selector("[data-message]", "e => { e.hidden = true; e.textContent = ''; }")
    page.click('[data-action="save"]')
    page.wait_for_selector('[data-message]:not([hidden])')
    return page.inner_text("[data-message]")


def test_an_admins_changes_reach_the_kiosk_the_display_and_the_counter_live(browser, live):
    kiosk = live.pair(browser.new_page(viewport={"width": 1280, "height": 1024}), "kiosk", "k1")
    kiosk.goto(f"{live.url}/kiosk?k=k1")
    kiosk.wait_for_selector('#kiosk[data-connection="online"] [data-business="F-NEW"] .name')
    wall = browser.new_page(viewport={"width": 1920, "height": 1080})
    wall.goto(f"{live.url}/display")
    wall.wait_for_selector('#wall[data-connection="online"] .counter-row[data-counter="1"]')
    clerk = signed_in(browser, live, "demo-clerk", "/counter")
    clerk.click('[data-counter="1"]')
    clerk.wait_for_selector('#desk[data-view="work"]')

    page = settings_page(browser, live)
    shot(page, "settings-01-hall")
    # A business's name (both languages)
    section(page, "businesses")
    open_card(page, "businesses.0")
    page.fill('[data-field="businesses.0.name"] input', "固网新装")
    page.fill('[data-field="businesses.0.name_en"] input', "New fixed line")
    # A window's name, and its businesses in a new order (the second moved to the top).
    section(page, "counters")
    open_card(page, "counters.0")
    page.fill('[data-field="counters.0.name"] input', "1号窗口(综合)")
    order = '[data-field="counters.0.businesses"]'
    page.click(f'{order} .order-row[data-value="F-CHANGE"] [data-move="up"]')
    shot(page, "settings-02-window-order")
    # A notice with its time span
    section(page, "notices")
    page.click('[data-add="hall.notices"]')
    n = page.evaluate("window.hallSettings.data.hall.notices.length - 1")
    page.fill(f'[data-field="hall.notices.{n}.text"] input', "今日 16:00 起系统升级,部分业务暂停")
    page.fill(f'[data-field="hall.notices.{n}.text_en"] input', "System upgrade from 16:00")
    said = save(page)
    assert "已保存为第 2 版,立即生效" in said, (said, page.evaluate("JSON.stringify(window.hallSettings.errors)"))

    kiosk.wait_for_function("() => document.querySelector('[data-business=\"F-NEW\"] .name').textContent === '固网新装'")
    wall.wait_for_function("() => document.querySelector('.marquee').textContent.includes('系统升级')")
    wall.wait_for_function(
        "() => document.querySelector('.counter-row[data-counter=\"1\"] span').textContent === '1号窗口(综合)'")
    clerk.wait_for_function("() => document.querySelector('.where').textContent === '1号窗口(综合)'")
    assert clerk.evaluate("window.Hall.CFG.hall.counters[0].businesses.slice(0, 2)") == ["F-CHANGE", "F-NEW"]
    assert live.hall.config.counter("1").businesses[:2] == ("F-CHANGE", "F-NEW")
    assert kiosk.evaluate("location.href").endswith("/kiosk?k=k1")       # never reloaded
    shot(kiosk, "settings-03-kiosk-follows")
    shot(wall, "settings-04-wall-follows")

    # A bad value: refused next to its field, in the hall's words; nothing saved.
    section(page, "businesses")
    open_card(page, "businesses.1")
    page.fill('[data-field="businesses.1.prefix"] input', "b2")
    page.fill('[data-field="businesses.1.target_s"] input', "十分钟")
    said = save(page)
    assert "2 处需要修改" in said, said
    assert "一到两个大写字母" in page.inner_text('[data-field="businesses.1.prefix"] .field-error')
    assert "请填整数" in page.inner_text('[data-field="businesses.1.target_s"] .field-error')
    assert page.get_attribute('[data-field="businesses.1.prefix"] input', "aria-invalid") == "true"
    assert page.is_visible('.settings-nav [data-section="businesses"].has-error')
    shot(page, "settings-05-bad-value")
    assert live.hall.plan.version == 2

    # The first version restored: the kiosk has the old name again.
    page.click('[data-action="discard"]')
    section(page, "versions")
    page.wait_for_selector('.version[data-version="2"] .changes li')
    changes = page.inner_text('.version[data-version="2"] .changes')
    assert "业务 · F-NEW · 名称:新开户 → 固网新装" in changes, changes
    assert "系统升级" in changes
    assert "办理业务(按优先顺序)" in changes
    shot(page, "settings-06-versions")
    page.click('.version[data-version="1"] [data-action="restore"]')
    page.wait_for_function("() => document.querySelector('[data-message]').textContent.includes('已恢复第 1 版')")
    kiosk.wait_for_function("() => document.querySelector('[data-business=\"F-NEW\"] .name').textContent === '新开户'")
    wall.wait_for_function("() => !document.querySelector('.marquee').textContent.includes('系统升级')")


def test_every_field_of_the_config_has_its_control_on_the_page(browser, live):
    page = settings_page(browser, live)
    expected = set()

    def walk(nodes):
        for n in nodes:
            expected.add(n["path"])
            if n["kind"] in ("group", "table"):
                walk(n["fields"])           # a map's entries are rows of the map's own control
    walk(form())
    seen = set()
    for name in ("hall", "notices", "businesses", "counters", "kiosks", "ticket", "routing", "alerts",
                 "voice", "more"):
        section(page, name)
        if name == "notices" and not page.query_selector('[data-field="hall.notices.0"]'):
            page.click('[data-add="hall.notices"]')
        for card in page.query_selector_all("details.card:not([open]) > summary"):
            card.click()
        fields = page.eval_on_selector_all(".settings-form [data-field]", "els => els.map(e => e.dataset.field)")
        seen |= {".".join("*" if p.isdigit() else p for p in f.split(".")) for f in fields}
    seen = {f for f in seen if not f.startswith("hall.weekday_hours.")}
    missing = expected - seen - set(NOT_ON_THE_PAGE)
    assert not missing, sorted(missing)
    assert "hall.public_url" not in seen and "kiosks.*.agent_key" not in seen

    # Set through the page, one of each kind: text, number, switch, time, weekday hours, choice,
    # one-per-line list, key → value, a new entry of a list. Saved for the next business day.
    section(page, "ticket")
    page.fill('[data-field="ticket.header"] input', "中国电信 · 演示营业厅")
    page.fill('[data-field="ticket.footer"] textarea', "请保管好号票\n过号请到导购台")
    section(page, "routing")
    page.fill('[data-field="routing.requeue_after"] input', "5")
    section(page, "voice")
    page.check('[data-field="voice.english"] input')
    page.select_option('[data-field="voice.engine"] select', "browser")
    section(page, "hall")
    page.fill('[data-field="hall.closing"] input', "17:30")
    page.check('[data-field="hall.weekday_hours.6"] input[type="checkbox"]')
    page.fill('[data-field="hall.weekday_hours.6"] input[data-part="closing"]', "16:00")
    page.check('[data-field="hall.closed_weekdays"] input[value="7"]')
    page.fill('[data-field="hall.closed_days"] textarea', "2027-01-01")
    section(page, "businesses")
    page.fill('[data-field="checklist.real_name"] input:not(.key)', "核验身份证原件")
    section(page, "kiosks")
    page.click('[data-add="kiosks"]')
    page.fill('[data-field="kiosks.2.id"] input', "k3")
    page.fill('[data-field="kiosks.2.name"] input', "二楼取号机")
    page.select_option('select[name="when"]', "next_day")
    said = save(page)
    assert "起生效" in said, said
    v = live.hall.settings.versions()[0]
    config = live.hall.settings.config_of({"config": __import__("json").dumps(
        live.hall.settings.version(v["id"])["config"])})
    assert config.ticket.header == "中国电信 · 演示营业厅" and config.ticket.footer == ("请保管好号票", "过号请到导购台")
    assert config.routing.requeue_after == 5 and config.voice.english and config.voice.engine == "browser"
    assert config.hall.closing.strftime("%H:%M") == "17:30"
    assert config.hall.weekday_hours[6].closing.strftime("%H:%M") == "16:00"
    assert config.hall.closed_weekdays == (7,) and str(config.hall.closed_days[0]) == "2027-01-01"
    assert config.checklist["real_name"] == "核验身份证原件"
    assert config.kiosk("k3").name == "二楼取号机"
    assert live.hall.plan.version == 1             # for tomorrow: today keeps the first


def test_the_duty_manager_changes_the_notices_and_sees_the_rest_read_only(browser, live):
    page = settings_page(browser, live, "demo-manager")
    assert page.is_visible(".limited")
    assert page.is_disabled('[data-field="hall.name"] input')
    section(page, "notices")
    page.click('[data-add="hall.notices"]')
    n = page.evaluate("window.hallSettings.data.hall.notices.length - 1")
    page.fill(f'[data-field="hall.notices.{n}.text"] input', "今天 17:00 提前关门")
    page.fill(f'[data-field="hall.notices.{n}.start"] input', "2026-01-01T09:00")
    page.fill(f'[data-field="hall.notices.{n}.end"] input', "2026-01-01T08:00")
    said = save(page)
    assert "1 处需要修改" in said
    assert "结束时间应晚于开始时间" in page.inner_text(f'[data-field="hall.notices.{n}.end"] .field-error')
    page.fill(f'[data-field="hall.notices.{n}.end"] input', "2099-01-01T08:00")
    said = save(page)
    assert "立即生效" in said, said
    assert live.hall.config.hall.notices[-1].text == "今天 17:00 提前关门"
