"""The guide's and the counter's after-service HTTP API through Flask's test client."""
from __future__ import annotations

import pytest

from conftest import as_device, issue, login


def staff(app, username: str):
    c = app.test_client()
    login(c, username)
    return c


@pytest.fixture
def guide(app):
    return staff(app, "demo-guide")


def hall_of(app):
    return app.extensions["hall"].hall


def error(r, status: int, code: str):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# --- who may see the floor ------------------------------------------------------------------
@pytest.mark.parametrize("user,status", [(None, 401), ("demo-clerk", 403), ("demo-guide", 200),
                                         ("demo-manager", 200), ("demo-admin", 200)])
def test_floor_roles(app, user, status):
    c = staff(app, user) if user else app.test_client()
    r = c.get("/api/floor")
    assert r.status_code == status
    if status == 200:
        assert {"today", "counters", "long_waits", "arrivals", "help", "alerts",
                "follow_ups"} <= set(r.get_json())
    else:
        assert r.get_json()["error"]["code"] in ("login_required", "wrong_role")


@pytest.mark.parametrize("path", ["/api/alerts", "/api/follow-ups"])
def test_lists_need_a_login(app, path):
    error(app.test_client().get(path), 401, "login_required")


def test_floor_shows_the_lineup(client, clerk, guide, clock):
    issue(client, "F-NEW")
    clock.advance(5)
    second = issue(client, "F-NEW").get_json()
    clerk.post("/api/counters/1/call-next")
    board = guide.get("/api/floor").get_json()
    one = next(c for c in board["counters"] if c["id"] == "1")
    assert one["current"]["number"] == "A001" and one["on_deck"]["id"] == second["id"]
    assert one["on_deck"]["deck"] == 1 and one["third"] is None and one["waiting"] == 1
    assert [(a["number"], a["status"]) for a in board["arrivals"]] == [("A002", "waiting"),
                                                                     ("A001", "called")]


# --- pre-check ----------------------------------------------------------------------------
def test_precheck_over_http(app, client, guide):
    t = issue(client, "F-NEW").get_json()
    r = guide.post(f"/api/tickets/{t['id']}/precheck", json={})
    assert r.status_code == 200
    assert r.get_json() == {"ticket": t["id"], "number": "A001", "prechecked": True,
                            "prechecked_by": "demo-guide"}
    board = guide.get("/api/floor").get_json()
    assert board["arrivals"][0]["id"] == t["id"]
    r = guide.post(f"/api/tickets/{t['id']}/precheck", json={"checked": False})
    assert r.get_json()["prechecked"] is False and r.get_json()["prechecked_by"] is None
    assert guide.post(f"/api/tickets/{t['id']}/precheck").status_code == 200     # no body: checked
    assert hall_of(app).ticket(t["id"]).prechecked_by == "demo-guide"
    error(guide.post(f"/api/tickets/{t['id']}/precheck", json={"checked": "maybe"}), 422, "invalid_body")


def test_precheck_refusals_over_http(app, client, clerk, guide):
    t = issue(client, "F-NEW").get_json()
    error(app.test_client().post(f"/api/tickets/{t['id']}/precheck", json={}), 401, "login_required")
    error(clerk.post(f"/api/tickets/{t['id']}/precheck", json={}), 403, "wrong_role")
    error(guide.post("/api/tickets/nope/precheck", json={}), 404, "unknown_ticket")
    clerk.post("/api/counters/1/call-next")
    error(guide.post(f"/api/tickets/{t['id']}/precheck", json={}), 409, "not_waiting")


