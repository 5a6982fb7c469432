"""Statistics derived from the event log."""
from __future__ import annotations

from core import stats


def test_per_business_figures(hall, clock, config):
    hall.open_counter("1", "alice")
    for i in range(3):
        hall.issue_ticket("F-NEW", f"r{i}")
    # Serve them one after another.
    clock.advance(60)
    hall.call_next("1", "alice"); hall.start("1", "alice"); clock.advance(200); hall.finish("1", "alice")
    hall.call_next("1", "alice"); hall.start("1", "alice"); clock.advance(400); hall.finish("1", "alice")
    hall.call_next("1", "alice"); hall.no_show("1", "alice")
    hall.issue_ticket("F-QUERY", "q")
    s = stats.compute(config, hall.events(hall.today(), hall.today()))
    f = s["businesses"]["F-NEW"]
    assert f["issued"] == 3 and f["served"] == 2 and f["no_show"] == 1
    assert f["wait_mean_s"] == round((60 + 260 + 660) / 3, 1)
    assert f["wait_p90_s"] == 660
    assert f["service_mean_s"] == 300
    assert f["within_target"] == 0.5            # 200 s ≤ 300 s target; 400 s is over
    assert s["businesses"]["F-QUERY"]["issued"] == 1
    assert s["total"]["issued"] == 4


def test_transfer_counts_in_both_businesses(hall, clock, config):
    hall.issue_ticket("F-QUERY", "r")
    hall.open_counter("2", "alice")
    hall.call_next("2", "alice")
    hall.transfer("2", "alice", business="M-QUERY")
    clock.advance(30)
    hall.call_next("2", "alice")
    clock.advance(50)
    hall.finish("2", "alice")
    s = stats.compute(config, hall.events(hall.today(), hall.today()))["businesses"]
    assert s["F-QUERY"]["transferred_out"] == 1 and s["F-QUERY"]["issued"] == 1
    assert s["M-QUERY"]["served"] == 1 and s["M-QUERY"]["wait_mean_s"] == 30


def test_percentile_nearest_rank():
    assert stats.percentile([], 90) is None
    assert stats.percentile([5], 90) == 5
    assert stats.percentile(list(range(1, 11)), 90) == 9
    assert stats.percentile(list(range(1, 11)), 50) == 5
