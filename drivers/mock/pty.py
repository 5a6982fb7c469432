"""A device behind a pseudo-terminal: the driver opens the slave path like a serial port; the
mock reads requests from the master side and writes its answers back."""
from __future__ import annotations

import os
import select
import threading
import time
import tty
from typing import Callable


class PtyDevice:
    """Runs `handler(bytes) -> bytes` over a pty in a thread.

    `baudrate` paces the answers as the real line would (a pty itself is instant), so timing
    measured against the mock includes the protocol's time on the wire.
    """

    def __init__(self, handler: Callable[[bytes], bytes], baudrate: int | None = None,
                 name: str = "mock"):
        self.handler = handler
        self.baudrate = baudrate
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)          # no echo, no CR/LF mangling, no XON/XOFF
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self.silent = False             # swallow requests, answer nothing (a dead device)
        self._thread = threading.Thread(target=self._loop, name=f"{name}-pty", daemon=True)
        self._thread.start()

    def line_time(self, n: int) -> float:
        return n * 10 / self.baudrate if self.baudrate else 0.0

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ready = select.select([self.master], [], [], 0.05)[0]
                if not ready:
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                if self._stop.is_set():
                    return
                time.sleep(0.05)
                continue
            if self.silent:
                continue
            out = self.handler(data)
            if out:
                self.write(out)

    def write(self, data: bytes) -> None:
        """Send bytes to the driver, at the line's pace."""
        if self.baudrate:
            time.sleep(self.line_time(len(data)))
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                n = os.write(self.master, view)
                view = view[n:]
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
