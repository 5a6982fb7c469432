"""The security review's remaining points as tests: session fixation, and secrets in logs."""
from __future__ import annotations

import json
import sqlite3

import requests

from conftest import login
from server import HallServer


def test_signing_in_replaces_the_session_it_came_with(app):
    c = app.test_client()
    c.get("/login?lang=en")                                   # an anonymous session exists first
    c.set_cookie("hall_session", "planted-by-someone-else")   # or one an attacker planted
    login(c, "demo-clerk")
    after = c.get_cookie("hall_session").value
    assert after != "planted-by-someone-else"
    assert c.get("/api/me").status_code == 200
    other = app.test_client()
    other.set_cookie("hall_session", "planted-by-someone-else")
    assert other.get("/api/me").status_code == 401             # the planted one signs nobody in


def test_passwords_and_secrets_never_reach_the_log(tmp_path):
    server = HallServer(tmp_path / "hall.db").start()
    try:
        s = requests.Session()
        for password in ("wrong-Secret-123", "demo"):
            s.post(server.url + "/api/login", json={"username": "demo-admin", "password": password},
                   timeout=10)
        s.post(server.url + "/api/staff", json={"username": "zhao.min", "role": "clerk",
                                               "password": "Initial-Pass-456"}, timeout=10)
        s.post(server.url + "/api/staff/zhao.min/password", json={"password": "Reset-Pass-789"},
               timeout=10)
        cookie = s.cookies.get("hall_session")
    finally:
        server.stop()
    log = server.output()
    conn = sqlite3.connect(tmp_path / "hall.db")
    try:
        keys = json.loads((tmp_path / "hall.db.keys").read_text())     # core/keys.py
        secrets = [keys["session_key"], keys["id_hash_key"]]
        stored = "\n".join(str(row) for row in conn.execute("SELECT * FROM events"))
    finally:
        conn.close()
    assert len(secrets) == 2 and "zhao.min" in stored
    for secret in ["wrong-Secret-123", "Initial-Pass-456", "Reset-Pass-789", cookie, *secrets]:
        assert secret and secret not in log, secret
        assert secret not in stored, secret
