"""The Socket.IO side of the shell: `hall_state` on connect, staff room, phones tracking tickets."""
from __future__ import annotations

from flask import request
from flask_socketio import emit, join_room, leave_room

from core.errors import HallError

from . import auth, states, trust
from .context import ctx
from .errors import error_body
from .publisher import (BOARD_ROOM, ESTIMATES_ROOM, FLOOR_ROOM, PHONES_ROOM, PUBLIC_ROOM, STAFF_ROOM,
                        WALL_ROOM, staff_member_room, ticket_room, topic_rooms)

# The staff boards' topics, for the roles that may read the board's GET (a clerk's socket, or a
# stranger's, gets nothing of them).
STAFF_TOPICS = {FLOOR_ROOM: states.FLOOR_ROLES, BOARD_ROOM: states.BOARD_ROLES}


def device_room(device_id: str) -> str:
    return f"device:{device_id}"


def _device_may_hear(device, room: str) -> bool:
    if room == WALL_ROOM:           # the public board, as every socket gets it on connect
        return True
    if device is None:
        return False
    if room == ESTIMATES_ROOM:
        return device.kind == "kiosk"
    return device.kind == "counter_screen" and room == f"counter:{device.target}"


def disconnect_device(socketio, device_id: str) -> None:
    """A revoked device's open sockets close at once (on this process)."""
    manager = socketio.server.manager
    for namespace in ("/", "/agent"):
        for sid, _ in list(manager.get_participants(namespace, device_room(device_id))):
            socketio.server.disconnect(sid, namespace=namespace)


def drop_every_socket(socketio, abort: bool = False) -> int:
    """A stopping server lets its screens and phones go (they reconnect, to another worker or to
    the server started again) instead of holding them until it is killed. `abort`: the writer
    may have gone with the server, so do not send the close packet."""
    eio = socketio.server.eio
    dropped = 0
    for sid, sock in list(getattr(eio, "sockets", {}).items()):
        try:
            sock.close(wait=False, abort=abort)
            dropped += 1
        except Exception:       # noqa: BLE001 — already gone
            pass
        eio.sockets.pop(sid, None)
    return dropped


def register(socketio) -> None:
    @socketio.on("connect")
    def connect(auth_data=None):
        if ctx().hall.store.closed:
            return False                # shutting down: the client reconnects to the next server
        join_room(PUBLIC_ROOM)          # the broadcasts "to everyone"
        staff = auth.current_staff()
        if staff is not None:
            join_room(STAFF_ROOM)
            join_room(staff_member_room(staff.username))
        # Events only some pages want go to rooms, so a phone is not sent every kiosk's figures;
        # beyond the public broadcasts, only for staff or the device the topic is about.
        topics = auth_data.get("topics") if isinstance(auth_data, dict) else None
        device = trust.current_device()
        if device is not None:
            join_room(device_room(device.id))
        for room in topic_rooms(topics, ctx().hall.config):
            if room in STAFF_TOPICS:
                if staff is not None and staff.role in STAFF_TOPICS[room]:
                    join_room(room)
            elif staff is not None or _device_may_hear(device, room):
                join_room(room)
        emit("hall_state", ctx().publisher.hall_state())

    @socketio.on("disconnect")
    def disconnect(*_):
        ctx().publisher.forget(request.sid)

    @socketio.on("hall_state")
    def resync(*_):
        """A client may ask again at any time (e.g. after its tab slept)."""
        if not ctx().hall.store.closed:            # not while shutting down
            emit("hall_state", ctx().publisher.hall_state())

    @socketio.on("track")
    def track(data=None):
        token = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(token, str) or not 0 < len(token) <= 128:
            err = error_body("invalid_body", "请指明要跟踪的号票")
            emit("track_error", err)
            return err
        places = isinstance(data, dict) and data.get("places") is True
        try:
            update = ctx().publisher.track(token, request.sid, places=places)
        except HallError as e:
            err = error_body(e.code, e.message)
            emit("track_error", err)
            return err
        join_room(ticket_room(token))
        if places:              # every queue's places, one broadcast per change (docs/API.md)
            join_room(PHONES_ROOM)
            leave_room(PUBLIC_ROOM)
        emit("ticket_update", update)
        return {"ok": True}
