"""A mock call pad on a pty: `press("CALL")` sends a key line; what the hall shows on the pad's
display is kept in `display` (and every line in `received`)."""
from __future__ import annotations

import threading

from .. import callpad
from .pty import PtyDevice


class MockCallPad:
    def __init__(self, pad_id: str = "P1", baudrate: int = 9600, start_pty: bool = True):
        self.pad_id = pad_id
        self.display = ""
        self.errors: list[str] = []
        self.received: list[str] = []
        self._buf = bytearray()
        self._changed = threading.Condition()
        self.pty = PtyDevice(self.feed, baudrate=None, name="callpad") if start_pty else None

    @property
    def path(self) -> str:
        return self.pty.path

    def press(self, key: str, number: str | None = None) -> None:
        """A key; `number` (CALL only): the ticket typed on the pad's digit keys."""
        if key not in callpad.KEYS:
            raise ValueError(f"unknown key {key!r}; keys: {' '.join(callpad.KEYS)}")
        line = f"{self.pad_id} {key}" + (f" {number}" if number else "")
        self.pty.write(f"{line}\r\n".encode("ascii"))

    def send_raw(self, data: bytes) -> None:
        self.pty.write(data)

    def feed(self, data: bytes) -> bytes:
        with self._changed:
            self._buf += data
            while b"\n" in self._buf:
                line, _, rest = bytes(self._buf).partition(b"\n")
                self._buf = bytearray(rest)
                text = line.rstrip(b"\r").decode("ascii", errors="replace")
                self.received.append(text)
                parts = text.split(" ", 2)
                if len(parts) == 3 and parts[1] == "SHOW":
                    self.display = parts[2]
                elif len(parts) == 3 and parts[1] == "ERR":
                    self.errors.append(parts[2])
            self._changed.notify_all()
        return b""

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def close(self) -> None:
        if self.pty:
            self.pty.close()
