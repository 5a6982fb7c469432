"""The hall's Wi-Fi is shared with its customers: what an enrolled device may do, what another
device and a stranger get (docs/security.md). Each finding of the trust review is a test here."""
from __future__ import annotations

import re
import subprocess
import sys
import uuid

import pytest

from conftest import as_device, device_headers, issue, login
from server import ROOT
from web.api import ROUTES


def error(r, status: int, code: str):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.get_json()["error"]["code"] == code
    return r.get_json()["error"]


def logged(app, kind: str) -> list[dict]:
    hall = app.extensions["hall"].hall
    return hall.events(hall.today(), hall.today(), (kind,))


@pytest.fixture
def admin(app):
    c = app.test_client()
    login(c, "demo-admin")
    return c


# --- a kiosk's reader, printer and help button answer only that kiosk ---------------------------
def test_a_stranger_cannot_read_the_card_lying_on_a_kiosk(app, client):
    error(client.post("/api/kiosks/k1/read-card"), 401, "device_required")
    error(as_device(app.test_client(), "kiosk", "k2").post("/api/kiosks/k1/read-card"), 403, "wrong_device")
    error(as_device(app.test_client(), "counter_screen", "1").post("/api/kiosks/k1/read-card"), 403,
          "wrong_device")
    signed_in = app.test_client()
    login(signed_in, "demo-manager")              # staff do not read cards: the kiosk does
    error(signed_in.post("/api/kiosks/k1/read-card"), 401, "device_required")
    refused = logged(app, "device_refused")
    assert {e["data"]["code"] for e in refused} == {"device_required", "wrong_device"}
    assert all(e["data"]["path"] == "/api/kiosks/k1/read-card" for e in refused)