# --- help requests --------------------------------------------------------------------------
def test_help_accept_and_close_over_http(app, client, guide):
    as_device(client, "kiosk", "k2")
    assert client.post("/api/kiosks/k2/help", json={"business": "M-RENEW"}).status_code == 201
    assert client.post("/api/kiosks/k2/help", json={"business": "M-RENEW"}).status_code == 201
    (req,) = guide.get("/api/floor").get_json()["help"]          # the repeated tap joined
    assert req["kiosk_name"] == "自助区取号机" and req["state"] == "open"
    r = guide.post(f"/api/help/{req['id']}/accept")
    assert r.status_code == 200
    assert r.get_json() == {**r.get_json(), "id": req["id"], "state": "accepted",
                            "accepted_by": "demo-guide"}
    manager = staff(app, "demo-manager")
    err = error(manager.post(f"/api/help/{req['id']}/accept"), 409, "help_accepted")
    assert "demo-guide" in err["message"]
    assert manager.post(f"/api/help/{req['id']}/close").get_json()["state"] == "closed"
    error(guide.post(f"/api/help/{req['id']}/close"), 409, "help_closed")
    assert guide.get("/api/floor").get_json()["help"] == []
    clerk = staff(app, "demo-clerk")
    error(clerk.post(f"/api/help/{req['id']}/close"), 403, "wrong_role")
    error(app.test_client().post(f"/api/help/{req['id']}/accept"), 401, "login_required")


# "²" passes str.isdigit() but not int().
BAD_IDS = ["abc", "1.5", "-1", "0x10", "99999999999999999999", "9" * 13, "%C2%B2",
           "%EF%BC%91", "%D9%A1", "1%20", "%20"]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("path,code", [
    ("/api/help/{}/accept", "unknown_help_request"),
    ("/api/help/{}/close", "unknown_help_request"),
    ("/api/alerts/{}/ack", "unknown_alert"),
])
def test_bad_ids_are_404_never_500(guide, bad, path, code):
    error(guide.post(path.format(bad)), 404, code)


@pytest.mark.parametrize("bad", BAD_IDS + ["999999999999", "0"])
def test_bad_follow_up_ids_are_404(guide, bad):
    error(guide.post(f"/api/follow-ups/{bad}/answer", json={"answer": "好"}), 404, "unknown_follow_up")


def test_a_long_but_valid_id_that_does_not_exist_is_404(guide):
    error(guide.post("/api/help/999999999999/accept"), 404, "unknown_help_request")
    error(guide.post("/api/alerts/999999999999/ack"), 404, "unknown_alert")


# --- alerts ---------------------------------------------------------------------------------
def test_alerts_over_http(app, guide):
    hall_of(app).record_device({"device": "printer-k1", "kind": "printer", "kiosk": "k1",
                                "ok": False, "state": "paper_out"})
    (a,) = guide.get("/api/alerts").get_json()["alerts"]
    assert a == {**a, "kind": "device", "subject": "printer-k1", "message": "大门取号机打印机缺纸",
                 "acknowledged": False, "at": "2026-11-25T09:30:00+08:00"}
    error(staff(app, "demo-clerk").post(f"/api/alerts/{a['id']}/ack"), 403, "wrong_role")
    r = guide.post(f"/api/alerts/{a['id']}/ack")
    assert r.status_code == 200
    assert r.get_json() == {**a, "acknowledged": True, "acked_by": "demo-guide"}
    assert guide.get("/api/alerts").get_json()["alerts"] == []
    error(guide.post(f"/api/alerts/{a['id']}/ack"), 409, "already_acknowledged")


