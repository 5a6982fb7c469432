"""The one place domain events become Socket.IO emits: each event through the table of
web/event_table.py, then what the screens show, drawn once (web/screens.py).

"Everyone" is every socket but the phones that read `places` (room PUBLIC_ROOM): what those need
comes in `places` and their own `ticket_update`, so a call costs them one message, not three.

- `ticket_called` to everyone, for a call or a recall;
- `queue_changed` to everyone when waiting counts may have moved;
- `counter_changed` to everyone when a counter opens, closes, pauses, resumes or changes what
  it serves;
- `ticket_update` to the phones following a ticket, when its own state changes (called,
  recalled, started, done, no-show, transferred); a phone that did not ask for `places` (an older page)
  is sent one also whenever what it shows changes;
- `places` to the phones that asked for it: every queue in calling order, one broadcast;
- `estimates_changed` to the kiosks (topic "estimates"), at most once a second;
- each screen's whole state, pushed by web/screens.py: `hall_state` (walls), `screen` (a counter's
  screen), `desk` (the clerk at a counter), `floor` (guides), `board` (managers);
- `service_finished` to staff pages and to the screen of that counter (topic "counter:<id>"):
  its rating pad asks the customer who just left; `ticket_rated` there too (the pad stops
  asking one who rated on the phone);
- `hall_changed` to everyone, phones too, when a settings version comes into force: the hall's
  catalogue as `GET /api/hall` answers it (pages repaint what they show of it);
- `issuing_changed` to everyone, phones too, when the manager pauses, limits or reopens issuing;
- to staff pages only: `help_requested` when a customer at a kiosk asks for the guide and
  `help_changed` whenever a request is made, accepted or closed; `alert_changed` when an alert is
  raised, cleared or acknowledged; `device_status`; `ticket_issued` (an arrival, with its masked
  name); `ticket_prechecked`; `follow_up_changed`.

The announcer (what a call says) and the call pads are given to it, not imported.
"""
from __future__ import annotations

import threading
from collections import defaultdict

from core import views
from core.hall import Hall

from .event_table import (HANDLERS, PUBLIC_ROOM, STAFF_ROOM, Outbox,  # noqa: F401 (re-exported)
                          counter_room, staff_member_room)
from .screens import BOARD_ROOM, ESTIMATES_ROOM, FLOOR_ROOM, PHONES_ROOM, WALL_ROOM, Screens

RESYNC_AFTER_OUTAGE_S = 2.0


def ticket_room(token: str) -> str:
    return f"t:{token}"


def topic_rooms(topics, config) -> list[str]:
    """The rooms a connecting page asked for (`auth.topics`), unknown ones ignored:
    "estimates" (kiosks), "counter:<id>" (that counter's screen: `screen` pushed), "wall" (a
    wall display: `hall_state` pushed after every change), "floor" (the guide's tablet: `floor`)
    and "board" (the manager's live hall: `board`). Who may join which: web/sockets.py."""
    if not isinstance(topics, list):
        return []
    rooms = []
    for topic in topics[:8]:
        if topic in (ESTIMATES_ROOM, WALL_ROOM, FLOOR_ROOM, BOARD_ROOM):
            rooms.append(topic)
        elif isinstance(topic, str) and topic.startswith("counter:") and config.counter(topic[8:]):
            rooms.append(topic)
    return rooms


