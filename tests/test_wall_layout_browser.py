"""The wall display through a busy stretch, as the customer ten metres away sees it: every
window's row on screen at every size after a dozen calls and more, the latest call whole under
the emergency banner, the sound prompt over nothing, a welcome when idle, a blink that never
fades the number, and an offline board that says so in letters you can read across the hall."""
from __future__ import annotations

import os
import uuid

import pytest

from browser import CHROMIUM, LiveHall, shot
from wall_checks import GEOMETRY, assert_board_whole, assert_gate_over_nothing, assert_latest_whole, overlap

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")

SIZES = [(1920, 1080), (1366, 768), (3840, 2160)]
# Businesses with no required key moment, so that start + finish + call-next always goes through;
# together they reach every window.
BUSINESSES = ["F-NEW", "F-CHANGE", "M-PLAN", "M-SERVICE", "M-TOPUP", "M-QUERY", "F-QUERY", "M-BILL"]
EMERGENCY = "系统故障,暂停取号,已取号的顾客请继续等候"

@pytest.fixture
def live(tmp_path):
    hall = LiveHall(tmp_path)
    yield hall
    hall.close()


def six_clerks(live):
    """A clerk at every window (demo-clerk at 1, five more accounts made for the test)."""
    accounts = live.app.extensions["hall"].accounts
    clerks = {}
    for cid in "123456":
        user = "demo-clerk" if cid == "1" else f"clerk-{cid}"
        if cid != "1":
            accounts.add(user, "clerk", "demo", allow_short=True, display_name=f"营业员{cid}",
                         staff_no=f"T10{cid}")
        clerks[cid] = live.clerk(cid, user)
    return clerks


def issue(live, n):
    api = live.kiosk()
    for i in range(n):
        r = api.post("/api/tickets", json={"business": BUSINESSES[i % len(BUSINESSES)],
                                           "request_id": uuid.uuid4().hex})
        assert r.status_code == 201, r.get_json()


def call_round(clerks, order="123456"):
    """One call at each window (finishing the customer in hand first): the numbers called."""
    called = []
    for cid in order:
        c = clerks[cid]
        state = c.get(f"/api/counters/{cid}/screen").get_json()
        if state.get("current"):
            assert c.post(f"/api/counters/{cid}/start").status_code in (200, 409)
            assert c.post(f"/api/counters/{cid}/finish").status_code == 200
        r = c.post(f"/api/counters/{cid}/call-next")
        assert r.status_code == 200, r.get_json()
        if r.get_json()["ticket"]:
            called.append((r.get_json()["ticket"]["number"], cid))
    return called


ERRORS: list = []      # script errors on any wall page of the test: there must be none


@pytest.fixture(autouse=True)
def no_script_errors():
    ERRORS.clear()
    yield
    assert ERRORS == []


