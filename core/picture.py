"""The picture of the hall: what every screen is drawn from, read once per change and kept while
nothing changes.

A picture is the facts of one moment, from one read of the store (the counters and the tickets at
them, the queues in issue order, their counts, issuing, the last calls, the recent pace), and the
projection over them (core/estimates.py), drawn once for every screen and phone. Screens never
read the store themselves: they are shaped from a picture (core/presenters.py), so they agree.

A kept picture is checked at every look by the store's change mark (microseconds, no
transaction); when something was committed it is read again only if the event log moved with an
event the picture shows (every change of the hall appends to it; a session touched, a print
recorded, an alert or a help request do not change what the picture holds). Its
projection is redrawn after FRESH_S of the hall's clock even when nothing changed: counters
that are still busy push everyone's call a little later. In the server the screens' task does
that in the background (`refresh`), so a request finds it drawn.

An issue is drawn into the picture without reading it again (`issued`): a plain ticket issued now
is the last of its line, so the projection is replayed only from where it is first taken
(core/projection.py `with_issued`); with a long queue that is near the end, so an issue costs
the same with a thousand waiting as with none. Other changes are drawn again in full, lazily,
once for however many changes came meanwhile.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field, replace

from .config import HallConfig
from .estimates import QueueSnapshot
from .projection import Pace
from .tickets import QueuedTicket, Ticket

FRESH_S = 1.0              # the projection is redrawn after this long, changes or not
STALE_S = 5.0              # …by a look, where a background task redraws it every FRESH_S
LAST_CALLS = 10            # the calls a picture keeps (the wall's recent calls)
NORMAL_ISSUING = {"mode": "normal", "message": "", "businesses": []}
# Events that change nothing a picture holds (anything else is taken to change it): staff
# matters, alerts, help requests, follow-ups, what happened after service, devices.
UNSEEN = frozenset({"alert", "alert_cleared", "alert_acked", "help", "help_accepted",
                    "help_closed", "follow_up", "follow_up_answered", "rated", "recommended",
                    "churn", "staff", "precheck"})
UNSEEN_PREFIXES = ("device_",)
SEEN_AT_MOST = 50          # more events than this since a picture: read it again


def still(tx, version: int) -> int | None:
    """The event log's newest number if nothing a picture at `version` holds has changed since
    (only unseen events came), else None."""
    kinds = tx.kinds_after(version, limit=SEEN_AT_MOST)
    if len(kinds) >= SEEN_AT_MOST or any(k not in UNSEEN and not k.startswith(UNSEEN_PREFIXES) for k in kinds):
        return None
    return tx.last_seq() if kinds else version


@dataclass(frozen=True)
class Picture:
    version: int                        # the event log's newest number this picture shows
    at: float                           # the hall's clock when read
    config: HallConfig
    counters: dict                      # counter id → CounterState
    current: dict                       # ticket id → Ticket, for the tickets at counters
    queued: list                        # QueuedTicket, in issue order
    counts: dict                        # business → tickets waiting (every business)
    issuing: dict
    last_calls: list                    # the newest call events first
    queue: QueueSnapshot = field(compare=False)
    # Which read or projection this picture comes from, and the tickets issues drew into it
    # since (`issued`, newest first: (ticket, older cells)): a redrawing made meanwhile draws
    # them in after it (`Pictures.refresh`).
    root: object = field(default_factory=object, compare=False)
    issues: tuple = field(default=(), compare=False)

    def current_of(self, counter_id: str) -> Ticket | None:
        c = self.counters.get(counter_id)
        return self.current.get(c.current_ticket) if c is not None and c.current_ticket else None


def estimates(p: Picture) -> dict[str, dict]:
    """Per business: how many wait, and what a ticket taken now would be told."""
    out = {}
    for b in p.config.businesses:
        ahead, wait = p.queue.for_newcomer(b.code)
        out[b.code] = {"waiting": p.counts.get(b.code, 0), "ahead": ahead, "estimated_wait_s": wait}
    return out


def _counts(config: HallConfig, queued: list) -> dict[str, int]:
    seen = Counter(t.business for t in queued)
    return {b.code: seen.get(b.code, 0) for b in config.businesses}


def read(tx, config: HallConfig, now: float) -> Picture:
    """Every fact of the picture from one consistent read (`tx`)."""
    routing = config.routing
    version = tx.last_seq()
    counters = tx.counters()
    queued = tx.queued_tickets()
    current = {t.id: t for t in tx.tickets([c.current_ticket for c in counters.values()
                                             if c.current_ticket])}
    last_calls = tx.last_calls(LAST_CALLS)
    ended = tx.recent_ends(now - routing.estimate_horizon_s, routing.estimate_window)
    history = (Pace(config, ended), tx.at_counters())
    return Picture(version=version, at=now, config=config, counters=counters, current=current,
                   queued=queued, counts=_counts(config, queued),
                   issuing=issuing_of(tx), last_calls=last_calls,
                   queue=QueueSnapshot(config, queued, counters, now, lambda: history))


def issuing_of(tx) -> dict:
    """Ticket issuing as the manager last set it (core/floor.py)."""
    raw = tx.setting("issuing")
    return json.loads(raw) if raw else dict(NORMAL_ISSUING)


def redrawn(p: Picture, now: float) -> Picture:
    """The same facts, projected again from `now`."""
    history = p.queue.history()
    return replace(p, at=now, queue=QueueSnapshot(p.config, p.queued, p.counters, now, lambda: history),
                   root=object(), issues=())


def issued(p: Picture, ticket: Ticket, version: int) -> Picture | None:
    """`p` (drawn) with one plain ticket (no priority, no target) issued into it, without
    reading it again: the projection is replayed only from where the ticket is first taken
    (Projection.with_issued; with a long queue, near its end). None when `p` is not drawn: the
    ticket is then placed by the next drawing (`Pictures.placing`)."""
    if not p.queue.drawn:
        return None
    q = QueuedTicket(id=ticket.id, number=ticket.number, business=ticket.business,
                     status=ticket.status, priority=None, issued_at=ticket.issued_at,
                     queued_at=ticket.queued_at, target_counter=None)
    return _drawn_in(p, q, version)


def _drawn_in(p: Picture, q: QueuedTicket, version: int) -> Picture:
    queue = p.queue.with_one_more(q, p.queue.projection().with_issued(q))
    counts = dict(p.counts)
    counts[q.business] = counts.get(q.business, 0) + 1
    return replace(p, version=version, queued=queue.queued, counts=counts, queue=queue,
                   issues=(q, p.issues))


def _caught_up(redrawn_p: Picture, base: Picture, now_kept: Picture) -> Picture | None:
    """`redrawn_p` (`base` projected again) with the issues drawn into the kept picture since
    `base`, when only issues came since (else None: it is read again at the next look)."""
    if now_kept.root is not base.root:
        return None
    extra, cell = [], now_kept.issues
    while cell is not base.issues:
        if not cell:
            return None
        extra.append(cell[0])
        cell = cell[1]
    p = redrawn_p
    for q in reversed(extra):
        p = _drawn_in(p, q, now_kept.version)
    return replace(p, version=now_kept.version)


def _places(p: Picture, ticket: Ticket) -> bool:
    """Whether `p` places this ticket as it is now: drawn, holding it, and holding it as it is
    (a ticket given a priority, transferred or re-queued since is placed by a new drawing)."""
    q = p.queue
    if not ticket.queued:
        return True
    held = q.held(ticket.id) if q.drawn else None
    return held is not None and _placed_by(held) == _placed_by(ticket)


def _placed_by(t) -> tuple:
    """What of a ticket its place follows from (a Ticket or a QueuedTicket)."""
    return t.status, t.business, t.priority, t.target_counter, t.order_at


class Pictures:
    """The kept picture of one process."""

    def __init__(self, store, clock, config_of):
        self.store, self.clock, self._config_of = store, clock, config_of
        self._lock = threading.Lock()           # the kept picture and its mark
        self._reading = threading.Lock()        # one reader at a time: the others take its picture
        self._drawing = threading.Lock()        # one drawing at a time: the others take its picture
        self._kept: Picture | None = None
        self.refreshed = False                  # a background task calls refresh(): looks wait longer
        self._mark: int | None = None           # the store's change mark the kept one was checked at
        self.reads = 0                          # pictures read from the store (tests, benchmarks)

    def kept(self) -> Picture | None:
        """The kept picture, unchecked (an issue compares its version inside its transaction)."""
        return self._kept

    def current(self) -> Picture:
        """The hall as it is now."""
        mark = self.store.change_mark()
        config = self._config_of()
        now = self.clock.now()
        p = self._usable(mark, config, now)
        if p is not None:
            return p
        with self._reading:
            p = self._usable(self.store.change_mark(), config, now)
            if p is not None:
                return p
            mark = self.store.change_mark()     # before the read: a commit during it is seen next time
            kept = self._kept
            with self.store.read() as tx:       # one read: is the kept one still right, else the facts
                version = still(tx, kept.version) if kept is not None and kept.config is config else None
                if version is None:
                    p = read(tx, config, now)
                    self.reads += 1
            if version is not None:
                p = redrawn(kept, now) if not 0 <= now - kept.at < self._fresh_s() else kept
                if version != p.version:
                    p = replace(p, version=version)
            with self._lock:
                # An issue may have kept a newer one meanwhile (`keep`): that one stays.
                if self._kept is kept or self._kept is None or p.version > self._kept.version:
                    self._kept, self._mark = p, mark
            return p

    def _fresh_s(self) -> float:
        return STALE_S if self.refreshed else FRESH_S

    def refresh(self) -> None:
        """Redraw the kept picture if it is older than FRESH_S (the screens' task, every second).
        Issues drawn into the kept one meanwhile are drawn into the new drawing after it, so
        a steady stream of tickets never keeps the picture from being redrawn."""
        self.refreshed = True
        now = self.clock.now()
        with self._drawing:
            with self._lock:
                kept = self._kept
            if kept is None or 0 <= now - kept.at < FRESH_S:
                return
            p = redrawn(kept, now)
            p.queue.projection()                # drawn from `kept`
            for _ in range(5):
                with self._lock:
                    now_kept = self._kept
                    if now_kept is kept:
                        self._kept = p
                        return
                if now_kept is None:
                    return
                p = _caught_up(p, kept, now_kept)
                if p is None:
                    return                      # read again meanwhile: new enough
                kept = now_kept

    def forget(self) -> None:
        """A command kept a picture and then failed to commit: nothing kept."""
        with self._lock:
            self._kept, self._mark = None, None

    def _usable(self, mark: int, config: HallConfig, now: float) -> Picture | None:
        with self._lock:
            p = self._kept
            if (p is not None and self._mark == mark and p.config is config
                    and 0 <= now - p.at < self._fresh_s()):
                return p
        return None

    def drawn(self) -> Picture:
        """The hall now, its projection drawn (the screens' task draws after every change, so
        that the next issue is drawn into it)."""
        with self._drawing:
            p = self.current()
            p.queue.projection()
            return p

    def placing(self, ticket: Ticket) -> Picture:
        """A picture that places this ticket: the kept one when it can, else the next drawn. In a
        burst of issues, those waiting while another draws take that drawing when it shows
        them: one drawing places them all."""
        k = self._kept
        if k is not None and _places(k, ticket):
            return k                # just issued, and drawn into the kept picture
        p = self.current()
        if _places(p, ticket):
            return p
        with self._drawing:
            k = self._kept
            if k is not None and _places(k, ticket):
                return k
            p = self.current()
            p.queue.projection()
            return p

    def keep(self, p: Picture) -> None:
        """A picture a command drew (an issue): kept until the next change, checked by version
        on the next look (its own commit moved the store's mark)."""
        with self._lock:
            if self._kept is None or p.version > self._kept.version:
                self._kept, self._mark = p, None