class Publisher:
    def __init__(self, socketio, hall: Hall, announcer, pads=None):
        self.socketio = socketio
        self.hall = hall
        self.announcer = announcer
        self.pads = pads                # the call pads show what is called (the device service)
        self.screens = Screens(socketio, hall, self.hall_state)
        self._trackers: dict[str, set[str]] = defaultdict(set)   # ticket → sids following it
        self._ticket_updates: set[str] = set()   # sids sent every change of what they show
        self._last_sent: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._watcher = None
        self._state: tuple[object, dict] | None = None    # (picture, its hall_state)
        self.fanout = None              # the other server processes (run.py --workers), if any

    # --- events ---------------------------------------------------------------------
    def publish(self, events: list) -> None:
        """What the events say goes out first (a call: every wall and phone waits for it);
        what follows from the hall's new state (counts, phones' updates) is built after, then
        sent at once: once a broadcast is handed to the sockets' writer threads, work still to
        do competes with them."""
        if not events:
            return
        self._start_watcher()
        out = Outbox(self.hall.config, self.announcer, self.hall)
        for e in events:
            HANDLERS[type(e)](e, out)
        # Sent under the lock: whoever publishes last sends the newest truth.
        with self._lock:
            for name, payload, room in out.sends:
                self.socketio.emit(name, payload, to=room)
            sends = []
            if out.queue_moved:
                counts = self.hall.waiting_counts(after=out.counted_after())
                sends.append(("queue_changed", {"waiting": counts}, PUBLIC_ROOM))
            sends += self._own_updates(out.tickets)
            if out.queue_moved:
                sends += self._tracker_updates()
            for name, payload, room in sends:
                self.socketio.emit(name, payload, to=room)
        if self.fanout is not None:
            if out.settings is not None:        # before "changed": their screens drawn with it
                self.fanout.notify("settings", version=out.settings)
            self.fanout.notify("changed", queue_moved=out.queue_moved, staff_moved=out.staff_moved)
        for counter, text in out.pads:
            if self.pads is not None:
                self.pads.show_on_pad(counter, text)
        if out.queue_moved or out.staff_moved:
            self.screens.changed(staff_only=not out.queue_moved)

    def on_notice(self, kind: str, data: dict) -> None:
        """Another server process changed the hall (`web/fanout.py`): what only this process
        can do about it, for its own sockets. Emits here skip the message queue: the rooms
        they go to are this process's."""
        if kind == "settings":
            self.hall.plan.changed()            # read the version in force at the next look
        elif kind == "changed":
            if data.get("queue_moved"):
                with self._lock:
                    for name, payload, room in self._tracker_updates():
                        self.socketio.emit(name, payload, to=room, ignore_queue=True)
                self.screens.changed()
            elif data.get("staff_moved"):
                self.screens.changed(staff_only=True)
        elif kind == "end_staff" and isinstance(data.get("username"), str):
            self._end_local_staff_sockets(data["username"])
        elif kind == "reconnected":
            # Emits during the outage reached no one; the queue's own listener may take a
            # moment longer to come back than this one.
            self.socketio.sleep(RESYNC_AFTER_OUTAGE_S)
            self.socketio.emit("hall_state", self.hall_state(), ignore_queue=True)
            self.screens.changed()

    def hall_state(self) -> dict:
        """`hall_state` for a connecting client, shaped once per picture of the hall: a
        reconnect storm (every display and phone after a restart or a Wi-Fi blip) costs one."""
        p = self.hall.picture()
        kept = self._state
        if kept is not None and kept[0] is p:
            return kept[1]
        state = {**views.hall_state(self.hall), "v": p.version}
        self._state = (p, state)
        return state

    def _start_watcher(self) -> None:
        """One background task looks at the floor every few seconds for what needs a person
        (long services, waits, queues and pauses); started by the hall's first event."""
        with self._lock:
            if self._watcher is not None:
                return
            self._watcher = self.socketio.start_background_task(self._watch_loop)

    def _watch_loop(self) -> None:
        while not self.hall.store.closed:
            self.socketio.sleep(self.hall.config.alerts.check_s)
            if self.hall.store.closed:
                break
            try:
                _, events = self.hall.watch_floor()
                _, returned = self.hall.return_parked()
            except Exception:      # the store closing at shutdown; the next tick retries
                continue
            self.publish(events + returned)

    def counter_notice(self, counter: str, clerk: str, code: str, message: str) -> None:
        """A refused call-pad key, for the clerk's own counter page."""
        self.socketio.emit("counter_notice", {"counter": counter, "code": code, "message": message},
                           to=staff_member_room(clerk))

    def device_status(self, payload: dict) -> None:
        self.socketio.emit("device_status", payload, to=STAFF_ROOM)
        self.screens.changed(staff_only=True)       # the manager's board lists the devices

    # --- phones tracking tickets ----------------------------------------------------
    def track(self, token: str, sid: str, places: bool = False) -> dict:
        """Follow a ticket from a phone; return the ticket's current update for it. A phone
        that reads `places` is told only its own changes by `ticket_update`."""
        ticket = self.hall.ticket(token)
        view = views.update_view(views.ticket_view(self.hall.config, ticket, self.hall.placing(ticket)))
        with self._lock:
            self._trackers[token].add(sid)
            if not places:
                self._ticket_updates.add(sid)
            self._last_sent[token] = view
        return view

    def end_staff_sockets(self, username: str) -> int:
        """An account disabled, given a new role or a new password: its open pages lose their
        live staff events now (they reconnect as anonymous and are sent to sign in again).
        With several server processes, the others drop theirs when told (`on_notice`)."""
        if self.fanout is not None:
            self.fanout.notify("end_staff", username=username)
        return self._end_local_staff_sockets(username)

    def _end_local_staff_sockets(self, username: str) -> int:
        server = self.socketio.server
        sids = [sid for sid, _ in server.manager.get_participants("/", staff_member_room(username))]
        for sid in sids:
            server.disconnect(sid, namespace="/", ignore_queue=True)
        return len(sids)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._ticket_updates.discard(sid)
            for token in [t for t, sids in self._trackers.items() if sid in sids]:
                self._trackers[token].discard(sid)
                if not self._trackers[token]:
                    del self._trackers[token]
                    self._last_sent.pop(token, None)

    def _update(self, t) -> dict:
        return views.update_view(views.ticket_view(self.hall.config, t, self.hall.placing(t)))

    def _own_updates(self, tickets: list) -> list[tuple[str, dict, str]]:
        """`ticket_update` for the tickets whose own state changed (to their room, through
        the message queue: their phones may be on another process)."""
        out = []
        for t in {t.id: t for t in tickets}.values():
            view = self._update(t)
            if t.id in self._trackers:
                self._last_sent[t.id] = view
            out.append(("ticket_update", view, ticket_room(t.id)))
        return out

    def _tracker_updates(self) -> list[tuple[str, dict, str]]:
        """`ticket_update` for each ticket an older phone follows whose view would change."""
        tokens = [t for t, sids in self._trackers.items() if sids & self._ticket_updates]
        if not tokens:
            return []
        out = []
        snap = self.hall.pictures.drawn().queue
        for t in self.hall.tickets(tokens):
            view = views.update_view(views.ticket_view(self.hall.config, t, snap))
            if self._last_sent.get(t.id) != view:
                self._last_sent[t.id] = view
                out.append(("ticket_update", view, ticket_room(t.id)))
        return out
