"""A device agent on a "kiosk PC" (this test process, with mock devices) serving a real hall
server process: prints and reads through Socket.IO, reconnects by itself."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from drivers.agent import DeviceAgent
from drivers.mock.idcard import MockIdCardReader
from drivers.mock.printer import MockPrinter
from server import ROOT, HallServer

def agent_config(tmp_path):
    """Kiosk k2 without devices of its own on the server: its PC's agent runs them, signed in
    with k2's enrolled credential (the demo enrols it)."""
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    old = 'id = "k2"\nname = "自助区取号机"\nprinter = "mock"\nidcard = "mock"'
    assert old in text
    path = tmp_path / "agent.toml"
    path.write_text(text.replace(old, 'id = "k2"\nname = "自助区取号机"'), encoding="utf-8")
    return path


def wait(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def devices(tmp_path):
    printer, reader = MockPrinter(out_dir=tmp_path / "paper"), MockIdCardReader()
    yield printer, reader
    printer.close()
    reader.close()


def issue_at_k2(url):
    return requests.post(url + "/api/tickets", json={"business": "M-TOPUP", "request_id": uuid.uuid4().hex,
                                                     "kiosk": "k2"}, timeout=20,
                         headers=HallServer.at(url).device_headers("kiosk", "k2")).json()


def test_agent_prints_reads_and_reconnects(tmp_path, devices):
    printer, reader = devices
    config = agent_config(tmp_path)
    server = HallServer(tmp_path / "hall.db", config=config).start()
    key = server.device_token("kiosk", "k2")
    agent = DeviceAgent(server.url, "k2", key, printer=printer.path, reader=reader.path, poll_s=0.2).start()
    try:
        assert wait(lambda: issue_at_k2(server.url).get("printed") is True)
        assert printer.wait_for_tickets(1)
        reader.place(3)
        card = requests.post(server.url + "/api/kiosks/k2/read-card", timeout=20,
                             headers=server.device_headers("kiosk", "k2")).json()
        assert card["card"] == {"masked_name": "王*英", "age_band": "75+", "senior": True}
        printer.set_state(paper="out")
        t = issue_at_k2(server.url)
        assert t["printed"] is False and t["print_error"] == "paper_out"
        # The server goes away and comes back: the agent finds it again by itself.
        server.stop()
        server = HallServer(tmp_path / "hall.db", config=config, port=server.port).start()
        printer.set_state(paper="ok")
        assert wait(lambda: issue_at_k2(server.url).get("printed") is True, timeout=20)
    finally:
        agent.stop()
        server.stop()
    # Without the agent the kiosk still issues, marked not printed.
    server = HallServer(tmp_path / "hall.db", config=config, port=server.port).start()
    try:
        t = issue_at_k2(server.url)
        assert t["number"].startswith("M") and t["printed"] is False
    finally:
        server.stop()


def test_a_wrong_key_is_refused(tmp_path, devices):
    import socketio
    server = HallServer(tmp_path / "hall.db", config=agent_config(tmp_path)).start()
    try:
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/agent"], transports=["websocket"],
                           auth={"kiosk": "k2", "key": "not-the-key-at-all"}, wait_timeout=5)
        with pytest.raises(socketio.exceptions.ConnectionError):     # k1's credential, not k2's
            client.connect(server.url, namespaces=["/agent"], transports=["websocket"],
                           auth={"kiosk": "k2", "key": server.device_token("kiosk", "k1")}, wait_timeout=5)
        t = issue_at_k2(server.url)
        assert t["printed"] is False and t["print_error"] == "no_printer"
    finally:
        server.stop()
