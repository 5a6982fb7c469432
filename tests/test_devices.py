"""The device service inside the hall: kiosk printing and card reading, status events, call pads.
Real drivers against the mocks on ptys."""
from __future__ import annotations

import time

import pytest

from conftest import as_device, issue, login
from core.config import load_config
from drivers.mock.demo import start_mocks
from drivers.service import DeviceService, ports_from_config


@pytest.fixture
def rig(tmp_path, clock):
    """A hall with its default devices all mocked: (app, mocks)."""
    from web import create_app
    config = load_config()
    mocks = start_mocks(config, tmp_path / "paper", place_card=None)
    ports, warnings = ports_from_config(config, mocks.paths)
    assert warnings == []
    service = DeviceService(ports, poll_s=0.1)
    app = create_app(config, tmp_path / "hall.db", demo=True, clock=clock, devices=service,
                     public_url="http://hall.example:5000")
    yield app, mocks
    service.close()
    mocks.close()
    app.extensions["hall"].hall.store.close()


def wait(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_issuing_at_a_kiosk_prints_the_ticket(rig):
    app, mocks = rig
    t = issue(app.test_client(), "M-NEW", kiosk="k1").get_json()
    assert t["printed"] is True and t.get("print_error") is None
    paper = mocks["printer:k1"].wait_for_tickets(1)[0]
    assert "G001" in [line.text for line in paper.lines]
    assert paper.qr == [t["track_url"]]
    assert mocks["printer:k2"].tickets == []


def test_printer_out_of_paper_still_gives_a_ticket_marked_not_printed(rig):
    app, mocks = rig
    client = as_device(app.test_client())
    mocks["printer:k1"].set_state(paper="out")
    r = issue(client, "F-NEW", "rq-1", kiosk="k1")
    t = r.get_json()
    assert r.status_code == 201 and t["number"] == "A001"
    assert t["printed"] is False and t["print_error"] == "paper_out"
    assert client.get(f"/api/tickets/{t['id']}").get_json()["status"] == "waiting"
    again = issue(client, "F-NEW", "rq-1", kiosk="k1").get_json()      # the kiosk retries
    assert again["id"] == t["id"] and again["printed"] is False
    assert issue(client, "F-NEW", kiosk="k1").get_json()["number"] == "A002"   # nothing issued twice
    for state, code in (({"paper": "ok", "cover_open": True}, "cover_open"),
                        ({"cover_open": False, "unplugged": True}, "offline")):
        mocks["printer:k1"].set_state(**state)
        assert issue(client, "F-NEW", kiosk="k1").get_json()["print_error"] == code


def test_device_status_reaches_staff_and_the_event_log(rig):
    app, mocks = rig
    http = app.test_client()
    login(http, "demo-manager")
    staff = app.extensions["hall"].socketio.test_client(app, flask_test_client=http)
    mocks["printer:k2"].set_state(paper="near_end")
    assert wait(lambda: any(m["name"] == "device_status" and m["args"][0]["device"] == "printer-k2"
                            and m["args"][0]["state"] == "paper_near_end"
                            for m in staff.get_received()))
    mocks["printer:k2"].set_state(paper="out")
    got = []
    assert wait(lambda: got.extend(m["args"][0] for m in staff.get_received()
                                   if m["name"] == "device_status") or any(
        g["state"] == "paper_out" for g in got))
    change = next(g for g in got if g["state"] == "paper_out")
    assert change == {**change, "kind": "printer", "kiosk": "k2", "ok": False}
    hall = app.extensions["hall"].hall
    logged = [e for e in hall.events(hall.today(), hall.today()) if e["kind"] == "device"]
    assert any(e["data"]["device"] == "printer-k2" and e["data"]["state"] == "paper_out" for e in logged)


def test_read_card_returns_only_what_the_hall_keeps(rig):
    app, mocks = rig
    client = as_device(app.test_client())
    assert client.post("/api/kiosks/k1/read-card").get_json() == {"card": None, "card_token": None}
    mocks["idcard:k1"].place(0)                              # 张三, born 1958: a senior
    r = client.post("/api/kiosks/k1/read-card")
    body = r.get_json()
    assert r.status_code == 200
    assert body["card"] == {"masked_name": "张*", "age_band": "65-74", "senior": True}
    raw = r.get_data(as_text=True)
    assert "110101" not in raw and "北京" not in raw and "张三" not in raw
    t = issue(client, "M-NEW", card_token=body["card_token"], kiosk="k1").get_json()
    assert t["priority"] == "senior"
    # A card token is good once.
    r = issue(client, "M-NEW", card_token=body["card_token"])
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "card_token_invalid"


@pytest.mark.parametrize("fault,code", [("silent", "reader_timeout"), ("badsum", "reader_bad_checksum"),
                                        ("garble", "reader_bad_frame"), ("status:41", "reader_status")])
def test_reader_faults_are_json_errors(rig, fault, code):
    app, mocks = rig
    mocks["idcard:k1"].place(1)
    mocks["idcard:k1"].inject(fault, on="read")
    r = as_device(app.test_client()).post("/api/kiosks/k1/read-card")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == code
    assert as_device(app.test_client()).post("/api/kiosks/k1/read-card").get_json()["card"]["masked_name"] == "古**拉"


def test_the_call_pad_calls_and_shows_the_number(rig):
    app, mocks = rig
    pad = mocks["callpad:1"]
    client = as_device(app.test_client())
    issue(client, "F-NEW")
    pad.press("CALL")                                       # nobody at counter 1 yet
    assert pad.wait_for(lambda p: "counter_closed" in p.errors)
    clerk = app.test_client()
    login(clerk, "demo-clerk")
    clerk.post("/api/counters/1/open")
    pad.press("CALL")
    assert pad.wait_for(lambda p: p.display == "A001")
    hall = app.extensions["hall"].hall
    assert hall.counters()["1"].current_ticket is not None
    pad.press("RECALL")
    assert wait(lambda: any(e["kind"] == "recalled" for e in hall.events(hall.today(), hall.today())))
    pad.send_raw(b"\xff\xfe garbage\r\n1 DANCE\r\n")         # ignored, the pad goes on working
    pad.press("NOSHOW")
    assert pad.wait_for(lambda p: p.display == "----")
    pad.press("RECALL")
    assert pad.wait_for(lambda p: "no_current_ticket" in p.errors)
    pad.press("PAUSE")
    assert pad.wait_for(lambda p: p.display == "PAUSE")
    assert hall.counters()["1"].state == "paused"
    pad.press("PAUSE")
    assert wait(lambda: hall.counters()["1"].state == "open")


def test_a_day_of_id_reads_leaves_no_full_id_number_anywhere(rig, tmp_path, caplog, clock):
    """Every card of the mock read many times, tickets taken with them, some served and rated;
    then the database's bytes (with its WAL) and every log line are searched for what the hall
    must never keep: a full ID number, a full name, an address, the issuing office."""
    import json as _json
    import logging
    from pathlib import Path as _Path
    caplog.set_level(logging.DEBUG)
    app, mocks = rig
    cards = _json.loads((_Path(__file__).resolve().parent.parent / "drivers/mock/cards.json")
                        .read_text(encoding="utf-8"))
    client, clerk = as_device(app.test_client()), app.test_client()
    login(clerk, "demo-clerk")
    clerk.post("/api/counters/3/open")
    for round_ in range(4):
        for i in range(len(cards)):
            mocks["idcard:k1"].place(i)
            for _ in range(3):        # a busy machine may miss a read: the customer taps again
                body = client.post("/api/kiosks/k1/read-card").get_json()
                if "error" not in body:
                    break
            if body.get("card_token"):
                issue(client, "M-NEW", card_token=body["card_token"], kiosk="k1")
            mocks["idcard:k1"].remove()
            clock.advance(30)
        for _ in range(3):
            clerk.post("/api/counters/3/call-next")
            clock.advance(60)
    app.extensions["hall"].hall.store.close()          # checkpoint: everything in the file
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("hall.db*"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    secrets_ = [c[k] for c in cards for k in ("id_number", "address", "issuer", "pass_number",
                                               "english_name") if c.get(k)]
    secrets_ += [c["name"] for c in cards if len(c["name"]) > 1]
    assert "张*".encode() in stored and "65-74".encode() in stored   # what it keeps is there
    for s in secrets_:
        assert s.encode("utf-8") not in stored, s
        assert s not in logged, s
    for c in cards:                                     # not even the number's distinctive tail
        assert c["id_number"][6:14].encode() + c["id_number"][-4:].encode() not in stored


GARBAGE_S = 60      # the issue's "a minute" of a reader gone mad


@pytest.mark.serial       # times itself against the clock: alone on the machine (pytest.ini)
def test_a_reader_sending_garbage_for_a_minute_never_stops_the_kiosk(rig):
    """For a minute the reader's line carries random bytes and every kind of broken answer,
    while the kiosk keeps asking for cards and issuing tickets: every answer is a card, no card
    or a clear reader error, none takes long, tickets keep coming; then the reader is fine."""
    import random
    import threading
    app, mocks = rig
    reader = mocks["idcard:k1"]
    client = as_device(app.test_client())
    rng = random.Random(8)
    stop = threading.Event()

    def noise():
        while not stop.is_set():
            reader.pty.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
            if rng.random() < 0.05:
                reader.inject(rng.choice(("garble", "badsum", "truncate", "silent", "status:41")))
            time.sleep(0.01)

    t = threading.Thread(target=noise, daemon=True)
    t.start()
    answers, slowest, issued = [], 0.0, 0
    end = time.monotonic() + GARBAGE_S
    try:
        while time.monotonic() < end:
            reader.place(rng.randrange(4)) if rng.random() < 0.7 else reader.remove()
            start = time.monotonic()
            r = client.post("/api/kiosks/k1/read-card")
            slowest = max(slowest, time.monotonic() - start)
            body = r.get_json()
            answers.append(r.status_code)
            assert r.status_code in (200, 503), r.get_data(as_text=True)
            if r.status_code == 503:
                assert body["error"]["code"].startswith("reader_"), body
            elif body["card"] is not None:
                assert set(body["card"]) == {"masked_name", "age_band", "senior"}
            assert issue(client, "M-TOPUP").status_code == 201     # the hall keeps issuing
            issued += 1
    finally:
        stop.set()
        t.join(5)
    assert answers.count(503) > 10 and issued == len(answers)
    assert slowest < 6.0, slowest                         # a broken line is not a hang
    # The noise stops (and the faults queued in the mock with it): the next reads are clean.
    reader.clear_faults()
    time.sleep(0.5)
    reader.place(0)
    ok = None
    for _ in range(5):
        r = client.post("/api/kiosks/k1/read-card")
        if r.status_code == 200 and r.get_json()["card"]:
            ok = r.get_json()["card"]
            break
    assert ok == {"masked_name": "张*", "age_band": "65-74", "senior": True}
