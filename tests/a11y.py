"""axe-core (npm, served by the hall at /vendor/axe.min.js) run inside a page in chromium: the
violations a person with low vision, a screen reader or only a keyboard would meet."""
from __future__ import annotations

SERIOUS = ("serious", "critical")


def violations(page, impacts=SERIOUS, exclude: list[str] | None = None) -> list[dict]:
    """axe's violations of these impacts on the page as it is now (each with its rule, help and
    the first few offending elements)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/vendor/axe.min.js")
    result = page.evaluate("""async (exclude) => {
        const r = await axe.run({ exclude: exclude.map((s) => [s]) }, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '),
                                                    summary: n.failureSummary })) }));
    }""", exclude or [])
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page, name: str, exclude: list[str] | None = None) -> None:
    found = violations(page, exclude=exclude)
    assert not found, f"{name}: " + "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(n["target"] for n in v["nodes"]) for v in found)
