"""The one place domain events become Socket.IO emits.

- `ticket_called` to everyone, for a call or a recall;
- `queue_changed` to everyone when waiting counts may have moved;
- `counter_changed` to everyone when a counter opens, closes, pauses or resumes;
- `ticket_update` to the phones tracking a ticket, whenever what they show changes;
- `estimates_changed` to the pages that asked for the topic "estimates" (kiosks), at most once
  a second: per business, how many wait and the wait a ticket taken now would be told;
- `service_finished` to staff pages and to the screen of that counter (topic "counter:<id>"):
  its rating pad asks the customer who just left;
- `issuing_changed` to everyone when the manager pauses, limits or reopens issuing;
- to staff pages only: `help_requested` when a customer at a kiosk asks for the guide and
  `help_changed` whenever a request is made, accepted or closed; `alert_changed` when an alert is
  raised, cleared or acknowledged; `device_status`; `ticket_issued` (an arrival, with its masked
  name); `ticket_prechecked`; `follow_up_changed`.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from core import views
from core.clock import iso
from core.events import (QUEUE_EVENTS, AlertChanged, CounterChanged, FollowUpChanged, HelpChanged,
                         IssuingChanged, TicketCalled, TicketChanged, TicketIssued, TicketPrechecked)
from core.hall import Hall

STAFF_ROOM = "staff"
ESTIMATES_ROOM = "estimates"
ESTIMATE_DELAY_S = 0.5
RESYNC_AFTER_OUTAGE_S = 2.0


def ticket_room(token: str) -> str:
    return f"t:{token}"


def staff_member_room(username: str) -> str:
    """Every socket a staff member's pages opened: ended when the account changes."""
    return f"u:{username}"


def counter_room(counter_id: str) -> str:
    return f"counter:{counter_id}"


def topic_rooms(topics, config) -> list[str]:
    """The rooms a connecting page asked for (`auth.topics`), unknown ones ignored:
    "estimates" (kiosks) and "counter:<id>" (that counter's screen)."""
    if not isinstance(topics, list):
        return []
    rooms = []
    for topic in topics[:8]:
        if topic == ESTIMATES_ROOM:
            rooms.append(ESTIMATES_ROOM)
        elif isinstance(topic, str) and topic.startswith("counter:") and config.counter(topic[8:]):
            rooms.append(topic)
    return rooms