# --- follow-ups -----------------------------------------------------------------------------
def test_follow_up_from_the_counter_listed_and_answered(app, client, clerk, guide):
    t = issue(client, "F-QUERY").get_json()
    clerk.post("/api/counters/1/call-next")
    r = clerk.post("/api/counters/1/follow-up",
                   json={"contact": "138-1234-5678", "question": "上月账单多扣 20 元", "ticket": t["id"]})
    assert r.status_code == 201, r.get_json()
    f = r.get_json()
    assert f == {**f, "kind": "query", "number": "D001", "business": "F-QUERY", "contact": "13812345678",
                 "due_date": "2026-11-30", "due_warning": None, "overdue": False, "due_today": False,
                 "opened_by": "demo-clerk", "answered": False, "question": "上月账单多扣 20 元"}
    assert f["recorded"]["follow_ups"][0]["id"] == f["id"]

    listed = guide.get("/api/follow-ups").get_json()
    assert listed["today"] == "2026-11-25" and [x["id"] for x in listed["follow_ups"]] == [f["id"]]
    assert clerk.get("/api/follow-ups").status_code == 200            # clerks may answer too

    error(guide.post(f"/api/follow-ups/{f['id']}/answer", json={"answer": ""}), 422, "invalid_body")
    r = guide.post(f"/api/follow-ups/{f['id']}/answer", json={"answer": "已退回 20 元"})
    assert r.status_code == 200
    assert r.get_json() == {**r.get_json(), "answered": True, "answered_by": "demo-guide",
                            "contact": "138****5678", "answer": "已退回 20 元"}
    assert guide.get("/api/follow-ups").get_json()["follow_ups"] == []
    error(clerk.post(f"/api/follow-ups/{f['id']}/answer", json={"answer": "再答"}), 409,
          "already_answered")


def test_counter_follow_up_refusals(app, client, clerk):
    t = issue(client, "F-QUERY").get_json()
    clerk.post("/api/counters/1/call-next")
    body = {"contact": "13812345678", "question": "问题"}
    error(clerk.post("/api/counters/1/follow-up", json=body), 400, "ticket_missing")
    error(clerk.post("/api/counters/1/follow-up", json={**body, "ticket": t["id"], "contact": "12345"}),
          400, "bad_contact")
    error(clerk.post("/api/counters/1/follow-up", json={**body, "ticket": t["id"], "kind": "praise"}),
          422, "invalid_body")
    manager = staff(app, "demo-manager")
    manager.post("/api/counters/2/open")
    error(manager.post("/api/counters/2/follow-up", json={**body, "ticket": t["id"]}), 403,
          "not_your_customer")
    error(staff(app, "demo-guide").post("/api/counters/1/follow-up", json={**body, "ticket": t["id"]}),
          403, "wrong_role")


def test_floor_follow_up_by_the_guide(app, guide):
    r = guide.post("/api/follow-ups", json={"contact": "0571 8765 4321", "question": "信号差投诉",
                                            "kind": "complaint", "business": "M-OTHER"})
    assert r.status_code == 201
    f = r.get_json()
    assert f == {**f, "kind": "complaint", "contact": "0571-87654321", "due_date": "2026-11-27",
                 "number": None, "business_name": "其他综合业务(亲情号等)"}
    error(guide.post("/api/follow-ups", json={"contact": "13812345678", "question": "问"}), 400,
          "business_missing")
    error(guide.post("/api/follow-ups", json={"contact": "13812345678", "question": "问",
                                              "business": "NOPE"}), 404, "unknown_business")
    error(staff(app, "demo-clerk").post("/api/follow-ups", json={"contact": "13812345678",
                                                                 "question": "问", "business": "M-NEW"}),
          403, "wrong_role")


# --- recommendation and churn -----------------------------------------------------------------
def test_recommendation_and_churn_over_http(app, client, clerk, config):
    t = issue(client, "F-CHANGE").get_json()
    clerk.post("/api/counters/1/call-next")
    r = clerk.post("/api/counters/1/recommendation", json={"ticket": t["id"], "what": "千兆宽带提速",
                                                          "accepted": True})
    assert r.status_code == 201
    assert [x["what"] for x in r.get_json()["recommendations"]] == ["千兆宽带提速"]
    err = error(clerk.post("/api/counters/1/churn", json={"ticket": t["id"], "reason": "不知道",
                                                          "stayed": False}), 400, "unknown_churn_reason")
    assert err["choices"] == list(config.after_service.churn_reasons)
    r = clerk.post("/api/counters/1/churn", json={"ticket": t["id"], "reason": "资费偏高",
                                                  "offer": "资费优惠或降档", "stayed": True})
    assert r.status_code == 201 and r.get_json()["churn"][0]["stayed"] is True
    error(clerk.post("/api/counters/1/churn", json={"ticket": t["id"], "reason": "资费偏高"}), 422,
          "invalid_body")
    manager = staff(app, "demo-manager")
    manager.post("/api/counters/2/open")
    error(manager.post("/api/counters/2/recommendation", json={"ticket": t["id"], "what": "流量包",
                                                               "accepted": False}),
          403, "not_your_customer")
    error(clerk.post("/api/counters/2/recommendation", json={"ticket": t["id"], "what": "流量包",
                                                             "accepted": False}),
          403, "not_your_counter")


