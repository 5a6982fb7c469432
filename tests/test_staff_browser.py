"""The admin's staff accounts (/manager/staff) in Debian's chromium against a live hall: add a
clerk, give it a new password, disable it; refusals show in the page's words."""
from __future__ import annotations

import pytest

from browser import LiveHall, shot
from browser import sign_in as signed_in


@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def sign_in(browser, live, username="demo-admin", path="/manager/staff"):
    return signed_in(browser, live, username, path)


def signs_in(live, username, password) -> bool:
    c = live.app.test_client()
    return c.post("/api/login", json={"username": username, "password": password}).status_code == 200


def row(username):
    return f'tr[data-user="{username}"]'


def test_admin_adds_a_clerk_resets_the_password_and_disables_it(browser, live):
    page = sign_in(browser, live)
    page.on("dialog", lambda d: d.accept())            # the confirm before disabling
    page.wait_for_selector(row("demo-admin"))
    # one's own row cannot be demoted or disabled
    assert page.is_disabled(f'{row("demo-admin")} select[name="role"]')
    assert page.is_disabled(f'{row("demo-admin")} [data-action="toggle"]')

    form = 'form[data-form="add"]'
    page.fill(f'{form} [name="username"]', "zhao.min")
    page.select_option(f'{form} [name="role"]', "clerk")
    page.fill(f'{form} [name="password"]', "short")
    page.fill(f'{form} [name="display_name"]', "赵敏")
    page.fill(f'{form} [name="staff_no"]', "A1009")
    page.click(f'{form} [type="submit"]')
    page.wait_for_selector('[data-message][data-kind="error"]')
    assert "密码至少 10 位" in page.inner_text("[data-message]")
    page.fill(f'{form} [name="password"]', "zhao-pass-1")
    page.click(f'{form} [type="submit"]')
    page.wait_for_selector(row("zhao.min"))
    assert page.input_value(f'{row("zhao.min")} select[name="role"]') == "clerk"
    assert page.input_value(f'{row("zhao.min")} input[name="display_name"]') == "赵敏"
    assert "已添加 赵敏" in page.inner_text("[data-message]")
    assert signs_in(live, "zhao.min", "zhao-pass-1")

    page.click(f'{row("zhao.min")} [data-action="reset"]')
    page.wait_for_selector('dialog[open] input[name="password"]')
    assert "赵敏" in page.inner_text("dialog[open] .dialog-title")
    page.fill('dialog[open] input[name="password"]', "zhao-pass-2")
    shot(page, "staff-01-reset-dialog")
    page.click('dialog[open] [data-action="save-password"]')
    page.wait_for_selector("dialog.password-dialog:not([open])", state="attached")
    page.wait_for_function("document.querySelector('[data-message]').textContent.includes('新密码')")
    assert signs_in(live, "zhao.min", "zhao-pass-2") and not signs_in(live, "zhao.min", "zhao-pass-1")

    page.click(f'{row("zhao.min")} [data-action="toggle"]')
    page.wait_for_selector(f'{row("zhao.min")}[data-disabled="true"]')
    assert page.inner_text(f'{row("zhao.min")} .state') == "已停用"
    assert page.inner_text(f'{row("zhao.min")} [data-action="toggle"]') == "启用"
    assert not signs_in(live, "zhao.min", "zhao-pass-2")
    shot(page, "staff-02-disabled")

    # a role change from the row's select
    page.select_option(f'{row("demo-guide")} select[name="role"]', "manager")
    page.wait_for_function("document.querySelector('[data-message]').textContent.includes('值班经理')")
    assert live.app.extensions["hall"].accounts.get("demo-guide").role == "manager"
    # a name saved as it is left
    page.fill(f'{row("demo-clerk")} input[name="display_name"]', "李小燕")
    page.press(f'{row("demo-clerk")} input[name="display_name"]', "Tab")
    page.wait_for_function("document.querySelector('[data-message]').textContent.includes('资料')")
    assert live.app.extensions["hall"].accounts.get("demo-clerk").display_name == "李小燕"


def test_refusals_show_in_the_pages_language(browser, live):
    page = sign_in(browser, live)
    page.wait_for_selector(row("demo-manager"))
    page.click('[data-lang="en"]')
    page.wait_for_function("document.querySelector('[data-form=\"add\"] [type=\"submit\"]').textContent === 'Add'")
    page.fill('form[data-form="add"] [name="username"]', "demo-clerk")
    page.fill('form[data-form="add"] [name="password"]', "long-enough-1")
    page.click('form[data-form="add"] [type="submit"]')
    page.wait_for_selector('[data-message][data-kind="error"]')
    assert page.inner_text("[data-message]") == "That username is already taken"
    shot(page, "staff-03-english-refusal")
    page.click('[data-lang="zh"]')
    page.click('form[data-form="add"] [type="submit"]')
    page.wait_for_function("document.querySelector('[data-message]').textContent.includes('已存在')")


def test_the_manager_page_links_to_staff_accounts_for_an_admin_only(browser, live):
    page = sign_in(browser, live, path="/manager")
    page.click('a[href="/manager/staff"]')
    page.wait_for_url("**/manager/staff")
    page.wait_for_selector(row("demo-clerk"))
    manager = sign_in(browser, live, "demo-manager", path="/manager")
    manager.wait_for_selector("main[data-painted]")
    assert manager.query_selector('a[href="/manager/staff"]') is None
