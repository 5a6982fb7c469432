"""What the wall display's checks measure in the page (rectangles, clipping, overlap) and the
rules a board read from ten metres keeps: shared by the wall's tests and the busy-day test."""
from __future__ import annotations

# Everything the checks measure, in the page: rectangles, clipping, overlap.
GEOMETRY = """() => {
  const r = (el) => { const b = el.getBoundingClientRect(); return {x: b.left, y: b.top, r: b.right, b: b.bottom, w: b.width, h: b.height}; };
  const box = document.querySelector('[data-latest-call]');
  const part = (q) => { const el = box.querySelector(q); return {rect: r(el), text: el.textContent,
    sw: el.scrollWidth, cw: el.clientWidth, visible: el.checkVisibility()}; };
  const gate = document.querySelector('.sound-gate');
  const banner = document.querySelector('#wall .connection');
  return {
    vw: innerWidth, vh: innerHeight, scrollHeight: document.scrollingElement.scrollHeight,
    rows: [...document.querySelectorAll('[data-counter]')].map((el) => ({id: el.dataset.counter, rect: r(el), cells: [...el.children].map((c) => c.textContent)})),
    box: r(box), number: part('.latest-number'), counter: part('.latest-counter'),
    gate: gate.checkVisibility() ? r(gate) : null,
    banner: banner.checkVisibility() ? r(banner) : null,
    recent: [...document.querySelectorAll('.recent-list li')].map(r), recentBox: r(document.querySelector('.recent')),
  };
}"""


def inside(a, b, slack=0.5):
    return a["x"] >= b["x"] - slack and a["y"] >= b["y"] - slack and a["r"] <= b["r"] + slack and a["b"] <= b["b"] + slack


def overlap(a, b):
    return a["x"] < b["r"] and b["x"] < a["r"] and a["y"] < b["b"] and b["y"] < a["b"]


def viewport(g):
    return {"x": 0, "y": 0, "r": g["vw"], "b": g["vh"]}


def assert_board_whole(g, counters=6, where=""):
    """Every window's row inside the screen, the page never taller than it, the recent calls whole
    lines within their column."""
    assert g["scrollHeight"] <= g["vh"], f"{where}: the page is {g['scrollHeight']} px for {g['vh']}"
    assert len(g["rows"]) == counters, where
    for row in g["rows"]:
        assert inside(row["rect"], viewport(g)), f"{where}: window {row['id']} row off screen: {row['rect']}"
    for li in g["recent"]:
        assert inside(li, g["recentBox"]), f"{where}: a recent call is cut: {li}"


def assert_latest_whole(g, number, counter_name, where=""):
    """The latest call: the number and the whole counter name, not clipped by the box or the screen."""
    assert inside(g["box"], viewport(g)), where
    for part, text in (("number", number), ("counter", counter_name)):
        p = g[part]
        assert p["visible"] and p["text"] == text, f"{where}: {part} shows {p['text']!r}"
        assert p["sw"] <= p["cw"] + 1, f"{where}: {part} {text} is cut ({p['sw']} > {p['cw']})"
        assert inside(p["rect"], g["box"]), f"{where}: {part} {text} spills out of the box"
        assert p["rect"]["h"] >= g["vh"] * 0.04, f"{where}: {part} too small to read from afar"


def assert_gate_over_nothing(g, where=""):
    if g["gate"] is None:
        return
    assert not overlap(g["gate"], g["box"]), f"{where}: the sound prompt covers the latest call"
    for row in g["rows"]:
        assert not overlap(g["gate"], row["rect"]), f"{where}: the sound prompt covers window {row['id']}"
    for li in g["recent"]:
        assert not overlap(g["gate"], li), f"{where}: the sound prompt covers a recent call"
