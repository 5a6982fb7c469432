"""Bad input on every endpoint: always a 4xx JSON error with a code and a message, never a 5xx.

Driven by the API's own route registry, so a new endpoint is covered the day it is added.
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import as_device, login
from web.api import ROUTES

GARBAGE_BODIES = [
    b"",
    b"not json",
    b"[1, 2, 3]",
    b'"a string"',
    b"null",
    b"{}",
    b'{"business": 5, "request_id": ["x"], "score": "4", "username": {}, "password": 1}',
    b'{"business": "F-NEW", "request_id": ""}',
    b'{"business": "NOPE", "request_id": "r"}',
    b'{"score": 99}',
    b'{"score": 0, "comment": 5}',
    b'{"counter": "99"}',
    b'{"business": null, "counter": null}',
    b'{"business": "' + b"x" * 5000 + b'", "request_id": "r"}',
    b"\xff\xfe\x00garbage",
    json.dumps({"business": "F-NEW", "request_id": "r", "card_token": "forged"}).encode(),
    json.dumps({"business": "F-NEW", "request_id": "r", "kiosk": "k99"}).encode(),
]
PATH_VALUES = ["1", "nope", "%00", "..%2F..", "9" * 200, "k1"]


def fill(rule: str, value: str) -> str:
    return re.sub(r"<[^>]+>", value, rule)


def assert_json_error(r, context):
    # 503 is a device or capacity refusal (CONTRACT: a reader fault), never a crash.
    assert r.status_code < 500 or r.status_code == 503, (context, r.status_code,
                                                         r.get_data(as_text=True)[:300])
    if r.status_code >= 400:
        body = r.get_json(silent=True)
        assert body and isinstance(body.get("error"), dict), (context, r.get_data(as_text=True)[:300])
        assert body["error"]["code"] and body["error"]["message"], context


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One hall for the whole garbage run: signing in per test would dominate its time."""
    from web import create_app
    app = create_app(None, tmp_path_factory.mktemp("bad") / "hall.db", demo=True)
    yield app
    app.extensions["hall"].hall.store.close()


@pytest.fixture(scope="module", params=[None, "demo-clerk", "demo-guide", "demo-manager", "kiosk k1",
                                        "counter_screen 1"])
def anyone(request, shared_app):
    c = shared_app.test_client()
    if request.param and " " in request.param:            # an enrolled device
        return as_device(c, *request.param.split())
    if request.param:
        login(c, request.param)
        if request.param == "demo-clerk":
            c.post("/api/counters/1/open")
    return c


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.rule}")
def test_garbage_never_breaks_an_endpoint(anyone, route):
    for value in PATH_VALUES:
        path = fill(route.rule, value)
        for body in GARBAGE_BODIES if route.method != "GET" else [b""]:
            r = anyone.open(path, method=route.method, data=body,
                            content_type="application/json")
            assert_json_error(r, (route.method, path, body[:60]))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"],
                         ids=lambda r: f"{r.method} {r.rule}")
def test_huge_bodies_are_refused(client, route):
    path = fill(route.rule, "1")
    big = b'{"business": "' + b"x" * (70 * 1024) + b'"}'
    r = client.open(path, method="POST", data=big, content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.roles], ids=lambda r: f"{r.method} {r.rule}")
def test_staff_endpoints_need_login(client, route):
    r = client.open(fill(route.rule, "1"), method=route.method, json={})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "login_required"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.roles and "guide" not in r.roles],
                         ids=lambda r: f"{r.method} {r.rule}")
def test_guide_cannot_use_counter_or_manager_endpoints(app, route):
    c = app.test_client()
    login(c, "demo-guide")
    r = c.open(fill(route.rule, "1"), method=route.method, json={})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_role"


def test_missing_fields_and_wrong_types_name_the_field(client):
    as_device(client)
    r = client.post("/api/tickets", json={"request_id": "r"})
    err = r.get_json()["error"]
    # The person reads the field's name in the hall's words; a program reads `fields`.
    assert r.status_code == 422 and err["code"] == "invalid_body" and err["message"] == "请填写「业务」"
    assert err["fields"] == [{"field": "business", "problem": "missing"}]
    r = client.post("/api/tickets", json={"business": 7, "request_id": "r"})
    err = r.get_json()["error"]
    assert r.status_code == 422 and err["message"] == "「业务」应为文字" and err["fields"][0]["field"] == "business"
    r = client.post("/api/tickets", json={"business": "NOPE", "request_id": "r"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_business"


def test_unknown_counter_and_paths(app):
    c = app.test_client()
    login(c, "demo-clerk")
    r = c.post("/api/counters/99/open")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_counter"
    r = c.get("/api/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = c.delete("/api/tickets")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_bad_query_strings(app):
    m = app.test_client()
    login(m, "demo-manager")
    for q in ("", "?from=x&to=y", "?from=2026-13-01&to=2026-13-02", "?from=2020-01-01&to=2026-01-01"):
        r = m.get("/api/stats" + q)
        assert r.status_code == 422, q
        assert r.get_json()["error"]["code"] == "invalid_body"


ROLE_ACCOUNTS = {"clerk": "demo-clerk", "guide": "demo-guide", "manager": "demo-manager",
                 "admin": "demo-admin"}


@pytest.fixture(scope="module")
def signed_in(shared_app):
    """One signed-in client per role (signing in per case would dominate the run)."""
    clients = {}
    for role, username in ROLE_ACCOUNTS.items():
        c = shared_app.test_client()
        login(c, username)
        clients[role] = c
    return clients


@pytest.mark.parametrize("route, role", [(r, role) for r in ROUTES if r.roles
                                         for role in ROLE_ACCOUNTS if role not in r.roles],
                         ids=lambda v: v if isinstance(v, str) else f"{v.method} {v.rule}")
def test_every_staff_endpoint_refuses_every_other_role(signed_in, route, role):
    """The security review's table, as a test: each staff route, each role it is not for."""
    r = signed_in[role].open(fill(route.rule, "1"), method=route.method, json={})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_role", (role, route.rule)