def open_wall(browser, live, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.on("pageerror", lambda e: ERRORS.append(str(e)))
    page.goto(f"{live.url}/display")
    page.wait_for_selector('#wall[data-connection="online"]')
    return page


def wait_latest(page, number):
    page.wait_for_function(
        f"document.querySelector('[data-latest-call] .latest-number').textContent === '{number}'")
    page.wait_for_timeout(400)          # the debounced hall_state re-read and the fit


def manager(live):
    m = live.app.test_client()
    assert m.post("/api/login", json={"username": "demo-manager", "password": "demo"}).status_code == 200
    return m


def counter_name(live, cid):
    return live.hall.config.counter(cid).name


def test_every_window_stays_on_screen_through_a_busy_stretch_at_every_size(browser, live):
    clerks = six_clerks(live)
    issue(live, 40)
    walls = {size: open_wall(browser, live, size) for size in SIZES}
    called = []
    for _ in range(3):                                     # 18 calls, from every window
        called += call_round(clerks)
    assert len(called) >= 12 and {cid for _, cid in called} == set("123456")
    last_number, last_counter = called[-1]
    for size, wall in walls.items():
        wait_latest(wall, last_number)
        g = wall.evaluate(GEOMETRY)
        where = f"{size[0]}x{size[1]}"
        assert_board_whole(g, where=where)
        assert_latest_whole(g, last_number, counter_name(live, last_counter), where)
        assert_gate_over_nothing(g, where)
        assert len(g["recent"]) >= 2, f"{where}: no room left for the recent calls"
        assert any(row["cells"][2] for row in g["rows"])    # 请准备 shown, on screen with its row
        shot(wall, f"wall-busy-{where}")

    # The emergency banner comes up: the board still fits and the latest call (the long name of
    # the green-channel window) stays whole.
    assert manager(live).post("/api/hall/issuing", json={"mode": "paused", "message": EMERGENCY}).status_code == 200
    for size, wall in walls.items():
        wall.wait_for_selector(".emergency:not([hidden])")
        wall.wait_for_timeout(300)
        g = wall.evaluate(GEOMETRY)
        where = f"{size[0]}x{size[1]} emergency"
        assert EMERGENCY in wall.inner_text(".emergency")
        assert_board_whole(g, where=where)
        assert_latest_whole(g, last_number, counter_name(live, last_counter), where)
        assert_gate_over_nothing(g, where)
        shot(wall, f"wall-emergency-{size[0]}x{size[1]}")

    # A call at window 3 under the banner: "3号窗口" whole.
    (number, cid), = call_round(clerks, "3")
    for size, wall in walls.items():
        wait_latest(wall, number)
        g = wall.evaluate(GEOMETRY)
        assert_latest_whole(g, number, "3号窗口", f"{size[0]}x{size[1]} window 3")
    for wall in walls.values():
        wall.context.close()


def test_the_idle_board_welcomes_instead_of_a_lone_arrow(browser, live):
    wall = open_wall(browser, live, (1920, 1080))
    text = wall.inner_text("[data-latest-call]")
    assert "→" not in text
    assert "欢迎光临" in text and live.hall.config.hall.name in text
    g = wall.evaluate(GEOMETRY)
    assert_board_whole(g, where="idle")
    assert_gate_over_nothing(g, "idle")
    shot(wall, "wall-idle")
    # The prompt to allow sound is there, readable, and goes once clicked.
    gate = wall.locator(".sound-gate")
    assert gate.is_visible() and "语音" in gate.inner_text()
    assert gate.bounding_box()["height"] >= 1080 * 0.035
    gate.click()
    assert not gate.is_visible()
    wall.context.close()


# Samples the latest call's colours every 40 ms through the blink: the contrast of the number and
# of the counter's name against the box behind them, and the backgrounds seen.
BLINK_SAMPLES = """async () => {
  const rgb = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return {c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1}; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const box = document.querySelector('[data-latest-call]');
  const out = [];
  for (let i = 0; i < 40; i++) {
    const bg = rgb(getComputedStyle(box).backgroundColor);
    const row = {bg: bg.c.join(','), bgAlpha: bg.a, blinking: box.classList.contains('blink')};
    for (const q of ['.latest-number', '.latest-counter']) {
      // What the eye gets: the text's colour faded by its alpha and opacity over the box.
      const el = box.querySelector(q), st = getComputedStyle(el), fg = rgb(st.color);
      const k = fg.a * Number(st.opacity);
      const seen = fg.c.map((v, i) => v * k + bg.c[i] * (1 - k));
      row[q] = {ratio: ratio(seen, bg.c), alpha: fg.a, opacity: Number(st.opacity)};
    }
    out.push(row);
    await new Promise((r) => setTimeout(r, 40));
  }
  return out;
}"""


def test_the_blink_never_fades_the_number_below_readable_contrast(browser, live):
    clerks = six_clerks(live)
    issue(live, 8)
    wall = open_wall(browser, live, (1920, 1080))
    (number, cid), = call_round(clerks, "6")
    wall.wait_for_function(
        f"document.querySelector('[data-latest-call] .latest-number').textContent === '{number}'")
    samples = wall.evaluate(BLINK_SAMPLES)
    assert all(s["blinking"] for s in samples[:20])
    for s in samples:
        assert s["bgAlpha"] == 1
        for part in (".latest-number", ".latest-counter"):
            p = s[part]
            assert p["ratio"] >= 4.5, f"{part} at contrast {p['ratio']:.2f} mid-blink: {s}"
    assert len({s["bg"] for s in samples}) >= 2, "no blink seen"          # it does blink
    shot(wall, "wall-blink")
    wall.context.close()


def test_offline_is_said_across_the_board_and_the_board_stops_pretending(browser, live):
    clerks = six_clerks(live)
    issue(live, 16)
    size = (1366, 768)
    wall = open_wall(browser, live, size)
    called = call_round(clerks) + call_round(clerks)
    number, cid = called[-1]
    wait_latest(wall, number)
    assert manager(live).post("/api/hall/issuing", json={"mode": "paused", "message": EMERGENCY}).status_code == 200
    wall.wait_for_selector(".emergency:not([hidden])")
    assert not wall.is_visible("#wall .connection")
    live.stop_server()
    wall.wait_for_selector('#wall[data-connection="offline"]', timeout=10000)
    wall.wait_for_selector("#wall .connection", state="visible", timeout=5000)
    g = wall.evaluate(GEOMETRY)
    banner = g["banner"]
    assert banner is not None
    assert banner["h"] >= size[1] * 0.05 and banner["w"] >= size[0] * 0.9, banner
    assert "网络中断" in wall.inner_text("#wall .connection")
    # It hides no number: the board, the latest call and the rows are all still there, whole.
    assert_board_whole(g, where="offline")
    assert_latest_whole(g, number, counter_name(live, cid), "offline")
    assert not overlap(banner, g["box"]) and not any(overlap(banner, r["rect"]) for r in g["rows"])
    # The clock stops at the time the board was last live, and the banner says so.
    clock = wall.inner_text(".clock")
    assert clock in wall.inner_text("#wall .connection")
    assert wall.evaluate("getComputedStyle(document.querySelector('.counter-rows')).filter") != "none"
    shot(wall, "wall-offline")
    live.restart_server()
    wall.wait_for_selector('#wall[data-connection="online"]', timeout=15000)
    wall.wait_for_selector("#wall .connection", state="hidden")
    assert wall.evaluate("getComputedStyle(document.querySelector('.counter-rows')).filter") == "none"
    assert_board_whole(wall.evaluate(GEOMETRY), where="back online")
    shot(wall, "wall-back-online")
    wall.context.close()
