"""An incremental ESC/POS parser: bytes in, printed lines, QR codes and cuts out (escpos.md §5.2).

A command may be split across reads, so `feed()` keeps what it cannot finish yet. Chinese mode
(FS &) decodes GB18030 without splitting a character; length-prefixed commands (GS ( k) are
parsed by their length, never by scanning for LF. DLE EOT n is answered through `on_status`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Line:
    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass
class Qr:
    data: str
    size: int = 3
    ec: str = "M"
    align: str = "left"


@dataclass
class Ticket:
    """Everything between two cuts."""
    items: list = field(default_factory=list)      # Line | Qr | ("feed", n)
    cut: str = ""

    def text(self) -> str:
        out = []
        for item in self.items:
            if isinstance(item, Line):
                out.append(item.text)
            elif isinstance(item, Qr):
                out.append(f"[QR {item.data}]")
        return "\n".join(out)

    @property
    def lines(self) -> list[Line]:
        return [i for i in self.items if isinstance(i, Line)]

    @property
    def qr(self) -> list[str]:
        return [i.data for i in self.items if isinstance(i, Qr)]


ALIGN = {0: "left", 1: "center", 2: "right", 0x30: "left", 0x31: "center", 0x32: "right"}
EC = {0x30: "L", 0x31: "M", 0x32: "Q", 0x33: "H"}
TWO_BYTE_CUTS = {0x41, 0x42, 0x61, 0x62, 0x67, 0x68}
FULL_CUTS = {0x00, 0x30, 0x41, 0x61, 0x67}


class EscPosParser:
    def __init__(self, on_status: Callable[[int], int | None] | None = None,
                 on_ticket: Callable[[Ticket], None] | None = None, chinese_at_power_on: bool = True):
        self.on_status = on_status or (lambda n: None)
        self.on_ticket = on_ticket or (lambda t: None)
        self.chinese_at_power_on = chinese_at_power_on
        self.buf = bytearray()
        self.unknown: list[bytes] = []
        self._reset()
        self.ticket = Ticket()

    def _reset(self) -> None:
        self.align, self.bold, self.width, self.height = "left", False, 1, 1
        self.chinese = self.chinese_at_power_on
        self.qr_size, self.qr_ec, self.qr_data = 3, "M", b""
        self.line = bytearray()

    # --- input ----------------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Consume bytes; return any real-time replies (DLE EOT) to send back."""
        self.buf += data
        replies = bytearray()
        while self.buf:
            used, reply = self._step()
            if used == 0:
                break
            del self.buf[:used]
            if reply is not None:
                replies.append(reply)
        return bytes(replies)

    def _step(self) -> tuple[int, int | None]:
        b = self.buf
        c = b[0]
        if c >= 0x20:
            return self._text(), None
        if c == 0x0A:
            self._end_line()
            return 1, None
        if c in (0x0D, 0x09, 0x00):
            return 1, None
        if c == 0x10:
            if len(b) < 3:
                return 0, None
            if b[1] == 0x04:
                return 3, self.on_status(b[2])
            self.unknown.append(bytes(b[:3]))
            return 3, None
        if c in (0x1B, 0x1C, 0x1D):
            return self._command()
        self.unknown.append(bytes(b[:1]))
        return 1, None

    def _text(self) -> int:
        b, i = self.buf, 0
        while i < len(b) and b[i] >= 0x20:
            if self.chinese and b[i] >= 0x81:
                if i + 1 >= len(b):
                    break
                size = 4 if 0x30 <= b[i + 1] <= 0x39 else 2
                if i + size > len(b):
                    break
                i += size
            else:
                i += 1
        self.line += b[:i]
        return i

    def _command(self) -> tuple[int, int | None]:
        b = self.buf
        if len(b) < 2:
            return 0, None
        c, d = b[0], b[1]
        if c == 0x1B and d == 0x40:
            self._end_line(flush_only=True)
            self._reset()
            return 2, None
        if c == 0x1C and d in (0x26, 0x2E):
            self.chinese = d == 0x26
            return 2, None
        if c == 0x1D and d == 0x28:
            return self._gs_paren()
        if c == 0x1D and d == 0x56:
            if len(b) < 3:
                return 0, None
            m = b[2]
            used = 4 if m in TWO_BYTE_CUTS else 3
            if len(b) < used:
                return 0, None
            self._end_line(flush_only=True)
            self.ticket.cut = "full" if m in FULL_CUTS else "partial"
            self.on_ticket(self.ticket)
            self.ticket = Ticket()
            return used, None
        if len(b) < 3:
            return 0, None
        n = b[2]
        if c == 0x1B and d == 0x61:
            self.align = ALIGN.get(n, "left")
        elif c == 0x1B and d == 0x45:
            self.bold = bool(n & 1)
        elif c == 0x1B and d == 0x21:
            self.bold = bool(n & 0x08)
            self.width, self.height = (2 if n & 0x20 else 1), (2 if n & 0x10 else 1)
        elif c == 0x1D and d == 0x21:
            self.width, self.height = (n >> 4) + 1, (n & 0x0F) + 1
        elif c == 0x1B and d == 0x64:
            self._end_line(flush_only=True)
            self.ticket.items.append(("feed", n))
        elif (c, d) in ((0x1B, 0x74), (0x1B, 0x2D), (0x1B, 0x4D), (0x1C, 0x21), (0x1D, 0x61),
                        (0x1D, 0x42), (0x1B, 0x7B), (0x1D, 0x62), (0x1B, 0x4A)):
            pass            # understood, nothing the paper model needs
        else:
            self.unknown.append(bytes(b[:3]))
        return 3, None

    def _gs_paren(self) -> tuple[int, int | None]:
        b = self.buf
        if len(b) < 5:
            return 0, None
        size = b[3] + 256 * b[4]
        if len(b) < 5 + size:
            return 0, None
        body = bytes(b[5:5 + size])
        if b[2] == 0x6B and len(body) >= 2 and body[0] == 0x31:
            fn = body[1]
            if fn == 0x43 and len(body) >= 3:
                self.qr_size = body[2]
            elif fn == 0x45 and len(body) >= 3:
                self.qr_ec = EC.get(body[2], "?")
            elif fn == 0x50:
                self.qr_data = body[3:]
            elif fn == 0x51:
                self._end_line(flush_only=True)
                self.ticket.items.append(Qr(self.qr_data.decode("utf-8", errors="replace"),
                                            self.qr_size, self.qr_ec, self.align))
        return 5 + size, None

    def _end_line(self, flush_only: bool = False) -> None:
        if flush_only and not self.line:
            return
        encoding = "gb18030" if self.chinese else "cp437"
        text = bytes(self.line).decode(encoding, errors="replace")
        self.ticket.items.append(Line(text, self.align, self.bold, self.width, self.height))
        self.line = bytearray()
