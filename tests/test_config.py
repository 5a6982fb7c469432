"""The hall's configuration: the default catalogue and clear refusals."""
from __future__ import annotations

import tomllib

import pytest

from core.config import DEFAULT_CONFIG, load_config, parse_config
from core.errors import ConfigError

SPEC_TARGETS = {  # SPEC §2: code → (line, target_s, max_s, id_required, self_service)
    "F-NEW": ("fixed", 300, 600, True, False), "F-CHANGE": ("fixed", 300, 600, True, False),
    "F-RENEW": ("fixed", 300, None, False, True), "F-QUERY": ("fixed", 60, 300, True, True),
    "F-INVOICE": ("fixed", None, None, False, True), "F-OTHER": ("fixed", 300, None, True, False),
    "M-NEW": ("mobile", 600, None, True, False), "M-PLAN": ("mobile", None, None, True, False),
    "M-SERVICE": ("mobile", 180, None, True, False), "M-ACCOUNT": ("mobile", 120, None, True, False),
    "M-SIM": ("mobile", 180, None, True, False), "M-TOPUP": ("mobile", 60, None, False, True),
    "M-RENEW": ("mobile", 60, None, False, True), "M-QUERY": ("mobile", 60, None, True, True),
    "M-INVOICE": ("mobile", None, None, False, True), "M-BILL": ("mobile", None, None, True, True),
    "M-ADJUST": ("mobile", None, None, True, False), "M-OTHER": ("mobile", 180, None, True, False),
}


def raw():
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def test_default_catalogue_matches_the_standard():
    c = load_config()
    assert {b.code: (b.line, b.target_s, b.max_s, b.id_required, b.self_service)
            for b in c.businesses} == SPEC_TARGETS
    assert len({b.prefix for b in c.businesses}) == 18
    assert len(c.counters) >= 4
    assert all(b.checklist for b in c.businesses)
    assert c.business("F-QUERY").follow_up_days == 3 and c.business("M-QUERY").follow_up_days == 2
    assert c.age_priority(70).code == "senior" and c.age_priority(40) is None
    assert c.hall.code == "hall"          # the central copy's name for it (run.py sync)


@pytest.mark.parametrize("mutate,key", [
    (lambda r: r["businesses"][0].update(prefix="a"), "businesses[0].prefix"),
    (lambda r: r["businesses"][0].pop("line"), "businesses[0].line"),
    (lambda r: r["businesses"][1].update(target_s=-5), "businesses[1].target_s"),
    (lambda r: r["counters"][0].update(businesses=["F-NEW", "NOPE"]), "unknown business 'NOPE'"),
    (lambda r: r["businesses"][0].update(checklist=["welcome", "dance"]), "'dance' is not a key"),
    (lambda r: r["hall"].update(timezone="Mars/Olympus"), "hall.timezone"),
    (lambda r: r["hall"].update(closing="08:00"), "closing must be later"),
    (lambda r: r["hall"].update(public_url="not a url"), "hall.public_url"),
    (lambda r: r.update(counters=r["counters"] + [r["counters"][0]]), "id '1' appears twice"),
    (lambda r: r["hall"].update(colour="red"), "hall.colour"),
    (lambda r: r["hall"].update(code="一厅 1"), "hall.code"),
    (lambda r: r.pop("businesses"), "businesses"),
])
def test_broken_config_names_key_and_problem(mutate, key):
    r = raw()
    mutate(r)
    with pytest.raises(ConfigError) as e:
        parse_config(r, source="hall.toml")
    assert key in str(e.value)
    assert str(e.value).startswith("hall.toml")


def test_unserved_business_is_refused():
    r = raw()
    for c in r["counters"]:
        c["businesses"] = [b for b in c["businesses"] if b != "M-ADJUST"]
    with pytest.raises(ConfigError, match="no counter serves 'M-ADJUST'"):
        parse_config(r)


def test_counter_keys_for_keyboard_wedge_pads():
    c = load_config()
    assert c.counter_keys["F1"] == "call-next" and c.counter_keys["F6"] == "pause"
    r = raw()
    r["counter_keys"] = {"F1": "dance"}
    with pytest.raises(ConfigError, match="counter_keys"):
        parse_config(r)
