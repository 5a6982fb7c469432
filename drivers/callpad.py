"""The counter call pad: a serial keypad speaking a small line protocol (docs/devices.md).

Pad → hall:  "<pad> <KEY>\\r\\n"       KEY ∈ CALL RECALL NOSHOW START FINISH PAUSE PARK BACK
             "<pad> CALL <number>\\r\\n"  a pad with digit keys: that ticket, out of order
Hall → pad:  "<pad> SHOW <text>\\r\\n"  the number (or status) on the pad's display
             "<pad> ERR <code>\\r\\n"   a refused key (counter closed, nothing to recall …)
ASCII only; a line is at most 64 bytes. Unknown keys and garbage lines are reported as errors,
never acted on.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import serial

KEYS = ("CALL", "RECALL", "NOSHOW", "START", "FINISH", "PAUSE", "PARK", "BACK")
# The counter action each key stands for (PAUSE toggles pause / resume; PARK parks the customer
# in hand, BACK calls back the one parked longest at this counter; CALL with a number calls
# that ticket out of order).
ACTIONS = {"CALL": "call-next", "RECALL": "recall", "NOSHOW": "no-show", "START": "start",
           "FINISH": "finish", "PAUSE": "pause", "PARK": "park", "BACK": "call-parked"}
MAX_LINE = 64
_LINE = re.compile(rb"^([A-Za-z0-9_-]{1,16}) ([A-Z]{2,10})(?: ([A-Z]{1,2}[0-9]{3}))?$")


class CallPadError(Exception):
    code = "callpad_error"


class CallPadOffline(CallPadError):
    code = "callpad_offline"


@dataclass(frozen=True)
class KeyPress:
    pad: str
    key: str
    number: str | None = None           # CALL A012: the ticket typed on the pad's digits

    @property
    def action(self) -> str:
        return "call" if self.number else ACTIONS[self.key]


def parse_line(line: bytes) -> KeyPress:
    """One line from a pad (without CR LF) → a key press, or CallPadError."""
    m = _LINE.match(line.strip())
    if not m:
        raise CallPadError(f"not a key line: {line[:MAX_LINE]!r}")
    key = m.group(2).decode()
    if key not in KEYS:
        raise CallPadError(f"unknown key {key}")
    number = m.group(3).decode() if m.group(3) else None
    if number and key != "CALL":
        raise CallPadError(f"{key} takes no number")
    return KeyPress(m.group(1).decode(), key, number)


def display_line(pad: str, text: str) -> bytes:
    safe = re.sub(r"[^A-Za-z0-9 _.:-]", "?", text)[:32]
    return f"{pad} SHOW {safe}\r\n".encode("ascii")


def error_line(pad: str, code: str) -> bytes:
    return f"{pad} ERR {re.sub(r'[^a-z0-9_]', '', code)[:32]}\r\n".encode("ascii")


class CallPad:
    def __init__(self, port: str, baudrate: int = 9600):
        self.port, self.baudrate = port, baudrate
        self._serial = None
        self._buf = bytearray()
        self._write_lock = threading.Lock()

    def _device(self):
        if self._serial is None:
            try:
                self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.1)
            except (serial.SerialException, ValueError, OSError) as e:
                raise CallPadOffline(f"cannot open {self.port}: {e}") from None
        return self._serial

    def read_key(self, timeout: float = 1.0) -> KeyPress | None:
        """The next key press, None if none came in time; CallPadError on a garbage line."""
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl]).rstrip(b"\r")
                del self._buf[:nl + 1]
                if line.strip():
                    return parse_line(line)
                continue
            if len(self._buf) > MAX_LINE:
                self._buf.clear()
                raise CallPadError("line too long")
            if time.monotonic() >= deadline:
                return None
            try:
                self._buf += self._device().read(64)
            except (serial.SerialException, OSError) as e:
                self.close()
                raise CallPadOffline(str(e)) from None

    def _send(self, data: bytes) -> None:
        with self._write_lock:
            try:
                self._device().write(data)
            except (serial.SerialException, OSError) as e:
                self.close()
                raise CallPadOffline(str(e)) from None

    def show(self, pad: str, text: str) -> None:
        self._send(display_line(pad, text))

    def error(self, pad: str, code: str) -> None:
        self._send(error_line(pad, code))

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None
