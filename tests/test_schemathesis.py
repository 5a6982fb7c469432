"""Hostile input from the API's own description: schemathesis generates requests for every
operation in /api/openapi.json (valid and invalid bodies, paths, queries), sent by the role the
operation is for; the hall never answers 5xx and every error has the contract's shape."""
from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from web import create_app

ROLE_OF_TAG = {"counter": "demo-clerk", "guide": "demo-guide", "manager": "demo-manager",
               "admin": "demo-admin"}
EXAMPLES = 12      # per operation: 45 operations → several hundred requests


@pytest.fixture(scope="module")
def hall_app(tmp_path_factory):
    app = create_app(None, tmp_path_factory.mktemp("fuzz") / "hall.db", demo=True)
    app.config["TESTING"] = False              # answers as in production, not exceptions raised
    return app


@pytest.fixture(scope="module")
def api_schema(hall_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", hall_app)


@pytest.fixture(scope="module")
def cookies(hall_app):
    """A session cookie per staff role (the demo accounts)."""
    out = {}
    for username in ROLE_OF_TAG.values():
        c = hall_app.test_client()
        r = c.post("/api/login", json={"username": username, "password": "demo"})
        assert r.status_code == 200
        out[username] = c.get_cookie("hall_session").value
    return out


def test_no_request_makes_the_hall_fail(api_schema, cookies):
    # Hypothesis per operation by hand: schemathesis's pytest plugin does not run on pytest 9.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    sent = []
    for operation in operations:
        tags = operation.tags or []
        who = next((ROLE_OF_TAG[t] for t in tags if t in ROLE_OF_TAG), None)
        signed_in = {"hall_session": cookies[who]} if who else {}

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def one(case):
            response = case.call(cookies=signed_in)
            sent.append(response.status_code)
            where = (case.method, case.formatted_path, response.text[:300])
            assert response.status_code < 500, where
            if response.status_code >= 400 and "json" in response.headers.get("Content-Type", [""])[0]:
                err = response.json().get("error")
                assert isinstance(err, dict), where
                assert isinstance(err.get("code"), str) and err["code"], where
                assert isinstance(err.get("message"), str) and err["message"], where

        one()
    assert len(sent) >= 300
    # The staff operations were reached as staff, not stopped at the sign-in.
    assert sent.count(401) < len(sent) / 4, sorted(Counter(sent).items())
