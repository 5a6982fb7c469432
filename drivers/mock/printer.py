"""A mock 80 mm ESC/POS printer on a pty: it parses what it receives back into tickets (text and
a PNG of the paper) and answers DLE EOT from a state tests and the demo can change.

States: paper `ok` · `near_end` · `out`; cover open or closed; `unplugged` (answers nothing and
drops what it gets, like a loose cable). While the paper is out or the cover open it holds
incoming data (up to its 4 KiB buffer) and prints it when the fault clears, as a real printer does.
Each ticket's text file is written at once; its PNG is drawn on a thread of its own, so status
queries right after a ticket are answered in real time, as a real printer answers them.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path

from .escpos import EscPosParser, Ticket
from .paper import render
from .pty import PtyDevice

BUFFER = 4096


class MockPrinter:
    def __init__(self, out_dir: str | Path | None = None, baudrate: int = 9600,
                 start_pty: bool = True, pace: bool = False):
        self.paper = "ok"
        self.cover_open = False
        self.unplugged = False
        self.tickets: list[Ticket] = []
        self.received = 0                    # bytes on the wire, status queries included
        self.overrun = 0
        self._unplug_at: int | None = None
        self.out_dir = Path(out_dir) if out_dir else None
        self._held = bytearray()
        self._lock = threading.Lock()
        self._printed = threading.Condition(self._lock)
        self._drawn = 0                      # tickets whose paper (PNG) is written
        self._to_draw: queue.Queue = queue.Queue()
        self._drawer: threading.Thread | None = None
        self.parser = EscPosParser(on_status=self.status_byte, on_ticket=self._ticket_done)
        self.pty = PtyDevice(self.feed, baudrate=baudrate if pace else None,
                             name="printer") if start_pty else None

    @property
    def path(self) -> str:
        return self.pty.path

    @property
    def faulted(self) -> bool:
        return self.paper == "out" or self.cover_open

    # --- what a test or the demo does to the printer ----------------------------------
    def set_state(self, paper: str | None = None, cover_open: bool | None = None,
                  unplugged: bool | None = None) -> None:
        with self._lock:
            if paper is not None:
                if paper not in ("ok", "near_end", "out"):
                    raise ValueError(f"paper must be ok, near_end or out, not {paper!r}")
                self.paper = paper
            if cover_open is not None:
                self.cover_open = cover_open
            if unplugged is not None:
                self.unplugged = unplugged
            if not self.faulted and self._held:
                held, self._held = bytes(self._held), bytearray()
                self.parser.feed(held)

    def unplug_after(self, nbytes: int) -> None:
        """Pull the cable once `nbytes` more bytes have arrived (mid-ticket)."""
        with self._lock:
            self._unplug_at = self.received + nbytes

    def wait_for_tickets(self, n: int, timeout: float = 5.0) -> list[Ticket]:
        """The tickets once `n` are printed (and their paper written), or after `timeout`."""
        with self._printed:
            self._printed.wait_for(lambda: len(self.tickets) >= n and self._drawn >= n, timeout)
            return list(self.tickets)

    def close(self) -> None:
        if self.pty:
            self.pty.close()
        if self._drawer is not None:
            self._to_draw.put(None)
            self._drawer.join(5)

    # --- the wire -----------------------------------------------------------------------
    def status_byte(self, n: int) -> int | None:
        out = self.paper == "out"
        if n == 1:
            return 0x12 | (0x08 if out or self.cover_open else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if out else 0)
        if n == 3:
            return 0x12
        if n == 4:
            return 0x12 | (0x0C if self.paper != "ok" else 0) | (0x60 if out else 0)
        return None

    def feed(self, data: bytes) -> bytes:
        with self._lock:
            if self._unplug_at is not None and self.received + len(data) > self._unplug_at:
                keep = max(0, self._unplug_at - self.received)
                self.parser.feed(data[:keep])          # the part that made it down the cable
                self.received += len(data)
                self.unplugged, self._unplug_at = True, None
                return b""
            self.received += len(data)
            if self.unplugged:
                return b""
            if not self.faulted:
                return self.parser.feed(data)
            return self._hold(data)

    def _hold(self, data: bytes) -> bytes:
        """Offline: answer real-time status at once, keep the rest for later."""
        replies = bytearray()
        buf = bytes(data)
        i = 0
        while i < len(buf):
            if buf[i] == 0x10 and i + 2 < len(buf) and buf[i + 1] == 0x04:
                reply = self.status_byte(buf[i + 2])
                if reply is not None:
                    replies.append(reply)
                i += 3
                continue
            if len(self._held) < BUFFER:
                self._held.append(buf[i])
            else:
                self.overrun += 1
            i += 1
        return bytes(replies)

    def _ticket_done(self, ticket: Ticket) -> None:
        self.tickets.append(ticket)
        if self.out_dir is None:
            self._drawn += 1
        else:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            stem = self.out_dir / f"ticket-{len(self.tickets):04d}"
            stem.with_suffix(".txt").write_text(ticket.text() + "\n", encoding="utf-8")
            if self._drawer is None:
                self._drawer = threading.Thread(target=self._draw_loop, name="printer-paper",
                                                daemon=True)
                self._drawer.start()
            self._to_draw.put((ticket, stem.with_suffix(".png")))
        self._printed.notify_all()

    def _draw_loop(self) -> None:
        while (job := self._to_draw.get()) is not None:
            ticket, png = job
            try:
                render(ticket).save(png)
            except Exception:                   # noqa: BLE001 — a picture, not the ticket
                import logging
                logging.getLogger("hall.mock").exception("drawing %s", png)
            with self._printed:
                self._drawn += 1
                self._printed.notify_all()
