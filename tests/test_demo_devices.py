"""Driving the demo's mock devices while it runs: `run.py mock …` against a real `run.py --demo`
process, seen through the hall's HTTP API (the real drivers read the mocks' bytes on the ptys)."""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import time
import uuid

import pytest
import requests

from server import ROOT, HallServer

BANNER = "Drive the mocks live"


def mock(db, *args, timeout=30):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "mock", *args, "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def ok(db, *args) -> str:
    r = mock(db, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "h.db"
    server = HallServer(db)
    try:
        server.start()
        end = time.monotonic() + 10
        while BANNER not in server.output() and time.monotonic() < end:
            time.sleep(0.05)
        assert BANNER in server.output(), server.output()
        yield server
    finally:
        if server.proc is not None:
            server.stop()               # SIGTERM, then SIGKILL if it does not go
        assert server.proc is None or server.proc.poll() is not None


def issue(demo, kiosk="k1") -> dict:
    r = requests.post(demo.url + "/api/tickets", timeout=20, headers=demo.device_headers("kiosk", kiosk),
                      json={"business": "F-NEW", "request_id": uuid.uuid4().hex, "kiosk": kiosk})
    assert r.status_code == 201, r.text
    return r.json()


def read_card(demo, kiosk="k1") -> requests.Response:
    return requests.post(f"{demo.url}/api/kiosks/{kiosk}/read-card", timeout=20,
                         headers=demo.device_headers("kiosk", kiosk))


def test_the_control_socket_is_the_demo_users_alone(demo):
    path = demo.db.parent / "mock-control.sock"
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.geteuid()
    assert "run.py mock" in demo.output() and "--db" in demo.output()


def test_status_lists_every_mock(demo):
    out = ok(demo.db, "status")
    for device in ("printer k1", "printer k2", "reader  k1", "reader  k2", "pad     1"):
        assert device in out
    assert "paper ok" in out and "张三" in out


def test_paper_out_then_back_to_normal(demo):
    try:
        assert "paper out" in ok(demo.db, "printer", "paper-out", "--kiosk", "k1")
        t = issue(demo, "k1")
        assert t["printed"] is False and t["print_error"] == "paper_out"
        assert issue(demo, "k2")["printed"] is True           # only k1's printer is out
        staff = demo.session("demo-manager")
        devices = {d["device"]: d for d in staff.get(demo.url + "/api/manager/hall", timeout=10)
                   .json()["devices"]}
        assert devices["printer-k1"]["state"] == "paper_out" and not devices["printer-k1"]["ok"]
    finally:
        assert "back to normal" in ok(demo.db, "printer", "normal", "--kiosk", "k1")
    t = issue(demo, "k1")
    assert t["printed"] is True and t["print_error"] is None
    assert t["number"] in ok(demo.db, "printer", "tickets", "--kiosk", "k1")


@pytest.mark.parametrize("command, error", [("cover-open", "cover_open"), ("offline", "offline")])
def test_cover_open_and_a_pulled_cable(demo, command, error):
    try:
        ok(demo.db, "printer", command, "--kiosk", "k2")
        t = issue(demo, "k2")
        assert t["printed"] is False and t["print_error"] == error
    finally:
        ok(demo.db, "printer", "normal", "--kiosk", "k2")
    assert issue(demo, "k2")["printed"] is True


def test_paper_near_end_still_prints(demo):
    try:
        ok(demo.db, "printer", "paper-near-end")               # the first kiosk: k1
        assert issue(demo, "k1")["printed"] is True
    finally:
        ok(demo.db, "printer", "normal")


def test_place_and_remove_cards(demo):
    try:
        assert "张三" in ok(demo.db, "card", "place", "senior", "--kiosk", "k1")
        r = read_card(demo)
        assert r.status_code == 200 and r.json()["card"]["senior"] is True
        ok(demo.db, "card", "place", "young", "--kiosk", "k1")
        card = read_card(demo).json()["card"]
        assert card["senior"] is False and card["age_band"] == "18-29"
        ok(demo.db, "card", "place", "foreigner", "--kiosk", "k1")
        assert read_card(demo).json()["card"]["masked_name"] == "史*斯"
        assert "card removed" in ok(demo.db, "card", "remove", "--kiosk", "k1")
        assert read_card(demo).json() == {"card": None, "card_token": None}
        assert read_card(demo, "k2").json()["card"] is not None    # k2's card stayed
    finally:
        ok(demo.db, "card", "place", "senior", "--kiosk", "k1")


def test_unknown_card_or_kiosk_is_one_clear_line(demo):
    r = mock(demo.db, "card", "place", "nobody")
    assert r.returncode == 1 and "senior" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = mock(demo.db, "printer", "paper-out", "--kiosk", "k9")
    assert r.returncode == 1 and "k1, k2" in r.stderr and "Traceback" not in r.stderr
    r = mock(demo.db, "printer", "explode")
    assert r.returncode == 2 and "invalid choice" in r.stderr


@pytest.mark.parametrize("mode, code", [("silent", "reader_timeout"), ("garbage", "reader_bad_frame"),
                                        ("bad-checksum", "reader_bad_checksum")])
def test_a_faulty_reader(demo, mode, code):
    try:
        ok(demo.db, "reader", mode, "--kiosk", "k1")
        r = read_card(demo)
        assert r.status_code == 503 and r.json()["error"]["code"] == code
        assert read_card(demo).json()["error"]["code"] == code          # until normal
    finally:
        ok(demo.db, "reader", "normal", "--kiosk", "k1")
    assert read_card(demo).json()["card"] is not None


def test_a_call_pad_key_calls_the_next_customer(demo):
    r = mock(demo.db, "pad", "CALL", "--counter", "1")
    assert r.returncode == 0 and "pressed CALL" in r.stdout
    clerk = demo.session("demo-clerk")
    assert clerk.post(demo.url + "/api/counters/1/open", timeout=10).status_code == 200
    issue(demo, "k1")
    ok(demo.db, "pad", "call")
    end, shown = time.monotonic() + 10, ""
    while time.monotonic() < end:
        shown = re.search(r"display '([A-Z]{1,2}\d{3})'", ok(demo.db, "pad", "display"))
        if shown:
            break
        time.sleep(0.1)
    assert shown, ok(demo.db, "pad", "display")
    desk = clerk.get(demo.url + "/api/counters/1/desk", timeout=10).json()
    assert desk["customer"]["number"] == shown.group(1)


def test_without_a_demo_the_command_says_so_in_one_line(tmp_path):
    r = mock(tmp_path / "h.db", "status")
    assert r.returncode == 1 and "no demo is running" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    stale = socket.socket(socket.AF_UNIX)          # a killed demo's socket file: nobody listens
    stale.bind(str(tmp_path / "mock-control.sock"))
    stale.close()
    r = mock(tmp_path / "h.db", "printer", "paper-out")
    assert r.returncode == 1 and "no demo is running" in r.stderr


def test_a_stale_socket_is_replaced_and_a_live_one_kept(tmp_path):
    from drivers.mock.control import ControlError, ControlServer, send
    from drivers.mock.printer import MockPrinter
    path = tmp_path / "mock-control.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    mocks = {"printer:k1": MockPrinter()}
    first = ControlServer(mocks, path).start()
    try:
        assert send(path, {"device": "printer", "command": "paper-out"})["ok"]
        assert mocks["printer:k1"].paper == "out"
        with pytest.raises(ControlError, match="another demo"):
            ControlServer(mocks, path).start()
        assert send(path, {"device": "nothing"})["ok"] is False
    finally:
        first.close()
        mocks["printer:k1"].close()
    assert not path.exists()
