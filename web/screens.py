"""After a change, the screens of this process are pushed what they show, drawn once.

One background task per process. A change (here, or another process's notice) makes it due; it
draws the hall's picture once (core/picture.py) however many changes came meanwhile, at most
every DRAW_GAP_S (the next issue then finds its newcomer's place already drawn), and pushes
each kind of screen its whole state, versioned with the picture (`v`), only to rooms that hold a
socket of this process:
- `places` to the phones that follow places (room PHONES_ROOM): one broadcast tells every phone
  its place, instead of a message per phone;
- `hall_state` to the wall displays (room WALL_ROOM);
- `screen` to each counter's own screen (room counter:<id>);
- `desk` to the clerk at each open counter (the clerk's room u:<username>);
- `floor` to the guides' tablets (FLOOR_ROOM) and `board` to the managers' pages (BOARD_ROOM),
  also after a change only they show (a help request, an alert, a follow-up, a pre-check);
- `estimates_changed` to the kiosks (room ESTIMATES_ROOM), at most once a second and not on the
  heels of the change: a burst of changes costs one estimate.
A page paints a push newer than what it shows and never asks again after one; it asks once (a
GET) only when it may have missed some, after its socket was away.
Emits skip the message queue: every process draws for its own sockets.
"""
from __future__ import annotations

import logging
import threading
import time

from core import picture, presenters

from . import states
from .event_table import PHONES_ROOM, counter_room, staff_member_room
WALL_ROOM = "wall"
ESTIMATES_ROOM = "estimates"
FLOOR_ROOM = "floor"
BOARD_ROOM = "board"
log = logging.getLogger("hall.screens")
ESTIMATE_DELAY_S = 0.5
ESTIMATE_EVERY_S = 1.0
DRAW_GAP_S = 0.05


class Screens:
    def __init__(self, socketio, hall, hall_state):
        self.socketio, self.hall, self._hall_state = socketio, hall, hall_state
        self.context = None         # the web's HallContext (staff names, devices), set by create_app
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._task = None
        self._everything = False                    # due for every screen, not only the staff boards
        self._estimates_at: float | None = None     # when the kiosks' estimates are next due
        self._estimates_sent = float("-inf")
        self.drawings = 0
        self._drawn_at = float("-inf")

    def changed(self, staff_only: bool = False) -> None:
        """Something screens show changed; `staff_only`: only what the guide's and the manager's
        boards show (help, alerts, follow-ups, a pre-check, a device)."""
        now = time.monotonic()
        with self._lock:
            if not staff_only:
                self._everything = True
                if self._estimates_at is None:
                    self._estimates_at = max(now + ESTIMATE_DELAY_S, self._estimates_sent + ESTIMATE_EVERY_S)
            if self._task is None:
                self._task = self.socketio.start_background_task(self._loop)
        self._due.set()

    def _loop(self) -> None:
        # Ends with the store (an app shut down in a test, or the server stopping).
        while not self.hall.store.closed:
            timeout = 1.0
            with self._lock:
                if self._estimates_at is not None:
                    timeout = max(0.0, min(timeout, self._estimates_at - time.monotonic()))
            self._due.wait(timeout=timeout)
            if self.hall.store.closed:
                break
            for step in (self.hall.pictures.refresh, self._draw_if_due, self._push_estimates):
                try:
                    step()
                except Exception:       # noqa: BLE001 — the store closing at shutdown, or a fault:
                    if self.hall.store.closed:
                        return
                    log.exception("the screens' task: %s failed", step.__name__)
                    with self._lock:    # never a tight loop: the next change or second retries
                        self._estimates_at = None
                    self.socketio.sleep(0.5)

    def _draw_if_due(self) -> None:
        if self._due.is_set():
            self.socketio.sleep(max(0.0, self._drawn_at + DRAW_GAP_S - time.monotonic()))
            self._due.clear()
            with self._lock:
                everything, self._everything = self._everything, False
            self._draw(everything)

    def _draw(self, everything: bool = True) -> None:
        p = self.hall.pictures.drawn()
        self._drawn_at = time.monotonic()
        self.drawings += 1
        if everything:
            self._push("hall_state", WALL_ROOM, self._hall_state)
            self._push("places", PHONES_ROOM, lambda: presenters.places(p))
        c = self.context
        if c is None:
            return
        if everything:
            for cfg in p.config.counters:
                state = p.counters.get(cfg.id)
                if state is None:
                    continue
                self._push("screen", counter_room(cfg.id),
                           lambda cid=cfg.id: states.screen(c, cid, p, v=p.version))
                if state.clerk:
                    self._push("desk", staff_member_room(state.clerk),
                               lambda cid=cfg.id, clerk=state.clerk: states.desk(c, cid, clerk, p, v=p.version))
        self._push("floor", FLOOR_ROOM, lambda: states.floor(c))
        self._push("board", BOARD_ROOM, lambda: states.board(c))

    def _push(self, name: str, room: str, draw) -> None:
        """`draw()` to `room`, if a socket of this process is in it; one screen's fault is logged
        and leaves the others their push."""
        if not self._room_has(room):
            return
        try:
            payload = draw()
        except Exception:       # noqa: BLE001
            if self.hall.store.closed:
                raise
            log.exception("the screens' task: drawing %s for %s failed", name, room)
            return
        self.socketio.emit(name, payload, to=room, ignore_queue=True)

    def _room_has(self, room: str) -> bool:
        """Whether a socket of this process is in `room` (the manager's rooms are local)."""
        return bool(self.socketio.server.manager.rooms.get("/", {}).get(room))

    def _push_estimates(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._estimates_at is None or now < self._estimates_at:
                return
            self._estimates_at = None
            self._estimates_sent = now
        estimates = picture.estimates(self.hall.pictures.drawn())
        self.socketio.emit("estimates_changed", {"estimates": estimates}, to=ESTIMATES_ROOM,
                           ignore_queue=True)
