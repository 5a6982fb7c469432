"""The hall's settings as versions (issue 19), in the core: every change a version with who,
when and what changed in words; applied live; refused mid-day where today's tickets rely on the
old value, or saved for the next business day; any version restorable; the file adopted when
it is new to the store."""
from __future__ import annotations

import json

import pytest

from core.config import load_config
from core.day_config import DayPlan
from core.errors import Conflict, HallError
from core.hall import Hall
from core.store import Store


def plain(config):
    data = json.loads(config.model_dump_json())
    data["hall"]["public_url"] = None
    return data


def seen_now(hall):
    hall.plan._checked = float("-inf")         # as another process sees it within REFRESH_S
    return hall.config


def test_the_file_is_the_first_version_and_a_change_is_the_next(hall, clock):
    (first,) = hall.settings.versions()
    assert first["source"] == "file" and first["by"] == "config-file" and first["changes"] == ["首次记录设置"]
    data = plain(hall.config)
    data["businesses"][0]["name"] = "固网新装"
    data["hall"]["notices"] = ["今日 5G 套餐升级优惠"]
    v, _ = hall.settings.save(data, "demo-admin", base_version=first["id"])
    assert v["by"] == "demo-admin" and v["source"] == "page" and v["effective_day"] is None
    assert "业务 · F-NEW · 名称:新开户 → 固网新装" in v["changes"]
    assert any(line.startswith("大厅 · 滚动通知") for line in v["changes"])
    config = seen_now(hall)
    assert config.business("F-NEW").name == "固网新装" and [n.text for n in config.hall.notices] == ["今日 5G 套餐升级优惠"]
    assert hall.plan.version == v["id"]
    assert [x["id"] for x in hall.settings.versions()] == [v["id"], first["id"]]
    logged = hall.events(hall.today(), hall.today(), ("settings",))[-1]
    assert logged["clerk"] == "demo-admin" and logged["data"]["version"] == v["id"]


def test_a_windows_order_of_preference_is_what_it_calls_next(hall, clock):
    hall.issue_ticket("F-NEW", "a")
    hall.issue_ticket("F-QUERY", "b")
    data = plain(hall.config)
    one = next(c for c in data["counters"] if c["id"] == "1")
    one["businesses"] = ["F-QUERY"] + [b for b in one["businesses"] if b != "F-QUERY"]
    v, _ = hall.settings.save(data, "demo-admin")
    assert any("窗口 · 1 · 办理业务" in line for line in v["changes"])
    seen_now(hall)
    hall.open_counter("1", "alice")
    assert hall.call_next("1", "alice")[0].business == "F-QUERY"


def test_a_bad_value_is_refused_next_to_its_field(hall):
    data = plain(hall.config)
    data["businesses"][0]["prefix"] = "a1"
    data["hall"]["target_wait_s"] = -5
    with pytest.raises(HallError) as e:
        hall.settings.save(data, "demo-admin")
    assert e.value.code == "invalid_settings" and e.value.status == 422
    fields = {f["field"] for f in e.value.details["fields"]}
    assert {"businesses.0.prefix", "hall.target_wait_s"} <= fields
    assert "号码前缀" in e.value.message and "等待时长标准" in e.value.message
    with pytest.raises(Conflict) as e:
        hall.settings.save(plain(hall.config), "demo-admin")
    assert e.value.code == "nothing_changed"


def test_what_today_relies_on_waits_for_the_next_business_day(hall, clock):
    hall.issue_ticket("F-NEW", "a")                         # A001 waits
    data = plain(hall.config)
    data["businesses"][0]["prefix"] = "Z"
    with pytest.raises(Conflict) as e:
        hall.settings.save(data, "demo-admin")
    assert e.value.code == "not_mid_day" and "号码前缀" in e.value.message
    v, _ = hall.settings.save(data, "demo-admin", when="next_day")
    assert v["effective_day"] > hall.today()
    assert seen_now(hall).business("F-NEW").prefix == "A"           # not today
    clock.advance(24 * 3600)
    assert seen_now(hall).business("F-NEW").prefix == "Z"           # the next morning
    assert hall.issue_ticket("F-NEW", "b")[0].number == "Z001"


def test_a_change_saved_meanwhile_is_not_overwritten_and_a_version_is_restored(hall):
    first = hall.settings.versions()[0]["id"]
    data = plain(hall.config)
    data["hall"]["hotline"] = "10000"
    mine, _ = hall.settings.save(data, "demo-admin", base_version=first)
    data["hall"]["hotline"] = "10010"
    with pytest.raises(Conflict) as e:
        hall.settings.save(data, "demo-manager", base_version=first)   # edited the old one
    assert e.value.code == "settings_changed" and "demo-admin" in e.value.message
    back, _ = hall.settings.restore(first, "demo-admin")
    assert back["source"] == "restore" and "大厅 · 客服热线:10000 → 10099" in back["changes"]
    assert seen_now(hall).hall.hotline == "10099"
    assert hall.settings.version(mine["id"])["config"]["hall"]["hotline"] == "10000"


