"""The ticket printer: an 80 mm ESC/POS thermal printer, python-escpos over pyserial.

python-escpos frames the ticket (alignment, sizes, native QR, cut); Chinese goes as GB18030 in
Chinese character mode (FS &) through `_chinese()`, the one place that encodes it
(../shared/devices/escpos.md §1.4). Status is read with DLE EOT one byte at a time (§2.3), so a
silent printer is "offline" after a short timeout instead of a hang or "paper adequate".
"""
from __future__ import annotations

import threading
from datetime import datetime

import serial
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy, Serial

ESC_INIT = b"\x1b\x40"
FS_CHINESE_ON = b"\x1c\x26"
ASB_OFF = b"\x1d\x61\x00"        # no unsolicited status bytes between our queries


class PrinterError(Exception):
    code = "printer_error"
    message = "打印机故障"

    def __init__(self, detail: str = ""):
        super().__init__(detail or self.message)


class PaperOut(PrinterError):
    code = "paper_out"
    message = "打印机缺纸"


class CoverOpen(PrinterError):
    code = "cover_open"
    message = "打印机盖未关"


class PrinterOffline(PrinterError):
    code = "offline"
    message = "打印机未连接或无响应"


class PrinterIOError(PrinterError):
    code = "io_error"
    message = "打印数据发送失败"


