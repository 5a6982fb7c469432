"""Staff accounts managed by the admin over HTTP: who may, what a change does to the sessions of
the account changed, the rules that keep the hall an enabled admin, and the event log."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, login
from core.errors import HallError
from core.staff import DEMO_ACCOUNTS

ROUTES = [("GET", "/api/staff", None),
          ("POST", "/api/staff", {"username": "zhao", "role": "clerk", "password": "zhao-pass-1"}),
          ("POST", "/api/staff/demo-clerk", {"display_name": "李晓燕"}),
          ("POST", "/api/staff/demo-clerk/password", {"password": "new-pass-123"})]


def signed_in(app, username="demo-admin", password="demo"):
    c = app.test_client()
    login(c, username, password)
    return c


def send(c, method, path, body=None):
    return c.open(path, method=method, json=body)


def staff_events(app):
    hall = app.extensions["hall"].hall
    return hall.events(hall.today(), hall.today(), ("staff",))


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_only_an_admin_manages_staff(app, method, path, body):
    r = send(app.test_client(), method, path, body)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "login_required"
    for who in ("demo-clerk", "demo-guide", "demo-manager"):
        r = send(signed_in(app, who), method, path, body)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_role", who
    r = send(signed_in(app), method, path, body)
    assert r.status_code in (200, 201), r.get_json()


def test_the_list_never_shows_a_password_hash(app):
    r = signed_in(app).get("/api/staff")
    rows = r.get_json()["staff"]
    assert {row["username"] for row in rows} >= {"demo-clerk", "demo-guide", "demo-manager", "demo-admin"}
    assert set(rows[0]) == {"username", "role", "disabled", "display_name", "staff_no", "created_at"}
    assert "scrypt" not in r.get_data(as_text=True) and "hash" not in r.get_data(as_text=True)
    assert rows[0]["created_at"].endswith("+08:00")


def test_an_added_account_can_sign_in(app):
    admin = signed_in(app)
    r = admin.post("/api/staff", json={"username": "zhao.min", "role": "clerk", "password": "zhao-pass-1",
                                       "display_name": "赵敏", "staff_no": "A1009"})
    assert r.status_code == 201
    assert r.get_json() | {"created_at": None} == {
        "username": "zhao.min", "role": "clerk", "disabled": False, "display_name": "赵敏",
        "staff_no": "A1009", "created_at": None}
    clerk = signed_in(app, "zhao.min", "zhao-pass-1")
    assert clerk.get("/api/me").get_json()["role"] == "clerk"
    assert clerk.post("/api/counters/2/open").status_code == 200
    r = admin.post("/api/staff", json={"username": "zhao.min", "role": "guide", "password": "zhao-pass-2"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "user_exists"


def test_disabling_ends_the_session_and_refuses_sign_in(app):
    admin = signed_in(app)
    clerk = signed_in(app, "demo-clerk")
    assert clerk.get("/api/me").status_code == 200
    r = admin.post("/api/staff/demo-clerk", json={"disabled": True})
    assert r.status_code == 200 and r.get_json()["disabled"] is True
    assert clerk.get("/api/me").status_code == 401
    assert clerk.post("/api/counters/1/open").status_code == 401
    r = app.test_client().post("/api/login", json={"username": "demo-clerk", "password": "demo"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "bad_credentials"
    assert admin.post("/api/staff/demo-clerk", json={"disabled": False}).get_json()["disabled"] is False
    assert signed_in(app, "demo-clerk").get("/api/me").status_code == 200


def test_a_new_password_ends_the_old_sessions(app):
    admin = signed_in(app)
    clerk = signed_in(app, "demo-clerk")
    r = admin.post("/api/staff/demo-clerk/password", json={"password": "brand-new-pw"})
    assert r.status_code == 200 and r.get_json()["username"] == "demo-clerk"
    assert clerk.get("/api/me").status_code == 401             # signed in with the old password
    r = app.test_client().post("/api/login", json={"username": "demo-clerk", "password": "demo"})
    assert r.status_code == 401
    again = signed_in(app, "demo-clerk", "brand-new-pw")
    assert again.get("/api/me").status_code == 200
    # the HTML sign-in page takes the new password too
    r = app.test_client().post("/login", data={"username": "demo-clerk", "password": "brand-new-pw"})
    assert r.status_code == 302


def test_a_new_role_takes_effect_at_once(app):
    admin = signed_in(app)
    guide = signed_in(app, "demo-guide")
    r = admin.post("/api/staff/demo-guide", json={"role": "manager"})
    assert r.status_code == 200 and r.get_json()["role"] == "manager"
    assert guide.get("/api/me").status_code == 401              # the old session was a guide's
    manager = signed_in(app, "demo-guide")
    assert manager.get("/api/manager/hall").status_code == 200


def test_names_and_staff_numbers_change_alone(app):
    admin = signed_in(app)
    r = admin.post("/api/staff/demo-clerk", json={"display_name": "李小燕", "staff_no": "D1002"})
    assert r.get_json()["display_name"] == "李小燕" and r.get_json()["staff_no"] == "D1002"
    r = admin.post("/api/staff/demo-clerk", json={"staff_no": ""})
    assert r.get_json()["staff_no"] is None and r.get_json()["display_name"] == "李小燕"
    assert r.get_json()["role"] == "clerk" and r.get_json()["disabled"] is False
    assert signed_in(app, "demo-clerk").get("/api/me").status_code == 200   # no sign-out for a name


def test_an_admin_cannot_lock_themselves_out(app):
    admin = signed_in(app)
    admin.post("/api/staff", json={"username": "second-admin", "role": "admin", "password": "second-pass"})
    for change in ({"disabled": True}, {"role": "manager"}):
        r = admin.post("/api/staff/demo-admin", json=change)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "own_account"
        assert "自己" in r.get_json()["error"]["message"]
    assert admin.get("/api/me").get_json()["role"] == "admin"
    # another admin may
    other = signed_in(app, "second-admin", "second-pass")
    assert other.post("/api/staff/demo-admin", json={"role": "manager"}).status_code == 200


def test_the_hall_keeps_an_enabled_admin(app):
    accounts = app.extensions["hall"].accounts
    admin = signed_in(app)
    admin.post("/api/staff", json={"username": "second-admin", "role": "admin", "password": "second-pass"})
    other = signed_in(app, "second-admin", "second-pass")
    assert other.post("/api/staff/demo-admin", json={"disabled": True}).status_code == 200
    # second-admin is now the only enabled admin: nobody may take it away (over HTTP an admin
    # can only be refused as their own account; the CLI meets last_admin)
    for change in ({"disabled": True}, {"role": "clerk"}):
        with pytest.raises(HallError) as e:
            accounts.update("second-admin", **change)
        assert e.value.code == "last_admin" and e.value.status == 409 and "管理员" in e.value.message
    r = other.post("/api/staff/second-admin", json={"disabled": True})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "own_account"
    assert other.post("/api/staff/demo-admin", json={"role": "clerk"}).status_code == 200  # was disabled
    other.post("/api/staff", json={"username": "third-admin", "role": "admin", "password": "third-pass"})
    assert accounts.set_role("second-admin", "manager").role == "manager"      # third-admin remains


def test_the_cli_keeps_an_enabled_admin(tmp_path):
    db = str(tmp_path / "h.db")

    def users(*args):
        return subprocess.run([sys.executable, str(ROOT / "run.py"), "users", *args, "--db", db],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert users("add", "boss", "--role", "admin", "--password", "boss-pass-1").returncode == 0
    r = users("disable", "boss")
    assert r.returncode == 1 and "管理员" in r.stderr and "Traceback" not in r.stderr
    assert users("add", "deputy", "--role", "admin", "--password", "deputy-pass").returncode == 0
    assert users("disable", "boss").returncode == 0
    assert users("enable", "boss").returncode == 0


@pytest.mark.parametrize("path,body,status,code", [
    ("/api/staff", {"username": "x", "role": "clerk", "password": "long-enough"}, 400, "bad_username"),
    ("/api/staff", {"username": "中文名", "role": "clerk", "password": "long-enough"}, 400, "bad_username"),
    ("/api/staff", {"username": "zhao", "role": "clerk", "password": "short"}, 400, "weak_password"),
    ("/api/staff", {"username": "zhao", "role": "boss", "password": "long-enough"}, 422, "invalid_body"),
    ("/api/staff", {"username": "zhao", "password": "long-enough"}, 422, "invalid_body"),
    ("/api/staff", {"username": 7, "role": "clerk", "password": "long-enough"}, 422, "invalid_body"),
    ("/api/staff", ["zhao"], 422, "invalid_body"),
    ("/api/staff/demo-clerk", {}, 422, "invalid_body"),
    ("/api/staff/demo-clerk", {"role": "root"}, 422, "invalid_body"),
    ("/api/staff/demo-clerk", {"disabled": "yes"}, 422, "invalid_body"),
    ("/api/staff/demo-clerk", {"display_name": "名" * 40}, 422, "invalid_body"),
    ("/api/staff/nobody", {"disabled": True}, 404, "unknown_user"),
    ("/api/staff/demo-clerk/password", {"password": "short"}, 400, "weak_password"),
    ("/api/staff/demo-clerk/password", {}, 422, "invalid_body"),
    ("/api/staff/demo-clerk/password", {"password": 12345678}, 422, "invalid_body"),
    ("/api/staff/nobody/password", {"password": "long-enough"}, 404, "unknown_user"),
])
def test_bad_bodies_are_refused_with_a_code(app, path, body, status, code):
    r = signed_in(app).post(path, json=body)
    assert r.status_code == status, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == code and err["message"]


def test_not_json_is_refused(app):
    r = signed_in(app).post("/api/staff", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_json"


def test_the_event_log_says_who_changed_whom_without_passwords(app):
    admin = signed_in(app)
    admin.post("/api/staff", json={"username": "zhao", "role": "clerk", "password": "zhao-secret-1"})
    admin.post("/api/staff/zhao/password", json={"password": "zhao-secret-2"})
    admin.post("/api/staff/zhao", json={"role": "guide"})
    admin.post("/api/staff/zhao", json={"disabled": True})
    admin.post("/api/staff/zhao", json={"disabled": False, "display_name": "赵"})
    events = [e for e in staff_events(app) if e["data"]["target"] == "zhao"]
    assert [e["data"]["action"] for e in events] == ["added", "password", "role", "disabled", "enabled", "details"]
    assert all(e["clerk"] == "demo-admin" for e in events)
    assert events[2]["data"] == {"action": "role", "target": "zhao", "role": "guide", "from_role": "clerk"}
    hashes = [m.password_hash for m in app.extensions["hall"].accounts.all()]
    text = json.dumps(staff_events(app), ensure_ascii=False)
    assert "zhao-secret" not in text and "scrypt" not in text
    assert not any(h in text or h.split("$")[-1] in text for h in hashes)


def test_the_cli_and_start_up_are_named_in_the_log(app, tmp_path, clock):
    accounts = app.extensions["hall"].accounts
    accounts.add("li", "guide", "li-guide-pass")
    accounts.set_disabled("li")
    events = [e for e in staff_events(app) if e["data"]["target"] == "li"]
    assert [(e["clerk"], e["data"]["action"]) for e in events] == [("cli", "added"), ("cli", "disabled")]
    # a start without --demo disables the demo accounts, even the last admin (a known password
    # is worse than no admin: run.py users adds one)
    from web import create_app
    create_app(None, tmp_path / "h.db", demo=True, clock=clock).extensions["hall"].hall.store.close()
    plain = create_app(None, tmp_path / "h.db", demo=False, clock=clock)
    try:
        hall = plain.extensions["hall"].hall
        events = hall.events(hall.today(), hall.today(), ("staff",))
        assert {(e["clerk"], e["data"]["action"], e["data"]["target"]) for e in events} == {
            ("start-up", "disabled", name) for name in DEMO_ACCOUNTS}
    finally:
        plain.extensions["hall"].hall.store.close()


def test_the_staff_page_is_for_admins(app):
    assert app.test_client().get("/manager/staff").headers["Location"] == "/login?next=/manager/staff"
    # A manager is signed in: a clear refusal (403), not the login page again.
    r = signed_in(app, "demo-manager").get("/manager/staff")
    assert r.status_code == 403 and "此页面仅限管理员(admin)使用" in r.get_data(as_text=True)
    page = signed_in(app).get("/manager/staff").get_data(as_text=True)
    assert 'data-form="add"' in page and "data-message" in page
    # the manager pages link to it for an admin only
    assert 'href="/manager/staff"' in signed_in(app).get("/manager").get_data(as_text=True)
    assert 'href="/manager/staff"' in signed_in(app).get("/manager/stats").get_data(as_text=True)
    assert 'href="/manager/staff"' not in signed_in(app, "demo-manager").get("/manager").get_data(as_text=True)


def test_the_routes_are_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    assert set(doc["paths"]["/api/staff"]) == {"get", "post"}
    assert "post" in doc["paths"]["/api/staff/{username}"]
    assert "post" in doc["paths"]["/api/staff/{username}/password"]
    assert doc["paths"]["/api/staff"]["post"]["description"] == "Staff only: admin"


def test_a_demo_session_outlives_a_restart(tmp_path, clock, monkeypatch):
    """The demo accounts keep their hash across starts, so the session's password mark holds."""
    import core.staff
    from web import create_app
    first = create_app(None, tmp_path / "h.db", demo=True, clock=clock)
    c = first.test_client()
    login(c, "demo-manager")
    cookie = c.get_cookie("hall_session").value
    first.extensions["hall"].hall.store.close()
    monkeypatch.setattr(core.staff, "_demo_hash", None)      # as in a new process: a new salt
    second = create_app(None, tmp_path / "h.db", demo=True, clock=clock)
    try:
        again = second.test_client()
        again.set_cookie("hall_session", cookie)
        assert again.get("/api/me").get_json()["username"] == "demo-manager"
    finally:
        second.extensions["hall"].hall.store.close()


def test_a_disabled_or_reset_account_loses_its_live_staff_events(app):
    socketio = app.extensions["hall"].socketio
    admin = signed_in(app)
    clerk_http, guide_http = signed_in(app, "demo-clerk"), signed_in(app, "demo-guide")
    clerk = socketio.test_client(app, flask_test_client=clerk_http)
    guide = socketio.test_client(app, flask_test_client=guide_http)
    assert clerk.is_connected() and guide.is_connected()
    admin.post("/api/staff/demo-clerk", json={"display_name": "李晓燕"})   # a name: nothing ends
    assert clerk.is_connected()
    admin.post("/api/staff/demo-clerk", json={"disabled": True})
    assert not clerk.is_connected() and guide.is_connected()
    admin.post("/api/staff/demo-guide/password", json={"password": "brand-new-pw"})
    assert not guide.is_connected()
    # Connecting again with the old session is anonymous: in no staff member's room.
    again = socketio.test_client(app, flask_test_client=guide_http)
    assert again.is_connected()
    assert app.extensions["hall"].publisher.end_staff_sockets("demo-guide") == 0