def test_the_file_edited_since_is_adopted_at_start_and_the_versions_stand_otherwise(tmp_path, clock, config):
    store = Store(tmp_path / "hall.db")
    try:
        hall = Hall(config, store, clock)
        data = plain(hall.config)
        data["hall"]["hotline"] = "10000"
        hall.settings.save(data, "demo-admin")
        again = Hall(config, store, clock)                  # a restart, the file as it was
        assert again.config.hall.hotline == "10000" and len(again.settings.versions()) == 2
        edited = config.model_copy(update={"hall": config.hall.model_copy(update={"hotline": "12345"})})
        third = Hall(edited, store, clock)                  # the file edited on the server
        assert third.config.hall.hotline == "12345"
        (latest, *_) = third.settings.versions()
        assert latest["source"] == "file" and "大厅 · 客服热线:10000 → 12345" in latest["changes"]
    finally:
        store.close()


def test_the_command_lines_public_address_stays_over_every_version(tmp_path, clock, config):
    store = Store(tmp_path / "hall.db")
    try:
        served = config.model_copy(update={"hall": config.hall.model_copy(update={"public_url": "http://10.0.0.9:5000"})})
        hall = Hall(served, store, clock)
        data = plain(hall.config)
        data["hall"]["name"] = "二号营业厅"
        hall.settings.save(data, "demo-admin")
        config = seen_now(hall)
        assert config.hall.name == "二号营业厅" and config.hall.public_url == "http://10.0.0.9:5000"
        assert isinstance(hall.plan, DayPlan)
    finally:
        store.close()


def test_the_statistics_follow_the_settings(hall):
    data = plain(hall.config)
    data["businesses"][0]["target_s"] = 123
    hall.settings.save(data, "demo-admin")
    seen_now(hall)
    assert hall.statistics_part.config.business("F-NEW").target_s == 123
    assert load_config().business("F-NEW").target_s != 123


# --- through the API ----------------------------------------------------------------------
def test_the_api_for_the_admin_and_the_duty_manager(app):
    from conftest import login
    admin = app.test_client()
    login(admin, "demo-admin")
    manager = app.test_client()
    login(manager, "demo-manager")
    got = admin.get("/api/settings").get_json()
    assert got["may_change"] == "all" and got["config"]["hall"]["public_url"] is None
    data = got["config"]
    data["counters"][0]["name"] = "一号窗口"
    r = admin.post("/api/settings", json={"config": data, "base_version": got["version"]})
    assert r.status_code == 201, r.get_json()
    v = r.get_json()["version"]
    assert r.get_json()["in_force"] == v["id"] and "窗口 · 1 · 名称:1号窗口 → 一号窗口" in v["changes"]
    assert app.test_client().get("/api/hall").get_json()["counters"][0]["name"] == "一号窗口"
    # The duty manager: the notices yes, a window's name no.
    m = manager.get("/api/settings").get_json()
    assert m["may_change"] == ["hall.notices", "alerts"]
    m["config"]["hall"]["notices"] = ["今天 16:00 系统升级"]
    assert manager.post("/api/settings", json={"config": m["config"]}).status_code == 201
    m["config"]["counters"][0]["name"] = "壹号窗口"
    r = manager.post("/api/settings", json={"config": m["config"]})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "settings_admin_only"
    # A bad value: 422 with the field; the versions; a restore; TOML out and in.
    bad = admin.get("/api/settings").get_json()["config"]
    bad["hall"]["opening"] = "25:00"
    r = admin.post("/api/settings", json={"config": bad})
    assert r.status_code == 422 and r.get_json()["error"]["fields"][0]["field"] == "hall.opening"
    versions = admin.get("/api/settings/versions").get_json()["versions"]
    assert [x["source"] for x in versions] == ["page", "page", "file"]
    r = admin.post(f"/api/settings/versions/{versions[-1]['id']}/restore", json={})
    assert r.status_code == 201 and r.get_json()["version"]["source"] == "restore"
    assert app.test_client().get("/api/hall").get_json()["counters"][0]["name"] == "1号窗口"
    text = admin.get("/api/settings.toml").get_data(as_text=True)
    assert "[[businesses]]" in text and 'code = "F-NEW"' in text
    r = admin.post("/api/settings.toml", json={"toml": text.replace('hotline = "10099"', 'hotline = "10000"')})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"]["source"] == "import"
    assert admin.post("/api/settings.toml", json={"toml": "[[x"}).status_code == 422
    assert manager.post("/api/settings.toml", json={"toml": text}).status_code == 403
    assert app.test_client().get("/api/settings").status_code == 401
    clerk = app.test_client()
    login(clerk, "demo-clerk")
    assert clerk.get("/api/settings").status_code == 403
    assert admin.get("/api/settings/versions/9999").status_code == 404
