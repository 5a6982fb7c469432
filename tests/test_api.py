"""The HTTP API of CONTRACT.md through Flask's test client."""
from __future__ import annotations

import pytest

from conftest import as_device, issue, login


def test_hall_catalogue(client):
    h = client.get("/api/hall").get_json()
    assert len(h["businesses"]) == 18 and len(h["counters"]) >= 4
    new = next(b for b in h["businesses"] if b["code"] == "F-NEW")
    assert new == {**new, "line": "fixed", "prefix": "A", "id_required": True, "self_service": False,
                   "target_s": 300, "max_s": 600}
    assert {"key", "text"} <= set(new["checklist"][0])
    assert {"id", "name", "businesses"} <= set(h["counters"][0])


def test_issue_is_idempotent_and_shaped(client):
    r = issue(client, "M-NEW", "req-42")
    assert r.status_code == 201
    t = r.get_json()
    assert t["number"] == "G001" and t["status"] == "waiting"
    assert t["issued_at"].endswith("+08:00")
    assert t["track_url"] == f"http://hall.example:5000/t/{t['id']}"
    again = issue(client, "M-NEW", "req-42")
    assert again.status_code == 200 and again.get_json()["id"] == t["id"]
    assert issue(client, "M-NEW").get_json()["number"] == "G002"


def test_track_url_ignores_the_host_header(client):
    t = as_device(client).post("/api/tickets", json={"business": "F-NEW", "request_id": "h"},
                               headers={"Host": "evil.example"}).get_json()
    assert t["track_url"].startswith("http://hall.example:5000/t/")


def test_kiosk_without_a_printer_says_not_printed(client):
    t = issue(client, "F-NEW", kiosk="k1").get_json()
    assert t["printed"] is False and t["print_error"] == "no_printer"


def test_public_ticket_view(client):
    t = issue(client, "F-NEW").get_json()
    v = client.get(f"/api/tickets/{t['id']}").get_json()
    assert {"number", "business", "status", "ahead", "estimated_wait_s", "counter"} <= set(v)
    assert "masked_name" not in v and "id_hash" not in v
    assert client.get("/api/tickets/nope").status_code == 404


def test_full_life_over_http(app, client, clerk):
    t = issue(client, "F-NEW").get_json()
    r = clerk.post("/api/counters/1/call-next")
    assert r.status_code == 200
    called = r.get_json()["ticket"]
    assert called["id"] == t["id"] and called["status"] == "called" and called["counter"] == "1"
    assert client.get(f"/api/tickets/{t['id']}").get_json()["counter"] == "1"
    assert clerk.post("/api/counters/1/recall").get_json()["ticket"]["status"] == "called"
    assert clerk.post("/api/counters/1/start").get_json()["ticket"]["status"] == "serving"
    assert clerk.post("/api/counters/1/finish").get_json()["ticket"]["status"] == "done"
    r = client.post(f"/api/tickets/{t['id']}/rating", json={"score": 4, "comment": "很好"})
    assert r.status_code == 201
    assert client.post(f"/api/tickets/{t['id']}/rating", json={"score": 3}).status_code == 409
    assert clerk.post("/api/counters/1/call-next").get_json()["ticket"] is None


def test_no_show_transfer_pause_resume_over_http(client, clerk):
    issue(client, "F-NEW")
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    assert clerk.post("/api/counters/1/no-show").get_json()["ticket"]["status"] == "no_show"
    clerk.post("/api/counters/1/call-next")
    moved = clerk.post("/api/counters/1/transfer", json={"business": "M-NEW"}).get_json()["ticket"]
    assert moved["status"] == "transferred" and moved["business"] == "M-NEW" and moved["number"] == "A002"
    assert clerk.post("/api/counters/1/pause").get_json()["counter"]["state"] == "paused"
    assert clerk.post("/api/counters/1/call-next").status_code == 409
    assert clerk.post("/api/counters/1/resume").get_json()["counter"]["state"] == "open"
    assert clerk.post("/api/counters/1/close").get_json()["counter"]["state"] == "closed"


def test_clerk_must_hold_the_counter(app, client):
    c = app.test_client()
    login(c, "demo-clerk")
    r = c.post("/api/counters/2/call-next")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "not_your_counter"
    other = app.test_client()
    login(other, "demo-manager")
    other.post("/api/counters/2/open")
    r = c.post("/api/counters/2/open")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "counter_taken"


@pytest.mark.parametrize("user,status", [(None, 401), ("demo-guide", 403), ("demo-clerk", 403)])
def test_stats_need_a_manager(app, user, status):
    c = app.test_client()
    if user:
        login(c, user)
    r = c.get("/api/stats?from=2026-11-25&to=2026-11-25")
    assert r.status_code == status and "error" in r.get_json()


def test_stats_for_a_manager(app, client, clerk):
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/finish")
    m = app.test_client()
    login(m, "demo-manager")
    s = m.get("/api/stats?from=2026-11-25&to=2026-11-25").get_json()
    f = s["businesses"]["F-NEW"]
    assert f["issued"] == 1 and f["served"] == 1 and f["no_show"] == 0
    assert {"wait_mean_s", "wait_p90_s", "service_mean_s", "within_target"} <= set(f)
    r = m.get("/api/stats?from=2026-11-26&to=2026-11-25")
    assert r.status_code == 422


