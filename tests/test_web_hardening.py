"""The web-facing hardening ("Trust"): security headers and a quiet Server header, templates
without inline script, CSV cells that are never formulas, deep JSON refused, local-only login
redirects, and a bounded voice cache that says only today's tickets."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import requests

from conftest import login
from server import HallServer

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [p for d in ("web", "kiosk", "display", "counter", "guide", "manager")
             for p in (ROOT / d / "templates").rglob("*.html")]


# --- 1. headers ---------------------------------------------------------------------------
def _csp(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/login", "/display", "/api/openapi.json",
                                  "/static/hall.css", "/no-such-page", "/api/me"])
def test_every_response_carries_the_security_headers(client, path):
    r = client.get(path)
    csp = _csp(r.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_the_live_server_names_no_versions(tmp_path):
    server = HallServer(tmp_path / "hall.db").start()
    try:
        answers = [requests.get(server.url + path, timeout=10) for path in
                   ("/healthz", "/login", "/nope", "/socket.io/?EIO=4&transport=polling")]
    finally:
        server.stop()
    for r in answers:                       # Flask's answers and Socket.IO's (Flask never sees)
        assert r.headers.get("Server") == "hall", (r.url, r.headers.get("Server"))
    assert "Content-Security-Policy" in answers[0].headers


# --- 2. templates ---------------------------------------------------------------------------
def test_no_template_has_inline_script_handlers_or_style_attributes():
    assert len(TEMPLATES) > 10
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path.name}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"{path.name}: an on…= handler"
        assert not re.search(r"\sstyle\s*=", text, re.I), f"{path.name}: a style attribute"
        assert "javascript:" not in text.lower(), path.name


# --- 4. CSV -------------------------------------------------------------------------------
FORMULA = '=HYPERLINK("http://x","y")'


def test_a_formula_typed_by_a_clerk_reaches_the_csv_as_text(app, clerk):
    hall = app.extensions["hall"].hall
    ticket = hall.issue_ticket("F-NEW", "csv-1")[0]
    assert clerk.post("/api/counters/1/call-next").get_json()["ticket"]["number"] == ticket.number
    r = clerk.post("/api/counters/1/recommendation",
                   json={"ticket": ticket.id, "what": FORMULA, "accepted": True})
    assert r.status_code == 201, r.get_json()
    manager = app.test_client()
    login(manager, "demo-manager")
    day = hall.today()
    r = manager.get(f"/api/stats.csv?from={day}&to={day}&table=recommendations")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    row = next(row for row in rows[1:] if "HYPERLINK" in row[0])
    assert row[0] == "'" + FORMULA
    assert row[1:3] == ["1", "1"]                      # the counts stay plain numbers
    assert b'\n=' not in r.data and b',=' not in r.data


def test_csv_cells():
    from manager.export import cell, to_csv
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(text) == "'" + text
    assert [cell(v) for v in (3, -2, 0.5, None, "宽带提速", "5G")] == [3, -2, 0.5, "", "宽带提速", "5G"]
    assert to_csv([["-5", -5]]) == "\ufeff'-5,-5\r\n".encode()


# --- 5. deep JSON ---------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["[" * 20000 + "]" * 20000,
                                  '{"a":' * 5000 + "1" + "}" * 5000,
                                  '{"username": ' + "[" * 40 + "]" * 40 + "}",
                                  "[" * 30000])                     # unterminated too
def test_a_deeply_nested_body_is_refused_not_a_500(client, body):
    r = client.post("/api/login", data=body, content_type="application/json")
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == "too_deep" and "嵌套" in err["message"]


def test_brackets_inside_strings_and_shallow_bodies_pass(client):
    r = client.post("/api/login", json={"username": "[" * 500 + "{" * 500, "password": "x"})
    assert r.get_json()["error"]["code"] != "too_deep"
    from web.limits import nesting_depth
    assert nesting_depth('{"a": [1, {"b": "]]]}}}[[["}], "c": "\\"["}') == 3
    assert nesting_depth('"' + '\\"' * 10000) == 0                 # no backtracking either


def test_a_deep_socketio_packet_is_malformed_not_parsed(app):
    from web.limits import guard_socketio
    socketio = app.extensions["hall"].socketio
    guard_socketio(socketio)
    guard_socketio(socketio)                                     # once is enough: no double wrap
    c = socketio.test_client(app)
    raw = '42["track",' + "[" * 20000 + "]" * 20000 + "]"
    with pytest.raises(ValueError):                              # before: a RecursionError
        socketio.server._handle_eio_message(c.eio_sid, raw)
    assert c.is_connected()
    c.emit("hall_state")                                         # and ordinary events still work
    assert c.get_received()


# --- 6. login redirects ---------------------------------------------------------------------
@pytest.mark.parametrize("next_,where", [
    ("/guide", "/guide"),
    ("/manager/stats?from=2026-11-25", "/manager/stats?from=2026-11-25"),
    ("/%09/evil.example", "/counter"),
    ("/%0a/evil.example", "/counter"),
    ("%0a/evil.example", "/counter"),
    ("/evil%0d%0aSet-Cookie:x=1", "/counter"),
    ("/%5Cevil.example", "/counter"),
    ("/%5C%5Cevil.example", "/counter"),
    ("https://evil.example", "/counter"),
    ("//evil.example", "/counter"),
    ("/%2F/evil.example", "/counter"),
    ("%2F%2Fevil.example", "/counter"),
    ("/%20/evil.example", "/counter"),
    ("/%00", "/counter"),
    ("/%C2%85evil", "/counter"),                               # NEL, a Unicode line break
    ("javascript:alert(1)", "/counter"),
    ("", "/counter"),
])
def test_login_goes_only_to_a_local_path(app, next_, where):
    c = app.test_client()
    r = c.post(f"/login?next={next_}", data={"username": "demo-clerk", "password": "demo"})
    assert r.status_code == 302, r.data[:200]
    assert r.headers["Location"] == where


# --- 7. the voice cache ---------------------------------------------------------------------
class FakeEngine:
    """Renders any text as a second of silence: the cache's rules without espeak-ng's time."""
    name = "fake"

    def __init__(self):
        self.rendered = 0

    def render(self, text, lang):
        from display.voice import silence, to_wav
        self.rendered += 1
        return to_wav(silence(1.0))


@pytest.fixture
def voice(app, tmp_path):
    from display.voice import Announcer
    config = app.extensions["hall"].hall.config.voice.model_copy(update={"cache_mb": 1})
    announcer = Announcer(config, tmp_path / "voice")
    announcer.engine = FakeEngine()
    app.extensions["announcer"] = announcer
    return announcer


def _cache_bytes(announcer) -> int:
    return sum(f.stat().st_size for f in announcer.cache.glob("*.wav"))


def test_the_voice_cache_never_grows_past_its_cap(app, client, voice):
    hall = app.extensions["hall"].hall
    numbers = [hall.issue_ticket("M-QUERY", f"v{i}")[0].number for i in range(12)]
    for number in numbers:
        for counter in ("1", "2"):
            for recall in (0, 1):
                r = client.get(f"/api/announcements/call.wav?number={number}&counter={counter}"
                               f"&recall={recall}")
                assert r.status_code == 200 and r.data[:4] == b"RIFF"
                assert _cache_bytes(voice) <= voice.cap_bytes
    assert voice.engine.rendered == 12 * 2 * 2 * 1           # every one distinct, rendered once
    assert 1 < len(list(voice.cache.glob("*.wav"))) < 48     # old ones went out, new ones stayed
    # The latest is still cached: said again without rendering.
    client.get(f"/api/announcements/call.wav?number={numbers[-1]}&counter=2&recall=1")
    assert voice.engine.rendered == 48


def test_only_todays_tickets_are_announced(app, client, clock, voice):
    hall = app.extensions["hall"].hall
    number = hall.issue_ticket("F-NEW", "today")[0].number
    for query, status, code in [
            ("number=A999&counter=1", 404, "unknown_ticket"),        # no such ticket today
            (f"number={number}&counter=99", 400, "invalid_announcement"),
            ("number=../../x&counter=1", 400, "invalid_announcement")]:
        r = client.get("/api/announcements/call.wav?" + query)
        assert r.status_code == status and r.get_json()["error"]["code"] == code
    assert voice.engine.rendered == 0 and not list(voice.cache.glob("*"))
    assert client.get(f"/api/announcements/call.wav?number={number}&counter=1").status_code == 200
    clock.advance(24 * 3600)                                     # yesterday's ticket: not any more
    r = client.get(f"/api/announcements/call.wav?number={number}&counter=1&recall=1")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_ticket"
    assert voice.engine.rendered == 1


def test_the_cache_cap_is_configured():
    from core.config import load_config
    assert load_config().voice.cache_mb == 64
    assert "cache_mb" in (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
