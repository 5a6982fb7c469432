"""Staff sessions that end (core/sessions.py, web/auth.py): signing out on the server, a fixed
lifetime, idle times per role, a restart survived; the sign-in throttle per (account, address)
and address with a hall-wide slowdown that junk cannot flush; the password rule."""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from email.utils import parsedate_to_datetime

import pytest

from conftest import login
from core.errors import HallError
from core.passwords import check
from web.auth import SLOWDOWN_S, LoginThrottle

STRANGER = {"REMOTE_ADDR": "10.9.9.9"}
COUNTER_PC = {"REMOTE_ADDR": "10.0.0.11"}


def me(client):
    return client.get("/api/me")


def refused(r) -> bool:
    return r.status_code == 401 and r.get_json()["error"]["code"] == "login_required"


def rows(app) -> list[dict]:
    conn = sqlite3.connect(app.extensions["hall"].hall.store.path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM sessions ORDER BY created_at")]
    finally:
        conn.close()


# --- ending -------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["api", "page"])
def test_a_cookie_replayed_after_signing_out_is_refused(app, how):
    c = app.test_client()
    login(c, "demo-clerk")
    cookie = c.get_cookie("hall_session").value
    if how == "api":
        assert c.post("/api/logout").status_code == 204
    else:
        assert c.get("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("hall_session", cookie)
    assert refused(me(replay))
    assert rows(app)[-1]["ended_at"] is not None


def test_the_table_holds_only_the_hash_of_the_session_id(app):
    c = app.test_client()
    login(c, "demo-guide")
    sid = app.session_interface.get_signing_serializer(app).loads(
        c.get_cookie("hall_session").value)["sid"]
    [row] = rows(app)
    assert row["id_hash"] == hashlib.sha256(sid.encode()).hexdigest()
    assert sid not in str(row) and (row["username"], row["role"]) == ("demo-guide", "guide")


def test_use_does_not_extend_the_cookie_or_the_session(app, clock):
    c = app.test_client()
    r = c.post("/api/login", json={"username": "demo-clerk", "password": "demo"})
    [cookie] = r.headers.getlist("Set-Cookie")
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    for _ in range(11 * 4):                   # busy all day, a request every quarter of an hour
        clock.advance(15 * 60)
        r = me(c)
        assert r.status_code == 200 and not r.headers.getlist("Set-Cookie")  # not re-issued
    c.get("/login?lang=en")                   # a page that may touch the cookie: same expiry
    for header in c.get("/api/me").headers.getlist("Set-Cookie"):
        assert parsedate_to_datetime(header.split("Expires=")[1].split(";")[0]) == expires
    clock.advance(3600)                       # 12 h after sign-in, however busy
    assert refused(me(c))


@pytest.mark.parametrize("user, idle_min", [("demo-admin", 30), ("demo-manager", 120),
                                            ("demo-clerk", 480), ("demo-guide", 480)])
def test_an_idle_session_ends_after_its_role_s_time(app, clock, user, idle_min):
    used, left = app.test_client(), app.test_client()
    login(used, user)
    login(left, user)
    clock.advance(idle_min * 60 - 90)
    assert me(used).status_code == 200        # still there: and this use counts
    clock.advance(180)
    assert me(used).status_code == 200
    assert refused(me(left))                  # not used for its role's idle time: ended
    hall = app.extensions["hall"].hall
    [out] = hall.events(hall.today(), "2999-12-31", ("signed_out",))
    assert (out["clerk"], out["data"]["reason"]) == (user, "idle")


def test_last_seen_is_written_at_most_once_a_minute(app, clock):
    c = app.test_client()
    login(c, "demo-clerk")
    first = rows(app)[0]["last_seen"]
    for _ in range(5):
        clock.advance(10)
        me(c)
    assert rows(app)[0]["last_seen"] == first
    clock.advance(15)
    me(c)
    assert rows(app)[0]["last_seen"] == first + 65


def test_a_session_survives_a_restart(tmp_path, clock):
    from web import create_app
    first = create_app(None, tmp_path / "h.db", clock=clock)
    first.extensions["hall"].accounts.add("zhao.min", "clerk", "window-7-pass")
    c = first.test_client()
    login(c, "zhao.min", "window-7-pass")
    cookie = c.get_cookie("hall_session").value
    first.extensions["hall"].hall.store.close()
    second = create_app(None, tmp_path / "h.db", clock=clock)
    try:
        again = second.test_client()
        again.set_cookie("hall_session", cookie)
        assert me(again).get_json()["username"] == "zhao.min"
    finally:
        second.extensions["hall"].hall.store.close()


def test_a_changed_account_ends_its_sessions_in_the_table(app):
    admin, clerk, guide = app.test_client(), app.test_client(), app.test_client()
    login(admin, "demo-admin")
    login(clerk, "demo-clerk")
    login(guide, "demo-guide")
    admin.post("/api/staff/demo-clerk", json={"disabled": True})
    admin.post("/api/staff/demo-guide/password", json={"password": "a-new-guide-pass"})
    ended = {r["username"] for r in rows(app) if r["ended_at"] is not None}
    assert ended == {"demo-clerk", "demo-guide"}
    assert refused(me(clerk)) and refused(me(guide)) and me(admin).status_code == 200


def test_cookies_are_secure_when_the_hall_is_reached_over_https(tmp_path, clock):
    from web import create_app
    from web.auth import cookie_secure
    app = create_app(None, tmp_path / "h.db", demo=True, clock=clock,
                     public_url="https://hall.example")
    try:
        r = app.test_client().post("/api/login", json={"username": "demo-clerk", "password": "demo"})
        assert "; Secure" in r.headers["Set-Cookie"] and cookie_secure(app)
    finally:
        app.extensions["hall"].hall.store.close()


def test_sign_ins_and_outs_are_in_the_event_log_and_the_log(app, caplog):
    caplog.set_level(logging.INFO, logger="hall.auth")
    c = app.test_client()
    c.post("/api/login", json={"username": "demo-clerk", "password": "Wrong-Horse-41"},
           environ_base=COUNTER_PC)
    login(c, "demo-clerk")
    c.post("/api/logout")
    hall = app.extensions["hall"].hall
    log = hall.events(hall.today(), "2999-12-31", ("signed_in", "signed_out", "sign_in_failed"))
    assert [(e["kind"], e["clerk"], e["data"].get("address")) for e in log] == [
        ("sign_in_failed", "demo-clerk", "10.0.0.11"), ("signed_in", "demo-clerk", "127.0.0.1"),
        ("signed_out", "demo-clerk", "127.0.0.1")]
    assert "Wrong-Horse-41" not in str(log) and "Wrong-Horse-41" not in caplog.text
    assert "'demo-clerk' from 10.0.0.11" in caplog.text


# --- the throttle -------------------------------------------------------------------------
def test_a_stranger_s_guesses_do_not_lock_the_clerk_out_at_the_counter(app):
    stranger, clerk = app.test_client(), app.test_client()
    for _ in range(8):
        stranger.post("/api/login", json={"username": "demo-clerk", "password": "guess-guess"},
                      environ_base=STRANGER)
    r = stranger.post("/api/login", json={"username": "demo-clerk", "password": "demo"},
                      environ_base=STRANGER)
    assert r.status_code == 429                                  # the stranger waits …
    r = clerk.post("/api/login", json={"username": "demo-clerk", "password": "demo"},
                   environ_base=COUNTER_PC)
    assert r.status_code == 200                                  # … the clerk does not


def test_one_address_guessing_many_accounts_is_slowed_down(app):
    c = app.test_client()
    for i in range(20):
        r = c.post("/api/login", json={"username": f"user{i}", "password": "guess-guess"},
                   environ_base=STRANGER)
        assert r.status_code == 401
    r = c.post("/api/login", json={"username": "demo-guide", "password": "demo"},
               environ_base=STRANGER)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_many_failures_in_the_hall_slow_every_attempt_for_a_moment():
    now = [1000.0]
    t = LoginThrottle(hall_wide=10, clock=lambda: now[0])
    for i in range(10):
        t.failed(f"pair:u{i}|10.1.0.{i}", f"addr:10.1.0.{i}")
    assert t.retry_after("pair:clerk|10.0.0.11", "addr:10.0.0.11") == 0    # ten: not yet
    t.failed("pair:u|10.2.0.1", "addr:10.2.0.1")
    assert t.retry_after("pair:clerk|10.0.0.11", "addr:10.0.0.11") == SLOWDOWN_S
    now[0] += 61                                                # a minute on: over
    assert t.retry_after("pair:clerk|10.0.0.11", "addr:10.0.0.11") == 0


def test_junk_keys_do_not_flush_the_count_of_the_attacked_pair():
    now = [1000.0]
    t = LoginThrottle(hall_wide=10**9, max_keys=10_000, clock=lambda: now[0])
    attacked = ("pair:demo-admin|10.9.9.9", "addr:10.9.9.9")
    for _ in range(14):
        t.failed(*attacked)
    wait = t.retry_after(*attacked)
    assert wait > 200                                            # 2⁹ s, capped at 300
    for i in range(10_000):                                      # then 10,000 distinct names
        t.failed(f"pair:junk{i}|10.8.{i // 250}.{i % 250}", f"addr:10.8.{i // 250}.{i % 250}")
    assert len(t._fails) <= t.max_keys                           # memory stays bounded …
    assert t.retry_after(*attacked) == pytest.approx(wait)       # … and the count holds


def test_a_full_table_refuses_new_names_rather_than_forget_the_penalised():
    now = [1000.0]
    t = LoginThrottle(free=1, free_per_address=1, hall_wide=10**9, max_keys=100,
                      clock=lambda: now[0])
    for i in range(100):                                         # each under a penalty
        t.failed(f"pair:u{i}|a", )
    assert t.retry_after("pair:u0|a") > 0
    t.failed("pair:new|b")
    assert t.retry_after("pair:new|b") == SLOWDOWN_S and t.retry_after("pair:u0|a") > 0
    now[0] += t.forget_s                                         # all quiet long enough
    assert t.retry_after("pair:new|b") == 0


def test_the_shared_throttle_counts_the_same_rule_in_redis():
    """Two processes' throttles on one Redis (run.py --workers): the pair's count and the
    hall-wide slowdown are the hall's, not each process's."""
    from redis_server import RedisServer
    from web.auth import SharedLoginThrottle
    server = RedisServer().start()
    try:
        one, two = (SharedLoginThrottle(server.url, "hall:test", hall_wide=8) for _ in range(2))
        attacked = ("pair:demo-admin|10.9.9.9", "addr:10.9.9.9")
        for throttle in (one, two, one, two, one):
            throttle.failed(*attacked)
        assert two.retry_after(*attacked) > 0                          # five in all
        assert two.retry_after("pair:demo-clerk|10.0.0.11", "addr:10.0.0.11") == 0
        for i in range(4):
            (one, two)[i % 2].failed(f"pair:u{i}|10.1.0.{i}", f"addr:10.1.0.{i}")
        assert one.retry_after("pair:demo-clerk|10.0.0.11", "addr:10.0.0.11") == SLOWDOWN_S
    finally:
        server.stop()


# --- passwords ----------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["12345678", "password123", "Password123", "qwertyuiop",
                                      "1234567890", "iloveyou12", "aaaaaaaaaaaa", "short-1"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(HallError) as e:
        check(password)
    assert e.value.code == "weak_password" and "密码" in e.value.message


@pytest.mark.parametrize("password", ["correct horse battery staple", "Xq7-plum-orbit-92",
                                      "柜台三号的新密码2026"])
def test_strong_passwords_are_accepted(password):
    check(password)


def test_the_rule_holds_wherever_a_password_is_set(app):
    admin = app.test_client()
    login(admin, "demo-admin")
    r = admin.post("/api/staff", json={"username": "zhao.min", "role": "clerk",
                                       "password": "password123"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "weak_password"
    r = admin.post("/api/staff/demo-clerk/password", json={"password": "12345678"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "weak_password"
    r = admin.post("/api/staff", json={"username": "zhao.min", "role": "clerk",
                                       "password": "Xq7-plum-orbit-92"})
    assert r.status_code == 201, r.get_json()
