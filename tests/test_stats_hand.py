"""The counter's hand in the statistics (issue 18): out-of-order calls by clerk and reason,
no-shows re-queued and then served, parked time, second businesses, priority given by whom;
the same figures from a kept day's rows as from its log."""
from __future__ import annotations

from core import stats
from core.clock import ManualClock
from core.hall import Hall


def a_busy_morning(hall, clock):
    """Two clerks using their whole hand on one morning."""
    for i in range(8):
        hall.issue_ticket("F-NEW", f"h{i}")
        clock.advance(30)
    hall.open_counter("1", "alice")
    hall.open_counter("2", "bob")

    def serve(counter, clerk, ref=None, reason=None):
        if ref is None:
            t, _ = hall.call_next(counter, clerk)
        else:
            t, _ = hall.call_ticket(counter, clerk, ref, reason)
        clock.advance(10)
        hall.start(counter, clerk)
        clock.advance(120)
        hall.finish(counter, clerk)
        clock.advance(5)
        return t

    serve("1", "alice", "A005", "预约客户")                 # out of order, twice by alice
    serve("1", "alice", "A006", "客户已到窗口")
    serve("2", "bob", "A007", "预约客户")
    hall.call_next("1", "alice")                           # A001 missed its call …
    clock.advance(60)
    hall.no_show("1", "alice")
    hall.requeue("A001", "demo-guide")                     # … came back, served later
    hall.call_next("2", "bob")                             # A002 parked 300 s, called back
    clock.advance(10)
    hall.start("2", "bob")
    hall.park("2", "bob", "去取证件")
    clock.advance(300)
    hall.call_parked("2", "bob", "A002")
    clock.advance(10)
    hall.start("2", "bob")
    clock.advance(100)
    hall.add_business("2", "bob", "F-QUERY", "serve")       # and a second business at once
    clock.advance(40)
    hall.finish("2", "bob")
    hall.give_priority("A008", "pregnant", "demo-guide")
    for _ in range(4):
        serve("1", "alice")


def test_the_counter_hand_is_counted_and_kept(tmp_path, config):
    from core.store import Store
    from core.clock import day_start
    store = Store(tmp_path / "hall.db")
    clock = ManualClock(day_start("2026-11-25", config.hall.tz) + 9.5 * 3600)
    hall = Hall(config, store, clock)
    a_busy_morning(hall, clock)
    today = hall.today()
    hand = hall.statistics(today, today)["counter_hand"]
    assert hand["out_of_order"] == {"calls": 3, "by_clerk": {"alice": 2, "bob": 1},
                                    "by_reason": {"预约客户": 2, "客户已到窗口": 1}}
    assert hand["requeued"] == {"requeued": 1, "served": 1, "served_share": 1.0}
    assert hand["parked"] == {"parked": 1, "called_back": 1, "returned_by_itself": 0, "away_mean_s": 300.0}
    assert hand["second_businesses"] == {"F-QUERY": {"added": 1, "served_at_once": 1}}
    assert hand["priority_given"] == {"given": 1, "at_issue": 0, "by": {"demo-guide": 1}}
    # The next morning the day is kept as rows: the same figures from them as from its log.
    clock.advance(24 * 3600)
    hall.keep_tallies(days=3)
    with store.read() as tx:
        assert tx.conn.execute("SELECT count(*) FROM tally_answers WHERE topic = 'hand'").fetchone()[0] > 5
    kept = hall.statistics(today, today)
    assert kept == stats.compute(hall.config, hall.events(today, today), today=hall.today())
    assert kept["counter_hand"] == hand
    store.close()


def test_a_tally_keeps_the_hand_through_json(tmp_path, config):
    """The central copy keeps day tallies as JSON: the hand goes there and back."""
    from core.store import Store
    from core.clock import day_start
    store = Store(tmp_path / "hall.db")
    clock = ManualClock(day_start("2026-11-25", config.hall.tz) + 9.5 * 3600)
    hall = Hall(config, store, clock)
    a_busy_morning(hall, clock)
    tally = stats.Tally()
    tally.add(config, hall.events(hall.today(), hall.today()))
    again = stats.Tally.from_json(tally.to_json())
    assert again.result(config)["counter_hand"] == tally.result(config)["counter_hand"]
    assert stats.Tally.from_json('{"businesses":{},"counters":{},"clerks":{},"hours":{},'
                                 '"recommendations":{},"churn":{},"scores":{}}').hand == {}
    store.close()