class _UrlSerial(Serial):
    """python-escpos' Serial printer, opened with pyserial's URL handlers, so `port` may be a
    device path, `socket://host:9100` or `loop://`."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device and self.device is not None and self.device.is_open:
            self.close()
        try:
            self.device = serial.serial_for_url(
                self.devfile, baudrate=self.baudrate, bytesize=self.bytesize, parity=self.parity,
                stopbits=self.stopbits, timeout=self.timeout, xonxoff=self.xonxoff,
                dsrdtr=False, write_timeout=5)
        except (ValueError, serial.SerialException, OSError) as e:
            self.device = None
            raise PrinterOffline(f"cannot open {self.devfile}: {e}") from None


def _chinese(p, text: str, width: int = 1, height: int = 1, bold: bool = False) -> None:
    """The one place Chinese becomes printer bytes: size and weight (GS ! for Epson-type firmware,
    FS ! for firmware that sizes Chinese only through it), then GB18030 text and LF."""
    p.set(bold=bold, custom_size=True, width=width, height=height)
    fs = (0x04 if width > 1 else 0) | (0x08 if height > 1 else 0)
    p._raw(bytes((0x1C, 0x21, fs)) + text.encode("gb18030", errors="replace") + b"\n")


def _minutes(seconds: int | None) -> str:
    if seconds is None:                      # no open window serves the business now
        return "暂无窗口办理,请留意叫号或咨询导购"
    return "即将叫号" if seconds < 60 else f"约 {round(seconds / 60)} 分钟"


def ticket_bytes(ticket: dict, hall: dict) -> bytes:
    """The whole ticket as one byte string (sent in one write, never half a ticket)."""
    business = next((b for b in hall.get("businesses", []) if b["code"] == ticket["business"]), {})
    line = {"fixed": "固网业务", "mobile": "5G移动业务"}.get(business.get("line"), "")
    p = Dummy(profile="default")
    p._raw(ESC_INIT + FS_CHINESE_ON + ASB_OFF)
    p.set(align="center")
    texts = hall.get("ticket") or {}
    _chinese(p, hall.get("name", ""), 2, 2, bold=True)
    if texts.get("header"):
        _chinese(p, texts["header"])
    _chinese(p, f"{line} · {business.get('name', ticket['business'])}")
    if ticket.get("priority"):
        _chinese(p, "【绿色通道】", bold=True)
    p.print_and_feed(1)
    p.set(bold=True, custom_size=True, width=5, height=5)
    p._raw(ticket["number"].encode("ascii") + b"\n")
    _chinese(p, f"您前面还有 {ticket.get('ahead', 0)} 人在等待", 1, 2)
    _chinese(p, f"预计等待:{_minutes(ticket.get('estimated_wait_s'))}")
    issued = ticket.get("issued_at", "")
    try:
        issued = datetime.fromisoformat(issued).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        pass
    _chinese(p, f"取号时间:{issued}")
    if business.get("id_required"):
        _chinese(p, "请准备好您的有效证件", bold=True)
    if ticket.get("track_url"):
        p.qr(ticket["track_url"], native=True, size=5, ec=QR_ECLEVEL_M)
        p._raw(b"\n")
        _chinese(p, texts.get("qr_caption", "扫码查看排队进度"))
    _chinese(p, (hall.get("no_show_rule") or {}).get("zh") or "过号无效,请重新取号或咨询导购")
    for line in texts.get("footer", ("请在休息区等候,留意叫号及大屏显示",)):
        _chinese(p, line)
    p.cut()
    return p.output


class TicketPrinter:
    """One printer on one port. Thread-safe: a status query never lands inside a ticket."""

    def __init__(self, port: str, baudrate: int = 9600, status_timeout: float = 0.3):
        self.port = port
        self.baudrate = baudrate
        self.status_timeout = status_timeout
        self._printer = _UrlSerial(devfile=port, baudrate=baudrate, timeout=status_timeout,
                                   dsrdtr=False)
        self._lock = threading.Lock()
        self._open = False

    def _device(self):
        if not self._open:
            self._printer.open()
            self._open = True
        return self._printer.device

    def _drop(self) -> None:
        self._open = False
        try:
            if self._printer.device is not None:
                self._printer.device.close()
        except (serial.SerialException, OSError):
            pass

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _query(self, n: int) -> int | None:
        """DLE EOT n → the status byte, or None when nothing valid came back in time."""
        dev = self._device()
        try:
            dev.reset_input_buffer()
            dev.write(bytes((0x10, 0x04, n)))
            dev.timeout = self.status_timeout
            b = dev.read(1)           # returns as soon as the one byte arrives
        except (serial.SerialException, OSError):
            self._drop()
            return None
        if len(b) != 1 or (b[0] & 0x93) != 0x12:
            return None
        return b[0]

    def _status(self) -> dict:
        try:
            s1 = self._query(1)
        except PrinterOffline:
            s1 = None
        if s1 is None:
            return {"online": False, "paper_out": None, "paper_near_end": None, "cover_open": None}
        s2, s4 = self._query(2), self._query(4)
        return {
            "online": not (s1 & 0x08),
            "paper_out": bool(s4 & 0x60) if s4 is not None else (bool(s2 & 0x20) if s2 else None),
            "paper_near_end": bool(s4 & 0x0C) if s4 is not None else None,
            "cover_open": bool(s2 & 0x04) if s2 is not None else None,
        }

    def status(self) -> dict:
        """`online`, `paper_out`, `paper_near_end`, `cover_open` (None where unknown)."""
        with self._lock:
            return self._status()

    def print_ticket(self, ticket: dict, hall: dict) -> int:
        """Print a ticket as the API returns it; return the bytes sent. Raises PrinterError."""
        data = ticket_bytes(ticket, hall)
        with self._lock:
            st = self._status()
            if st["cover_open"]:
                raise CoverOpen()
            if st["paper_out"]:
                raise PaperOut()
            if not st["online"]:
                raise PrinterOffline()
            try:
                dev = self._device()
                dev.write(data)
                dev.flush()
            except (serial.SerialException, OSError) as e:
                self._drop()
                raise PrinterIOError(str(e)) from None
            # Asked again once the bytes are out: a cable pulled mid-ticket takes them silently
            # (RS-232 has no one to refuse them), and the ticket must not count as printed.
            if self._query_quiet(1) is None:
                raise PrinterOffline()
        return len(data)

    def _query_quiet(self, n: int) -> int | None:
        try:
            return self._query(n)
        except PrinterOffline:
            return None