def test_churn_refused_for_a_new_subscription_over_http(client, clerk):
    t = issue(client, "F-NEW").get_json()
    clerk.post("/api/counters/1/call-next")
    error(clerk.post("/api/counters/1/churn", json={"ticket": t["id"], "reason": "其他", "stayed": False}),
          409, "not_an_account_closing")


# --- the desk's after-service block ---------------------------------------------------------
def test_desk_after_service_block(app, client, clerk, config):
    assert clerk.get("/api/counters/1/desk").get_json()["after_service"] is None
    t = issue(client, "F-CHANGE").get_json()
    clerk.post("/api/counters/1/call-next")
    block = clerk.get("/api/counters/1/desk").get_json()["after_service"]
    assert block["ticket"] == t["id"] and block["done"] is False and block["retention"] is True
    clerk.post("/api/counters/1/recommendation", json={"ticket": t["id"], "what": "流量包", "accepted": False})
    assert clerk.post("/api/counters/1/finish").status_code == 200

    block = clerk.get("/api/counters/1/desk").get_json()["after_service"]
    assert block == {**block, "ticket": t["id"], "number": "B001", "business": "F-CHANGE",
                     "business_name": "业务变更", "done": True, "retention": True}
    assert block["follow_up_due"] == {"date": "2026-11-30", "warning": None, "working_days": 3}
    assert block["lists"] == {"recommendations": list(config.after_service.recommendations),
                              "churn_reasons": list(config.after_service.churn_reasons),
                              "retention_offers": list(config.after_service.retention_offers)}
    assert [x["what"] for x in block["recorded"]["recommendations"]] == ["流量包"]
    # Still recordable after finishing.
    r = clerk.post("/api/counters/1/follow-up", json={"contact": "13812345678", "question": "改资料进度",
                                                      "ticket": t["id"]})
    assert r.status_code == 201
    block = clerk.get("/api/counters/1/desk").get_json()["after_service"]
    assert [f["id"] for f in block["recorded"]["follow_ups"]] == [r.get_json()["id"]]


def test_desk_after_service_for_mobile_and_no_retention(app, client):
    m = staff(app, "demo-manager")
    m.post("/api/counters/5/open")
    issue(client, "M-TOPUP")
    m.post("/api/counters/5/call-next")
    m.post("/api/counters/5/finish")
    block = m.get("/api/counters/5/desk").get_json()["after_service"]
    assert block["retention"] is False and block["done"] is True
    assert block["follow_up_due"] == {"date": "2026-11-27", "warning": None, "working_days": 2}


def test_desk_after_service_expires(app, client, clerk, clock):
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/finish")
    assert clerk.get("/api/counters/1/desk").get_json()["after_service"] is not None
    clock.advance(1801)
    assert clerk.get("/api/counters/1/desk").get_json()["after_service"] is None


def test_openapi_lists_the_new_routes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/floor", "/api/tickets/{ticket_id}/precheck", "/api/help/{help_id}/accept",
                 "/api/help/{help_id}/close", "/api/alerts", "/api/alerts/{alert_id}/ack",
                 "/api/follow-ups", "/api/follow-ups/{follow_up_id}/answer",
                 "/api/counters/{counter_id}/recommendation", "/api/counters/{counter_id}/churn",
                 "/api/counters/{counter_id}/follow-up"):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/follow-ups"])