def test_login_logout_and_me(app):
    c = app.test_client()
    assert c.get("/api/me").status_code == 401
    r = login(c, "demo-guide")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert c.get("/api/me").get_json()["role"] == "guide"
    c.post("/api/logout")
    assert c.get("/api/me").status_code == 401


def test_wrong_password_and_throttle(app):
    c = app.test_client()
    for _ in range(5):
        r = c.post("/api/login", json={"username": "demo-admin", "password": "nope"})
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "bad_credentials"
    r = c.post("/api/login", json={"username": "demo-admin", "password": "demo"})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) >= 1


def test_disabled_account_stops_at_once(app):
    c = app.test_client()
    login(c, "demo-guide")
    app.extensions["hall"].accounts.set_disabled("demo-guide")
    assert c.get("/api/me").status_code == 401


def test_cross_site_state_changes_are_refused(app):
    c = app.test_client()
    login(c, "demo-clerk")
    r = c.post("/api/counters/1/open", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "cross_site"
    r = c.post("/api/counters/1/open", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = c.post("/api/counters/1/open", headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200


def test_priority_needs_staff(app, client):
    r = issue(client, "F-NEW", priority="senior")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "priority_needs_staff"
    g = app.test_client()
    login(g, "demo-guide")
    assert issue(g, "F-NEW", priority="senior").get_json()["priority"] == "senior"


def test_login_page(app):
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page and 'type="submit"' in page
    r = c.post("/login?next=/counter", data={"username": "demo-clerk", "password": "demo"})
    assert r.status_code == 302 and r.headers["Location"] == "/counter"
    r = c.post("/login?next=//evil.example/", data={"username": "demo-clerk", "password": "demo"})
    assert r.headers["Location"] == "/counter"
    r = app.test_client().post("/login", data={"username": "demo-clerk", "password": "x"})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/hall", "/api/tickets", "/api/tickets/{token}", "/api/tickets/{token}/rating",
                 "/api/login", "/api/kiosks/{kiosk_id}/read-card", "/api/stats",
                 "/api/counters/{counter_id}/call-next", "/api/counters/{counter_id}/transfer"):
        assert path in doc["paths"], path
    body = doc["paths"]["/api/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/IssueTicket")
    assert {"business", "request_id"} <= set(doc["components"]["schemas"]["IssueTicket"]["required"])


def test_read_card_without_a_reader(client):
    r = as_device(client).post("/api/kiosks/k1/read-card")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "reader_unavailable"
    r = client.post("/api/kiosks/k9/read-card")           # k1's credential speaks for k1 only
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_device"


class CountingPrinter:
    """A device service that counts prints (the real drivers arrive with issue 3)."""

    def __init__(self, fail: str | None = None):
        self.printed: list[str] = []
        self.fail = fail

    def print_ticket(self, kiosk, ticket, hall):
        self.printed.append(ticket["number"])
        return (False, self.fail) if self.fail else (True, None)


def test_a_retried_kiosk_request_does_not_print_twice(app, client):
    printer = CountingPrinter()
    app.extensions["hall"].devices = printer
    first = issue(client, "F-NEW", "kiosk-retry", kiosk="k1")
    again = issue(client, "F-NEW", "kiosk-retry", kiosk="k1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["printed"] is True and again.get_json()["printed"] is True
    assert printer.printed == ["A001"]


def test_print_failure_is_reported_and_remembered(app, client):
    app.extensions["hall"].devices = CountingPrinter(fail="paper_out")
    t = issue(client, "F-NEW", "p1", kiosk="k1").get_json()
    assert t["printed"] is False and t["print_error"] == "paper_out" and t["number"] == "A001"
    again = issue(client, "F-NEW", "p1", kiosk="k1").get_json()
    assert again["printed"] is False and again["print_error"] == "paper_out"


def test_emergency_issuing_modes(app, client):
    m = app.test_client()
    login(m, "demo-manager")
    r = m.post("/api/hall/issuing", json={"mode": "paused", "message": "系统故障,暂停取号"})
    assert r.status_code == 200 and r.get_json()["mode"] == "paused"
    r = issue(client, "F-NEW")
    assert r.status_code == 409 and r.get_json()["error"] == {"code": "issuing_paused",
                                                             "message": "系统故障,暂停取号"}
    m.post("/api/hall/issuing", json={"mode": "limited", "businesses": ["M-TOPUP"], "message": "仅办理充值"})
    assert issue(client, "M-TOPUP").status_code == 201
    assert issue(client, "F-NEW").get_json()["error"]["code"] == "business_closed"
    assert m.post("/api/hall/issuing", json={"mode": "limited"}).status_code == 400
    assert m.post("/api/hall/issuing", json={"mode": "limited", "businesses": ["NOPE"]}).status_code == 404
    m.post("/api/hall/issuing", json={"mode": "normal"})
    assert issue(client, "F-NEW").status_code == 201
    clerk = app.test_client()
    login(clerk, "demo-clerk")
    assert clerk.post("/api/hall/issuing", json={"mode": "paused"}).status_code == 403


def test_help_request_reaches_staff_only(app, client):
    socketio = app.extensions["hall"].socketio
    staff_http = app.test_client()
    login(staff_http, "demo-guide")
    staff, public = socketio.test_client(app, flask_test_client=staff_http), socketio.test_client(app)
    staff.get_received(), public.get_received()
    assert as_device(client).post("/api/kiosks/k1/help", json={"business": "M-TOPUP"}).status_code == 201
    got = [m["args"][0] for m in staff.get_received() if m["name"] == "help_requested"]
    assert got[0]["kiosk_name"] == "大门取号机" and got[0]["business_name"] == "充值卡"
    assert not [m for m in public.get_received() if m["name"] == "help_requested"]
    assert client.post("/api/kiosks/k9/help", json={}).status_code == 403


def test_checklist_required_before_finish(app, client, clerk):
    m = app.test_client()
    login(m, "demo-manager")
    m.post("/api/counters/3/open")
    issue(client, "M-NEW")
    m.post("/api/counters/3/call-next")
    r = m.post("/api/counters/3/finish")
    err = r.get_json()["error"]
    assert r.status_code == 409 and err["code"] == "checklist_incomplete"
    assert set(err["missing"]) == {"real_name", "anti_fraud", "contract_terms"}
    for key in ("real_name", "anti_fraud", "contract_terms", "welcome"):
        assert m.post("/api/counters/3/checklist", json={"key": key}).status_code == 200
    assert m.post("/api/counters/3/checklist", json={"key": "dance"}).status_code == 400
    desk = m.get("/api/counters/3/desk").get_json()
    items = {i["key"]: i for i in desk["customer"]["checklist"]}
    assert items["anti_fraud"]["ticked"] and items["anti_fraud"]["required"] and not items["farewell"]["ticked"]
    assert m.post("/api/counters/3/finish").get_json()["ticket"]["status"] == "done"
    hall = app.extensions["hall"].hall
    finished = hall.events(hall.today(), hall.today(), ("finished",))[-1]
    assert "anti_fraud" in finished["data"]["checklist"] and finished["data"]["checklist_missing"] == []
    assert m.get("/api/counters/3/desk").get_json()["my_day"]["served"] == 1


def test_call_next_holds_a_started_service_to_the_checklist(app, client, clock):
    m = app.test_client()
    login(m, "demo-manager")
    m.post("/api/counters/3/open")
    issue(client, "M-NEW")
    issue(client, "M-NEW")
    assert m.post("/api/counters/3/call-next").get_json()["ticket"]["number"] == "G001"
    assert m.post("/api/counters/3/start").status_code == 200
    clock.advance(120)
    r = m.post("/api/counters/3/call-next")                 # the pad's "done, next" skips nothing
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "checklist_incomplete"
    assert m.get("/api/counters/3/desk").get_json()["customer"]["status"] == "serving"
    for key in ("real_name", "anti_fraud", "contract_terms"):
        m.post("/api/counters/3/checklist", json={"key": key})
    assert m.post("/api/counters/3/call-next").get_json()["ticket"]["number"] == "G002"
    # Called, never started: call-next refuses (start or no-show first); nothing counted served.
    r = m.post("/api/counters/3/call-next")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "call_repeated"
    clock.advance(30)
    r = m.post("/api/counters/3/call-next")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_started"
    hall = app.extensions["hall"].hall
    assert [e["number"] for e in hall.events(hall.today(), hall.today(), ("finished",))] == ["G001"]
    # A no-show pressed by mistake comes back within a minute.
    assert m.post("/api/counters/3/no-show").status_code == 200
    r = m.post("/api/counters/3/undo-no-show")
    assert r.status_code == 200 and r.get_json()["ticket"]["status"] == "called"
    assert r.get_json()["counter"]["current"] == "G002" and r.get_json()["version"] > 0


def test_every_page_word_has_its_english(app):
    from babel.messages.pofile import read_po
    from web.i18n import TRANSLATIONS
    with (TRANSLATIONS / "en/LC_MESSAGES/messages.po").open("rb") as f:
        english = {m.id: m.string for m in read_po(f) if m.id}
    from counter.strings import STRINGS as counter
    from display.strings import STRINGS as display
    from guide.strings import STRINGS as guide
    from kiosk.strings import STRINGS as kiosk
    from manager.strings import STRINGS as manager
    missing = [s._args[0] for page in (counter, display, guide, kiosk, manager) for s in page.values()
               if not english.get(s._args[0])]
    assert missing == []


def test_pause_reasons(app, clerk):
    assert clerk.post("/api/counters/1/pause", json={"reason": "break"}).status_code == 200
    assert clerk.post("/api/counters/1/resume").status_code == 200
    assert clerk.post("/api/counters/1/pause", json={"reason": "nap"}).status_code == 422
    hall = app.extensions["hall"].hall
    assert hall.events(hall.today(), hall.today(), ("paused",))[0]["data"]["reason"] == "break"
