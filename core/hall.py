"""The hall: its parts built on one store, clock and day's plan, and the one face callers use.

Each part is a class of its own module taking what it needs in its constructor; `Hall` only
builds them and hands each call to its part. Commands run in one store transaction and return
domain events; nothing here knows about HTTP.
"""
from __future__ import annotations

import functools

from . import presenters
from .aftercare import AfterService
from .alerts import AlertDesk
from .clock import SystemClock
from .config import HallConfig
from .day_config import DayPlan
from .day_end import DayEnd
from .floor import Floor
from .guide import GuideDesk
from .issuing import TicketIssuer
from .manager import ManagerBoard
from .parking import Parking
from .picture import Pictures
from .priorities import FloorPriority
from .second_business import SecondBusiness
from .ratings import Ratings
from .reader import HallReader
from .serving import Serving
from .settings import HallSettings
from .staff import StaffAccounts
from .statistics import HallStatistics
from .store import Store


def _part(part: str, method):
    """A Hall method that is its part's: `self.<part>.<method>`, with the part's name and doc."""
    name = method.__name__

    @functools.wraps(method)
    def delegate(self, *args, **kwargs):
        return getattr(getattr(self, part), name)(*args, **kwargs)
    return delegate


class Hall:
    """The parts: plan (the day's config), day_end, reader, floor, issuer, serving, parking, floor_priority, second_business,
    guide_desk,
    alert_desk, manager_board, aftercare, ratings, statistics_part; docs/read-side.md says what
    each owns. Screens' shapes are core/presenters/'s."""

    def __init__(self, config: HallConfig, store: Store, clock=None):
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = config.hall.tz
        # The ID-number hashes' key: out of the database, in its key file (core/keys.py).
        self._id_key = bytes.fromhex(store.keys.id_hash_key)
        with store.write() as tx:
            tx.ensure_counters([c.id for c in config.counters])
        # The settings in force: the newest version in the store, the file new to it adopted first.
        self.settings = HallSettings(store, self.clock, self.tz,
                                     pinned={"hall": {"public_url": config.hall.public_url}})
        self.settings.adopt_file(config)
        self.plan = DayPlan(config, store, self.clock, self.settings)
        self.settings.on_saved = self.plan.changed      # this process sees a new version at once
        self.pictures = Pictures(store, self.clock, lambda: self.plan.config)
        self.day_end = DayEnd(store, self.clock, self.tz)
        self.reader = HallReader(store, self.clock, self.pictures, self.tz)
        self.floor = Floor(self.plan, store, self.clock, self.pictures)
        self.issuer = TicketIssuer(self.plan, store, self.clock, self.day_end, self.floor,
                                   self.pictures, self._id_key)
        self.serving = Serving(self.plan, store, self.clock, self.day_end)
        self.parking = Parking(self.serving)
        self.floor_priority = FloorPriority(self.serving)
        self.second_business = SecondBusiness(self.serving)
        self.guide_desk = GuideDesk(self.plan, store, self.clock, self.day_end, self.reader)
        self.staff = StaffAccounts(store, self.clock, self.tz)
        self.alert_desk = AlertDesk(self.plan, store, self.clock, self.reader, self.staff)
        self.manager_board = ManagerBoard(self.plan, self.clock, self.reader, self.alert_desk)
        self.aftercare = AfterService(self.plan, store, self.clock, self.serving)
        self.ratings = Ratings(self.plan, store, self.clock)
        self.statistics_part = HallStatistics(lambda: self.plan.config, store, self.clock)

    # --- the day's plan ---------------------------------------------------------------
    @property
    def config(self) -> HallConfig:
        """The file's config with today's changes (core/day_config.py)."""
        return self.plan.config

    @property
    def base_config(self) -> HallConfig:
        return self.plan.base_config

    save_settings = _part("settings", HallSettings.save)
    restore_settings = _part("settings", HallSettings.restore)

    counter_name = _part("plan", DayPlan.counter_name)
    day_changes = _part("plan", DayPlan.day_changes)
    _day_config_changed = _part("plan", DayPlan.changed)

    # --- the day's end ----------------------------------------------------------------
    reset_day = _part("day_end", DayEnd.reset_day)

    # --- reading ----------------------------------------------------------------------
    today = _part("reader", HallReader.today)
    picture = _part("reader", HallReader.picture)
    business_estimates = _part("reader", HallReader.business_estimates)
    version = _part("reader", HallReader.version)
    as_of = _part("reader", HallReader.as_of)
    snapshot = _part("reader", HallReader.snapshot)
    placing = _part("reader", HallReader.placing)
    waiting_counts = _part("reader", HallReader.waiting_counts)
    ticket = _part("reader", HallReader.ticket)
    ticket_today = _part("reader", HallReader.ticket_today)
    tickets = _part("reader", HallReader.tickets)
    counters = _part("reader", HallReader.counters)
    last_calls = _part("reader", HallReader.last_calls)
    events = _part("reader", HallReader.events)

    # --- the floor: issuing mode (emergency), a counter's businesses for the day --------
    issuing = _part("floor", Floor.issuing)
    set_issuing = _part("floor", Floor.set_issuing)
    set_counter_businesses = _part("floor", Floor.set_counter_businesses)

    # --- issuing ----------------------------------------------------------------------
    @property
    def always_open(self) -> bool:
        """Whether tickets are taken around the clock (core/hours.py)."""
        return self.issuer.always_open

    @always_open.setter
    def always_open(self, value: bool) -> None:
        self.issuer.always_open = value

    issue_ticket = _part("issuer", TicketIssuer.issue_ticket)
    register_card = _part("issuer", TicketIssuer.register_card)
    record_print = _part("issuer", TicketIssuer.record_print)

    # --- the counters -----------------------------------------------------------------
    open_counter = _part("serving", Serving.open_counter)
    close_counter = _part("serving", Serving.close_counter)
    pause = _part("serving", Serving.pause)
    resume = _part("serving", Serving.resume)
    call_next = _part("serving", Serving.call_next)
    call_ticket = _part("serving", Serving.call_ticket)
    requeue = _part("serving", Serving.requeue)
    recall = _part("serving", Serving.recall)
    start = _part("serving", Serving.start)
    finish = _part("serving", Serving.finish)
    tick = _part("serving", Serving.tick)
    missing_checklist = _part("serving", Serving.missing_checklist)
    no_show = _part("serving", Serving.no_show)
    undo_no_show = _part("serving", Serving.undo_no_show)
    undoable_no_show = _part("serving", Serving.undoable_no_show)
    transfer = _part("serving", Serving.transfer)
    park = _part("parking", Parking.park)
    call_parked = _part("parking", Parking.call_parked)
    return_parked = _part("parking", Parking.return_due)
    parked = _part("parking", Parking.parked)
    give_priority = _part("floor_priority", FloorPriority.give)
    add_business = _part("second_business", SecondBusiness.add)

    # --- the guide's desk: help requests, the pre-check, the tablet's rows ------------
    request_help = _part("guide_desk", GuideDesk.request_help)
    accept_help = _part("guide_desk", GuideDesk.accept_help)
    close_help = _part("guide_desk", GuideDesk.close_help)
    help_view = _part("guide_desk", GuideDesk.help_view)
    precheck = _part("guide_desk", GuideDesk.precheck)
    floor_board = _part("guide_desk", GuideDesk.floor_board)

    # --- alerts -----------------------------------------------------------------------
    record_device = _part("alert_desk", AlertDesk.record_device)
    watch_floor = _part("alert_desk", AlertDesk.watch_floor)
    ack_alert = _part("alert_desk", AlertDesk.ack_alert)
    alerts = _part("alert_desk", AlertDesk.alerts)
    alert_details = _part("alert_desk", AlertDesk.alert_details)
    staff_name = _part("alert_desk", AlertDesk.staff_name)

    # --- the manager's live hall ------------------------------------------------------
    hall_board = _part("manager_board", ManagerBoard.hall_board)

    # --- shapes of one row, for the routes and the publisher (core/presenters/) --------
    def alert_view(self, a: dict) -> dict:
        return presenters.floor.alert(self.config, a)

    def follow_up_view(self, f: dict, today: str | None = None) -> dict:
        return presenters.floor.follow_up(self.config, f, today or self.today())

    def device_view(self, payload: dict) -> dict:
        return presenters.board.device(self.config, payload)

    # --- after service ----------------------------------------------------------------
    recordable = _part("aftercare", AfterService.recordable)
    recommend = _part("aftercare", AfterService.recommend)
    record_churn = _part("aftercare", AfterService.record_churn)
    due_date = _part("aftercare", AfterService.due_date)
    open_follow_up = _part("aftercare", AfterService.open_follow_up)
    answer_follow_up = _part("aftercare", AfterService.answer_follow_up)
    follow_ups = _part("aftercare", AfterService.follow_ups)
    recorded_for = _part("aftercare", AfterService.recorded_for)

    # --- ratings ----------------------------------------------------------------------
    rate = _part("ratings", Ratings.rate)
    rate_at_counter = _part("ratings", Ratings.rate_at_counter)
    rated = _part("ratings", Ratings.rated)

    # --- the manager's statistics -----------------------------------------------------
    statistics = _part("statistics_part", HallStatistics.of_days)
    keep_tallies = _part("statistics_part", HallStatistics.keep_days)