class Publisher:
    def __init__(self, socketio, hall: Hall):
        self.socketio = socketio
        self.hall = hall
        self._trackers: dict[str, set[str]] = defaultdict(set)   # ticket → sids
        self._last_sent: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.devices = None             # the device service: call pads show what is called
        self._estimates_due = threading.Event()
        self._estimator = None
        self._watcher = None
        self._version = 0                # bumped by every publish: the cached hall_state is stale
        self._state: tuple[int, float, dict] | None = None
        self.fanout = None              # the other server processes (run.py --workers), if any

    # --- events ---------------------------------------------------------------------
    def publish(self, events: list) -> None:
        """Every payload is built first, then all are emitted at once: once a broadcast is
        handed to the sockets' writer threads, work still to do competes with them."""
        if not events:
            return
        with self._lock:
            self._version += 1
        self._start_watcher()
        sends: list[tuple[str, dict, str | None]] = []     # (event, payload, room)
        pads: list[tuple[str | None, str]] = []
        for e in events:
            self._payloads(e, sends, pads)
        queue_moved = any(isinstance(e, QUEUE_EVENTS) for e in events)
        if queue_moved:
            self._estimates_due.set()
            self._start_estimator()
        # Built and sent under the lock: whoever publishes last sends the newest truth.
        with self._lock:
            if queue_moved:
                sends.append(("queue_changed", {"waiting": self.hall.waiting_counts()}, None))
                if self._trackers:
                    sends += self._tracker_updates(self.hall.snapshot())
            for name, payload, room in sends:
                self.socketio.emit(name, payload, to=room)
        if self.fanout is not None:
            self.fanout.notify("changed", queue_moved=queue_moved)
        for counter, text in pads:
            self._show_on_pad(counter, text)

    def on_notice(self, kind: str, data: dict) -> None:
        """Another server process changed the hall (`web/fanout.py`): what only this process
        can do about it, for its own sockets. Emits here skip the message queue: the rooms
        they go to are this process's."""
        if kind == "changed":
            with self._lock:
                self._version += 1
                if data.get("queue_moved") and self._trackers:
                    for name, payload, room in self._tracker_updates(self.hall.snapshot()):
                        self.socketio.emit(name, payload, to=room, ignore_queue=True)
        elif kind == "end_staff" and isinstance(data.get("username"), str):
            self._end_local_staff_sockets(data["username"])
        elif kind == "reconnected":
            # Emits during the outage reached no one; the queue's own listener may take a
            # moment longer to come back than this one.
            self.socketio.sleep(RESYNC_AFTER_OUTAGE_S)
            with self._lock:
                self._version += 1
            self.socketio.emit("hall_state", self.hall_state(), ignore_queue=True)

    def _payloads(self, e, sends: list, pads: list) -> None:
        """What one domain event says, and to whom."""
        config = self.hall.config
        if isinstance(e, TicketCalled):
            payload = views.call_view(config, e.ticket, e.counter, e.recall)
            payload.update(self._announcement("call", e.ticket.number, e.counter, e.recall))
            sends.append(("ticket_called", payload, None))
            pads.append((e.counter, e.ticket.number))
        elif isinstance(e, TicketChanged) and e.kind in ("finished", "no_show", "transferred"):
            pads.append((e.ticket.counter, "----"))
            if e.kind == "finished" and e.ticket.counter:
                # The counter's rating pad asks the customer who just left; staff pages refresh.
                finished = {"counter": e.ticket.counter, "number": e.ticket.number}
                sends.append(("service_finished", finished, [STAFF_ROOM, counter_room(e.ticket.counter)]))
        elif isinstance(e, TicketChanged) and e.kind == "no_show_undone":
            pads.append((e.ticket.counter, e.ticket.number))       # called here again
        elif isinstance(e, IssuingChanged):
            sends.append(("issuing_changed", e.issuing, None))
        elif isinstance(e, TicketIssued):
            sends.append(("ticket_issued", self._arrival(e.ticket), STAFF_ROOM))
        elif isinstance(e, TicketPrechecked):
            sends.append(("ticket_prechecked", {"ticket": e.ticket.id, "number": e.ticket.number,
                                                "prechecked": e.ticket.prechecked_at is not None,
                                                "by": e.ticket.prechecked_by}, STAFF_ROOM))
        elif isinstance(e, HelpChanged):
            if e.kind == "requested":
                sends.append(("help_requested", e.request, STAFF_ROOM))
            sends.append(("help_changed", {**e.request, "change": e.kind}, STAFF_ROOM))
        elif isinstance(e, AlertChanged):
            sends.append(("alert_changed", {**self.hall.alert_view(e.alert), "change": e.kind},
                          STAFF_ROOM))
        elif isinstance(e, FollowUpChanged):
            sends.append(("follow_up_changed",
                          {**self.hall.follow_up_view(e.follow_up), "change": e.kind}, STAFF_ROOM))
        elif isinstance(e, CounterChanged):
            if e.kind != "businesses":      # the pad keeps the number it shows
                pads.append((e.counter.id, {"paused": "PAUSE", "closed": "CLOSED"}.get(e.kind, "----")))
            current = self.hall.tickets([e.counter.current_ticket])[0] if e.counter.current_ticket else None
            payload = {**views.counter_view(config, e.counter, current), "change": e.kind}
            if e.kind == "paused":
                payload.update(self._announcement("pause", None, e.counter.id, False))
            sends.append(("counter_changed", payload, None))

    def _announcement(self, kind: str, number: str | None, counter: str, recall: bool) -> dict:
        """Where the display finds the words (a WAV rendered on the server), and the words
        themselves for a hall whose voice is the browser's."""
        from display import voice
        config = self.hall.config
        c = config.counter(counter)
        name = c.name if c else counter
        if kind == "call":
            texts = voice.call_texts(number, name, counter, recall, config.voice.english)
            url = voice.call_url(number, counter, recall)
        else:
            texts = voice.pause_texts(name, counter, config.voice.english)
            url = voice.pause_url(counter)
        return {"announce": url if config.voice.engine != "browser" else None,
                "speak": [{"lang": lang, "text": text} for lang, text in texts]}

    def _staff(self, name: str, payload: dict) -> None:
        self.socketio.emit(name, payload, to=STAFF_ROOM)

    def _arrival(self, t) -> dict:
        b = self.hall.config.business(t.business)
        return {"id": t.id, "number": t.number, "business": t.business,
                "business_name": b.name if b else t.business, "priority": t.priority,
                "masked_name": t.masked_name, "age_band": t.age_band,
                "at": iso(t.issued_at, self.hall.config.hall.tz)}

    def _start_estimator(self) -> None:
        """One background task sends estimates at most once a second (they cost a snapshot)."""
        with self._lock:
            if self._estimator is not None:
                return
            self._estimator = self.socketio.start_background_task(self._estimate_loop)

    def _estimate_loop(self) -> None:
        # Ends with the store (an app shut down in a test, or the server stopping).
        while not self.hall.store.closed:
            if not self._estimates_due.wait(timeout=1.0):
                continue
            # Not on the heels of the change: the call's own broadcast goes out first, and a
            # burst of changes costs one estimate.
            self.socketio.sleep(ESTIMATE_DELAY_S)
            self._estimates_due.clear()
            try:
                self.socketio.emit("estimates_changed", {"estimates": self.hall.business_estimates()},
                                   to=ESTIMATES_ROOM)
            except Exception:      # the store closing at shutdown; the next change retries
                pass
            self.socketio.sleep(1.0)

    def hall_state(self) -> dict:
        """`hall_state` for a connecting client. A reconnect storm (every display and phone after
        a restart or a Wi-Fi blip) costs one computation per change or per second, not one per
        client: the snapshot behind it reads every waiting ticket."""
        now = time.monotonic()
        with self._lock:
            cached, version = self._state, self._version
        if cached is not None and cached[0] == version and now - cached[1] < 1.0:
            return cached[2]
        state = views.hall_state(self.hall)
        with self._lock:
            if self._version == version:
                self._state = (version, now, state)
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
            except Exception:      # the store closing at shutdown; the next tick retries
                continue
            self.publish(events)

    def _show_on_pad(self, counter: str | None, text: str) -> None:
        if self.devices is not None and counter:
            self.devices.show_on_pad(counter, text)

    def counter_notice(self, counter: str, clerk: str, code: str, message: str) -> None:
        """A refused call-pad key, for the clerk's own counter page."""
        self.socketio.emit("counter_notice", {"counter": counter, "code": code, "message": message},
                           to=staff_member_room(clerk))

    def device_status(self, payload: dict) -> None:
        self._staff("device_status", payload)

    # --- phones tracking tickets ----------------------------------------------------
    def track(self, token: str, sid: str) -> dict:
        """Register a phone; return the ticket's current update for it."""
        ticket = self.hall.ticket(token)
        view = views.update_view(views.ticket_view(self.hall.config, ticket, self.hall.snapshot()))
        with self._lock:
            self._trackers[token].add(sid)
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
            for token in [t for t, sids in self._trackers.items() if sid in sids]:
                self._trackers[token].discard(sid)
                if not self._trackers[token]:
                    del self._trackers[token]
                    self._last_sent.pop(token, None)

    def _tracker_updates(self, snap) -> list[tuple[str, dict, str]]:
        """`ticket_update` for each tracked ticket whose phone would show something new."""
        out = []
        for t in self.hall.tickets(list(self._trackers)):
            view = views.update_view(views.ticket_view(self.hall.config, t, snap))
            if self._last_sent.get(t.id) != view:
                self._last_sent[t.id] = view
                out.append(("ticket_update", view, ticket_room(t.id)))
        return out
