"""Socket.IO clients that misbehave (malformed events, floods, one that never reads) do not
disturb the others: a wall display still sees every call at once."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import socketio
import websocket

from server import HallServer

GARBAGE = [None, 42, "x" * 100_000, [1, 2, 3], {"ticket": None}, {"ticket": 7},
           {"ticket": "t" * 10_000}, {"ticket": {"$gt": ""}}, {"nested": [[[[[]]]]]}]


@pytest.fixture
def server(tmp_path):
    s = HallServer(tmp_path / "hall.db").start()
    yield s
    s.stop()


def test_bad_clients_do_not_disturb_a_display(server):
    calls: list[tuple[str, float]] = []
    display = socketio.Client(reconnection=False)
    display.on("ticket_called", lambda data: calls.append((data["number"], time.monotonic())))
    display.connect(server.url, transports=["websocket"], wait_timeout=10)

    # One that never reads: it opens a websocket, says hello, and leaves every byte unread.
    deaf = websocket.create_connection(
        server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    deaf.recv()                                   # the engine.io open packet, then nothing more
    deaf.send("40")

    # One that sends garbage (the server may well cut it off: a 100 kB event is over its limit).
    rude = socketio.Client(reconnection=False)
    errors: list = []
    rude.on("track_error", errors.append)
    rude.connect(server.url, transports=["websocket"], wait_timeout=10)
    for bad in GARBAGE:
        try:
            rude.emit("track", bad)
            rude.emit("no_such_event", bad)
        except socketio.exceptions.BadNamespaceError:
            break                                  # disconnected by the server: fine

    # And one that floods.
    flooder = socketio.Client(reconnection=False)
    flooder.connect(server.url, transports=["websocket"], wait_timeout=10)

    def flood():
        for _ in range(2000):
            try:
                flooder.emit("hall_state")
            except socketio.exceptions.BadNamespaceError:
                return
    flooding = threading.Thread(target=flood)
    flooding.start()

    kiosk, clerk = server.session(), server.session("demo-clerk")
    kiosk.headers.update(server.device_headers())
    clerk.post(server.url + "/api/counters/1/open").raise_for_status()
    for _ in range(5):
        kiosk.post(server.url + "/api/tickets",
                   json={"business": "F-NEW", "request_id": uuid.uuid4().hex}).raise_for_status()
    lags = []
    for n in range(1, 6):
        pressed = time.monotonic()
        if n > 1:                                # the last one did not come: the window moves on
            assert clerk.post(server.url + "/api/counters/1/no-show").status_code == 200
        assert clerk.post(server.url + "/api/counters/1/call-next").status_code == 200
        end = pressed + 5
        while not any(num == f"A{n:03d}" for num, _ in calls) and time.monotonic() < end:
            time.sleep(0.01)
        seen = [t for num, t in calls if num == f"A{n:03d}"]
        assert seen, f"A{n:03d} never reached the display"
        lags.append(seen[0] - pressed)
    flooding.join(30)
    assert max(lags) < 2.0, lags                 # a call on the wall within two seconds, every time
    # The garbage the rude client managed to send was answered with the contract's error.
    assert errors and all(e["error"]["code"] == "invalid_body" for e in errors)
    assert server.proc.poll() is None
    assert server.session().get(server.url + "/api/hall", timeout=10).ok
    for client in (rude, flooder, display):
        client.disconnect()
    deaf.close()


def test_a_malformed_engine_io_stream_is_dropped_alone(server):
    raw = websocket.create_connection(
        server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    json.loads(raw.recv()[1:])                    # open packet: "0{...}"
    for junk in ("", "9", "4", "42[", "42[\"track\"," + "[" * 500, "\x00\xff", "40/nope,"):
        try:
            raw.send(junk)
        except OSError:
            break
    raw.close()
    fine = socketio.Client(reconnection=False)
    states: list = []
    fine.on("hall_state", states.append)
    fine.connect(server.url, transports=["websocket"], wait_timeout=10)
    end = time.monotonic() + 5
    while not states and time.monotonic() < end:
        time.sleep(0.02)
    fine.disconnect()
    assert states and server.proc.poll() is None