def test_a_stranger_cannot_print_or_call_the_guide_at_a_kiosk(app, client):
    error(issue(client, kiosk="k1", device=False), 401, "device_required")
    error(client.post("/api/kiosks/k1/help", json={}), 401, "device_required")
    k2 = as_device(app.test_client(), "kiosk", "k2")
    error(k2.post("/api/tickets", json={"business": "F-NEW", "request_id": "x1", "kiosk": "k1"}), 403,
          "wrong_device")
    t = issue(client, kiosk="k1").get_json()        # k1 itself prints at k1
    error(client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"}), 401, "device_required")
    guide = app.test_client()
    login(guide, "demo-guide")                      # the guide's tablet prints where it names
    assert guide.post("/api/tickets", json={"business": "F-NEW", "request_id": "g1", "kiosk": "k2"}
                      ).status_code == 201


def test_anonymous_tickets_cannot_exhaust_a_days_numbers(app, client):
    """999 anonymous POST /api/tickets used to take a business's numbers for the day."""
    for i in range(20):
        error(issue(client, "F-NEW", f"anon-{i}", device=False), 401, "device_required")
    assert app.extensions["hall"].hall.waiting_counts().get("F-NEW", 0) == 0
    r = issue(client, "F-NEW")                     # the real kiosk still issues
    assert r.status_code == 201 and r.get_json()["number"] == "A001"


def test_remote_tickets_where_the_hall_allows_them_are_limited_per_source(tmp_path, clock):
    from core.config import load_config
    from web import create_app
    config = load_config()
    config = config.model_copy(update={"remote": config.remote.model_copy(
        update={"tickets": True, "per_source_per_day": 2})})
    app = create_app(config, tmp_path / "remote.db", demo=True, clock=clock)
    try:
        phone, other = app.test_client(), app.test_client()
        assert issue(phone, "F-QUERY", device=False).status_code == 201
        assert issue(phone, "F-QUERY", device=False).status_code == 201
        err = error(issue(phone, "F-QUERY", device=False), 429, "too_many_tickets")
        assert "上限" in err["message"]
        other.environ_base["REMOTE_ADDR"] = "10.0.0.99"        # another phone
        assert issue(other, "F-QUERY", device=False).status_code == 201
        # Never past the emergency mode.
        manager = app.test_client()
        login(manager, "demo-manager")
        assert manager.post("/api/hall/issuing", json={"mode": "paused", "message": "疏散演练"}).status_code == 200
        other.environ_base["REMOTE_ADDR"] = "10.0.0.98"
        error(issue(other, "F-QUERY", device=False), 409, "issuing_paused")
        # The database keeps no address: a keyed hash per source.
        with app.extensions["hall"].hall.store.read() as tx:
            sources = [r[0] for r in tx.conn.execute("SELECT source FROM remote_quota")]
        assert sources and not any("10.0.0" in s or "127.0.0.1" in s for s in sources)
    finally:
        app.extensions["hall"].hall.store.close()


# --- a card token only at the kiosk that read it, once ---------------------------------------------
class CardOnReader:
    """A kiosk's reader with a card on it (no printers)."""
    def read_card(self, kiosk):
        return {"name": "张三", "id_number": "110101195801011234", "birth_date": "1958-01-01"}

    def print_ticket(self, kiosk, ticket, hall):
        return False, "no_printer"


def test_a_card_token_is_good_only_at_the_kiosk_that_read_it_once(app):
    app.extensions["hall"].devices = CardOnReader()
    k1, k2 = as_device(app.test_client(), "kiosk", "k1"), as_device(app.test_client(), "kiosk", "k2")
    token = k1.post("/api/kiosks/k1/read-card").get_json()["card_token"]
    stranger = app.test_client()
    body = {"business": "M-NEW", "request_id": "c1", "kiosk": "k1", "card_token": token}
    error(stranger.post("/api/tickets", json=body), 401, "device_required")
    error(k2.post("/api/tickets", json={**body, "kiosk": "k2"}), 400, "card_token_invalid")
    error(k2.post("/api/tickets", json=body), 403, "wrong_device")
    t = k1.post("/api/tickets", json=body)
    assert t.status_code == 201 and t.get_json()["priority"] == "senior"
    error(k1.post("/api/tickets", json={**body, "request_id": "c2"}), 400, "card_token_invalid")


# --- a counter's rating pad only that counter's screen ------------------------------------------------
def test_only_that_counters_screen_rates_its_service(app, client, clerk, clock):
    from conftest import serve_next
    hall = app.extensions["hall"].hall
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/start")
    clock.advance(120)
    serve_next(hall, clock, "1", "demo-clerk")        # finishes A001: the pad may rate it
    error(client.post("/api/counters/1/rating", json={"score": 1}), 401, "device_required")
    other = as_device(app.test_client(), "counter_screen", "2")
    error(other.post("/api/counters/1/rating", json={"score": 1}), 403, "wrong_device")
    error(as_device(app.test_client()).post("/api/counters/1/rating", json={"score": 1}), 403, "wrong_device")
    screen = as_device(app.test_client(), "counter_screen", "1")
    r = screen.post("/api/counters/1/rating", json={"score": 4})
    assert r.status_code == 201 and r.get_json() == {"ticket": "A001", "score": 4}


# --- enrolling, listing, revoking ---------------------------------------------------------------------
def test_an_admin_enrols_lists_and_revokes_a_device(app, admin, client):
    error(client.post("/api/devices", json={"kind": "kiosk", "target": "k2"}), 401, "login_required")
    clerk = app.test_client()
    login(clerk, "demo-clerk")
    error(clerk.post("/api/devices", json={"kind": "kiosk", "target": "k2"}), 403, "wrong_role")
    error(admin.post("/api/devices", json={"kind": "kiosk", "target": "k9"}), 404, "unknown_kiosk")
    error(admin.post("/api/devices", json={"kind": "printer", "target": "k1"}), 422, "invalid_body")
    r = admin.post("/api/devices", json={"kind": "kiosk", "target": "k2", "name": "二楼取号机"})
    assert r.status_code == 201
    made = r.get_json()
    assert made["pair_url"] == f"http://hall.example:5000/pair/{made['token']}"
    assert made["name"] == "二楼取号机" and made["online"] is False
    listed = admin.get("/api/devices").get_json()["devices"]
    assert made["id"] in {d["id"] for d in listed}
    assert made["token"] not in admin.get("/api/devices").get_data(as_text=True)   # never again
    # Stored hashed: the credential is nowhere in the database.
    store = app.extensions["hall"].hall.store
    with store.read() as tx:
        rows = [tuple(r) for r in tx.conn.execute("SELECT * FROM devices")]
    assert made["token"] not in repr(rows)
    kiosk = app.test_client()
    bearer = {"Authorization": "Bearer " + made["token"]}
    assert kiosk.post("/api/kiosks/k2/help", json={}, headers=bearer).status_code == 201
    me = kiosk.get("/api/devices/me", headers=bearer).get_json()
    assert me["id"] == made["id"] and me["online"] is True and "token" not in me
    assert admin.delete(f"/api/devices/{made['id']}").status_code == 204
    error(kiosk.post("/api/kiosks/k2/help", json={}, headers=bearer), 401, "device_required")   # at once
    error(admin.delete("/api/devices/nope"), 404, "unknown_device")
    assert made["id"] not in {d["id"] for d in admin.get("/api/devices").get_json()["devices"]}
    kinds = {e["kind"]: e for e in (logged(app, "device_enrolled")[-1:] + logged(app, "device_revoked"))}
    assert kinds["device_enrolled"]["clerk"] == "demo-admin" and kinds["device_revoked"]["data"]["device"] == made["id"]


def test_a_revoked_screen_loses_its_socket_at_once(app, admin):
    made = admin.post("/api/devices", json={"kind": "counter_screen", "target": "3"}).get_json()
    socketio = app.extensions["hall"].socketio
    screen = socketio.test_client(app, auth={"topics": ["counter:3"]},
                                  headers={"Authorization": "Bearer " + made["token"]})
    assert screen.is_connected()
    admin.delete(f"/api/devices/{made['id']}")
    assert not screen.is_connected()


def test_a_screen_pairs_by_the_code_it_shows(app, admin):
    screen = app.test_client()
    page = screen.get("/kiosk?k=k2")
    assert page.status_code == 200 and b"data-pairing" in page.data and b'id="kiosk"' not in page.data
    asked = screen.post("/api/pairings").get_json()
    assert re.fullmatch(r"\d{6}", asked["code"]) and len(asked["secret"]) >= 32
    check = {"secret": asked["secret"]}
    assert screen.post("/api/pairings/check", json=check).get_json() == {"paired": False}
    error(admin.post("/api/devices/pair", json={"code": "000000", "kind": "kiosk", "target": "k2"}), 404,
          "unknown_pairing_code")
    r = admin.post("/api/devices/pair", json={"code": asked["code"], "kind": "kiosk", "target": "k2"})
    assert r.status_code == 201 and r.get_json()["target"] == "k2"
    error(admin.post("/api/devices/pair", json={"code": asked["code"], "kind": "kiosk", "target": "k2"}),
          409, "already_paired")
    done = screen.post("/api/pairings/check", json=check)
    assert done.get_json()["paired"] is True and done.get_json()["next"] == "/kiosk?k=k2"
    assert "HttpOnly" in done.headers["Set-Cookie"] and "hall_device=" in done.headers["Set-Cookie"]
    page = screen.get("/kiosk?k=k2")               # the cookie: the kiosk itself now
    assert b'id="kiosk"' in page.data and b"data-pairing" not in page.data
    assert screen.post("/api/kiosks/k2/help", json={}).status_code == 201
    error(screen.post("/api/pairings/check", json=check), 404, "unknown_pairing")   # spent
    # Nothing of the code or the secret in the database, only hashes.
    with app.extensions["hall"].hall.store.read() as tx:
        dump = repr([tuple(r) for t in ("devices", "pairings") for r in tx.conn.execute(f"SELECT * FROM {t}")])
    assert asked["secret"] not in dump and asked["code"] not in dump


def test_a_pair_url_opens_the_device_paired(app, admin):
    made = admin.post("/api/devices", json={"kind": "counter_screen", "target": "2"}).get_json()
    screen = app.test_client()
    assert b"data-pairing" in screen.get("/display/counter/2").data
    r = screen.get(f"/pair/{made['token']}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/display/counter/2")
    assert b"data-current-ticket" in screen.get("/display/counter/2").data
    wrong = screen.get("/display/counter/3")          # a screen of counter 2 is not counter 3's
    assert b"data-pairing" in wrong.data and "2号窗口".encode() in wrong.data
    error(app.test_client().get("/pair/not-a-credential-at-all"), 401, "device_required")


def test_the_demo_enrols_its_devices_with_the_same_links_after_a_restart(tmp_path, clock):
    from web import create_app
    first = create_app(None, tmp_path / "demo.db", demo=True, clock=clock)
    links = dict(first.extensions["hall"].demo_devices)
    first.extensions["hall"].hall.store.close()
    again = create_app(None, tmp_path / "demo.db", demo=True, clock=clock)
    try:
        assert again.extensions["hall"].demo_devices == links
        assert {k for k, _ in links} == {"kiosk", "counter_screen"}
        assert len(again.extensions["hall"].enrolment.all()) == len(links)     # not enrolled twice
    finally:
        again.extensions["hall"].hall.store.close()


def test_run_py_devices_add_list_revoke(tmp_path):
    db = str(tmp_path / "cli.db")
    run = lambda *a: subprocess.run([sys.executable, str(ROOT / "run.py"), "devices", *a, "--db", db],  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    added = run("add", "kiosk", "k1", "--name", "大门取号机")
    assert added.returncode == 0, added.stderr
    device_id = added.stdout.split()[1]
    token = re.search(r"credential \(shown once\): (\S+)", added.stdout).group(1)
    assert f"/pair/{token}" in added.stdout
    listed = run("list")
    assert device_id in listed.stdout and token not in listed.stdout and "offline" in listed.stdout
    assert run("revoke", device_id).returncode == 0
    assert device_id not in run("list").stdout and "revoked" in run("list", "--all").stdout
    bad = run("add", "kiosk", "k9")
    assert bad.returncode == 1 and "unknown_kiosk" in bad.stderr


# --- a stranger's sweep: every route and socket event ---------------------------------------------
# What a stranger (no staff session, no device) may use: the hall's public face and a phone's
# ticket (by its token). Everything else answers 401.
PUBLIC = {
    ("GET", "/api/hall"), ("POST", "/api/login"), ("POST", "/api/logout"),
    ("GET", "/api/tickets/<token>"), ("POST", "/api/tickets/<token>/rating"),
    ("GET", "/api/counters/<counter_id>/screen"),       # what the window's own screen shows anyway
    ("POST", "/api/pairings"), ("POST", "/api/pairings/check"),
}


def fill(rule: str) -> str:
    return re.sub(r"<[^>]+>", "1", rule)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.rule}")
def test_a_strangers_sweep_over_every_route(app, route):
    stranger = app.test_client()
    r = stranger.open(fill(route.rule), method=route.method, json={})
    if (route.method, route.rule) in PUBLIC:
        assert r.status_code != 401 and r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:200])
    else:
        assert r.status_code == 401, (route.method, route.rule, r.status_code)
        assert r.get_json()["error"]["code"] in ("login_required", "device_required")


def test_a_strangers_sweep_over_the_socket(app, client, clerk):
    """A stranger's socket gets the public broadcasts only, whatever topics it asks for and
    whatever it emits."""
    socketio = app.extensions["hall"].socketio
    stranger = socketio.test_client(app, auth={"topics": ["estimates", "counter:1", "counter:2", "staff",
                                                           "device:x", "estimates"]})
    for event in ("hall_state", "track", "device_status", "print", "read_card", "join", "ack_alert"):
        stranger.emit(event, {"ticket": "nope", "room": "staff"})
    got = [m["name"] for m in stranger.get_received()]
    assert set(got) <= {"hall_state", "track_error"}
    issue(client, "F-NEW")
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    heard = {m["name"] for m in stranger.get_received()}
    assert heard <= {"ticket_called", "queue_changed", "hall_state", "announcement"}, heard
    assert "ticket_issued" not in heard and "estimates_changed" not in heard and "service_finished" not in heard
    # The agent namespace: nothing without a kiosk's credential.
    agent = socketio.test_client(app, namespace="/agent", auth={"kiosk": "k1", "key": "x" * 30})
    assert not agent.is_connected("/agent")
    assert device_headers(app)            # (the demo's devices exist: the refusals were not for lack of them)
