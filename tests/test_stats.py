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


def test_per_counter_clerk_and_hour(hall, clock, config):
    """Hand-computed: two clerks at two counters; tickets issued at 09:30 and 10:10."""
    hall.open_counter("1", "alice")
    hall.open_counter("2", "bob")
    hall.issue_ticket("F-NEW", "a")                        # 09:30
    hall.issue_ticket("F-QUERY", "b")                      # 09:30
    clock.advance(120)
    hall.call_next("1", "alice"); hall.start("1", "alice")            # A: waited 120
    clock.advance(30)
    hall.call_next("2", "bob")                                        # B: waited 150
    clock.advance(270)
    hall.finish("1", "alice")                                         # A: served 300 (target 300)
    hall.no_show("2", "bob")
    clock.advance(2400 - 420)                                         # 10:10
    hall.issue_ticket("F-NEW", "c")
    clock.advance(1000)
    hall.call_next("2", "bob"); hall.start("2", "bob")                # C: waited 1000 (> 900)
    clock.advance(500)
    hall.finish("2", "bob")                                           # C: served 500 (over 300)
    s = stats.compute(config, hall.events(hall.today(), hall.today()))
    alice, bob = s["clerks"]["alice"], s["clerks"]["bob"]
    assert (alice["served"], alice["no_show"], alice["wait_mean_s"], alice["service_mean_s"]) == (1, 0, 120, 300)
    assert alice["within_target"] == 1.0 and alice["wait_within_target"] == 1.0
    assert (bob["served"], bob["no_show"], bob["wait_mean_s"], bob["service_mean_s"]) == (1, 1, 575, 500)
    assert bob["within_target"] == 0.0 and bob["wait_within_target"] == 0.5
    assert s["counters"]["1"]["served"] == 1 and s["counters"]["2"]["no_show"] == 1
    assert s["hours"]["09"]["issued"] == 2 and s["hours"]["10"]["issued"] == 1
    assert s["hours"]["09"]["wait_mean_s"] == 135 and s["hours"]["10"]["wait_median_s"] == 1000
    assert s["businesses"]["F-NEW"]["issued"] == 2                   # the old figures stay
