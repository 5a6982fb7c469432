"""The display's voice: the words of an announcement and the default engine's audio."""
from __future__ import annotations

import io
import shutil
import wave

import pytest

from conftest import issue

from core.config import load_config
from display.voice import (Announcer, call_texts, counter_zh, number_zh, pause_texts,
                           spell_ticket_zh)


def test_the_words():
    assert spell_ticket_zh("A007") == "A 零 零 七"
    assert counter_zh("3号窗口") == "三号窗口" and counter_zh("12号窗口") == "十二号窗口"
    assert [number_zh(n) for n in (0, 10, 15, 20, 99)] == ["零", "十", "十五", "二十", "九十九"]
    assert call_texts("A007", "3号窗口", "3", False, False) == [("zh", "请 A 零 零 七 号, 到 三号窗口 办理")]
    recall = call_texts("A007", "3号窗口", "3", True, True)
    assert recall[0][1].startswith("重呼") and recall[1] == ("en", "Repeat. Number A 0 0 7, please go to counter 3.")
    assert pause_texts("3号窗口", "3", False) == [("zh", "三号窗口 暂停服务")]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_espeak_renders_a_call_to_a_wav_of_plausible_length(tmp_path):
    voice = load_config().voice
    announcer = Announcer(voice, tmp_path)
    path = announcer.render(call_texts("A007", "3号窗口", "3", False, False))
    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
    # A chime, then "请 A 零 零 七 号, 到 三号窗口 办理" twice: some seconds, not a blip, not a minute.
    assert 4 < seconds < 30
    # Cached: the same words come back from the same file without rendering again.
    assert announcer.render(call_texts("A007", "3号窗口", "3", False, False)) == path
    assert len(list(tmp_path.glob("*.wav"))) == 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_announcement_endpoints(client):
    # Only today's tickets are announced (the core issues one: the kiosk's API wants a device).
    number = client.application.extensions["hall"].hall.issue_ticket("F-NEW", "e1")[0].number
    r = client.get(f"/api/announcements/call.wav?number={number}&counter=3&recall=1")
    assert r.status_code == 200 and r.mimetype == "audio/wav" and r.data[:4] == b"RIFF"
    assert client.get("/api/announcements/pause.wav?counter=3").status_code == 200
    for bad in ("number=../../etc&counter=3", "number=A007&counter=99", ""):
        r = client.get("/api/announcements/call.wav?" + bad)
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_announcement"


def test_calls_carry_their_announcement(app, client, clerk):
    socketio = app.extensions["hall"].socketio
    wall = socketio.test_client(app)
    wall.get_received()
    issue(client, "F-NEW", "v1")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/recall")
    calls = [m["args"][0] for m in wall.get_received() if m["name"] == "ticket_called"]
    assert calls[0]["announce"] == "/api/announcements/call.wav?number=A001&counter=1&recall=0"
    assert calls[1]["announce"].endswith("recall=1") and calls[1]["speak"][0]["text"].startswith("重呼")
    clerk.post("/api/counters/1/no-show")
    clerk.post("/api/counters/1/pause")
    changes = [m["args"][0] for m in wall.get_received() if m["name"] == "counter_changed"]
    assert changes[-1]["announce"] == "/api/announcements/pause.wav?counter=1"
