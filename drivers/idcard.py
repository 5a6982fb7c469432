"""The ID-card reader (SAM serial protocol): find → select → read, on pyserial.

`IdCardReader(port).read_card()` returns a `Card`, `None` when no card lies on the reader, or
raises an `IdCardError` subclass — never anything else. The card holds the full data only for
the caller to keep what the hall needs (core.identity); nothing here logs or stores it.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

import serial

from . import samv


class IdCardError(Exception):
    """The reader could not give a card. `code` is a machine code for the API."""
    code = "reader_error"
    message = "身份证阅读器故障,请联系导购"

    def __init__(self, detail: str = ""):
        super().__init__(detail or self.message)
        self.detail = detail


class IdCardTimeout(IdCardError):
    code = "reader_timeout"
    message = "身份证阅读器无响应,请检查连接"


class IdCardFrameError(IdCardError):
    code = "reader_bad_frame"
    message = "身份证阅读器数据错误,请重新放置身份证"


class IdCardChecksumError(IdCardFrameError):
    code = "reader_bad_checksum"


class IdCardStatusError(IdCardError):
    code = "reader_status"
    message = "身份证读取失败,请重新放置身份证"

    def __init__(self, sw3: int, detail: str = ""):
        super().__init__(detail or f"SW3 {sw3:02X} {samv.STATUS_TEXT.get(sw3, '未知状态')}")
        self.sw3 = sw3


class IdCardDataError(IdCardError):
    """The frame was fine but the card's data is not (bad check digit, impossible date …)."""
    code = "reader_bad_data"
    message = "身份证信息校验失败,请重新放置身份证"


class IdCardPortError(IdCardError):
    code = "reader_offline"
    message = "身份证阅读器未连接"


@dataclass(frozen=True)
class Card:
    name: str
    sex: str
    nation: str | None
    birth_date: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    valid_to: date | str           # a date, or "长期" (long-term)
    card_type: str = "resident"
    extra: dict = field(default_factory=dict)   # pass number, English name, nationality …

    @property
    def long_term(self) -> bool:
        return self.valid_to == samv.LONG_TERM

    def __getitem__(self, key: str):
        """card["name"] works as well as card.name."""
        if key.startswith("_") or not hasattr(self, key):
            raise KeyError(key)
        return getattr(self, key)

    def __repr__(self) -> str:      # never put the number or the address in a log line
        return f"Card({self.card_type}, {self.name[:1]}*)"


def card_from_text(text: bytes) -> Card:
    """Parse and check a 256-byte text block (raises IdCardDataError / IdCardFrameError)."""
    try:
        f = samv.decode_text(text)
    except samv.FrameError as e:
        raise IdCardFrameError(str(e)) from None
    kind = f["card_type"]
    try:
        birth = samv.parse_date(f["birth"])
        valid_from = samv.parse_date(f["valid_from"])
        long_term = f["valid_to"].startswith(samv.LONG_TERM)
        valid_to = samv.LONG_TERM if long_term else samv.parse_date(f["valid_to"])
    except samv.FrameError as e:
        raise IdCardDataError(str(e)) from None
    if not long_term and valid_to < valid_from:
        raise IdCardDataError("valid_to before valid_from")
    if f["sex"] not in samv.SEX:
        raise IdCardDataError(f"unknown sex code {f['sex']!r}")
    number = f["id_number"]
    nation = None
    if kind in ("resident", "hk_mo_tw_permit", "foreign_permanent_2023"):
        if kind != "foreign_permanent_2023" and not samv.valid_id_number(number):
            raise IdCardDataError("ID number check character does not match")
        if kind != "foreign_permanent_2023" and number[6:14] != f["birth"]:
            raise IdCardDataError("ID number and birth date disagree")
    if kind == "resident":
        nation = samv.NATIONS.get(f["nation"])
        if nation is None:
            raise IdCardDataError(f"unknown nation code {f['nation']!r}")
    if not f["name"] and not f.get("english_name"):
        raise IdCardDataError("empty name")
    extra = {k: v for k, v in f.items() if k not in (
        "name", "sex", "nation", "birth", "address", "id_number", "issuer", "valid_from",
        "valid_to", "card_type") and v}
    if kind == "foreign_permanent_2023" and "english_name_2" in extra:
        extra["english_name"] = extra.get("english_name", "") + extra.pop("english_name_2")
    return Card(name=f["name"] or f.get("english_name", ""), sex=samv.SEX[f["sex"]], nation=nation,
                birth_date=birth, address=f.get("address", ""), id_number=number,
                issuer=f.get("issuer", ""), valid_from=valid_from, valid_to=valid_to,
                card_type=kind, extra=extra)


def card_from_answer(data: bytes) -> Card:
    """The data of a `30 01` answer: text length, photo length, text, photo."""
    if len(data) < 4:
        raise IdCardFrameError("read answer too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != samv.TEXT_LEN or len(data) < 4 + text_len + photo_len:
        raise IdCardFrameError(f"read answer lengths {text_len}/{photo_len} do not fit {len(data)} bytes")
    return card_from_text(data[4:4 + text_len])     # the photo is dropped here, unread


def parse_answer(raw: bytes) -> Card:
    """A whole `30 01` answer frame as bytes → a card, or an IdCardError (used by tests and
    tools; the reader itself reads frame by frame from the port)."""
    found, _used, problem = samv.split_frame(raw, min_len=4)
    if problem == "bad checksum":
        raise IdCardChecksumError("answer checksum does not match")
    if problem is not None or found is None:
        raise IdCardFrameError(problem or "incomplete frame")
    if found.sw3 != samv.OK:
        raise IdCardStatusError(found.sw3)
    return card_from_answer(found.body[3:])


class IdCardReader:
    """One reader on one serial port (a device path or a pyserial URL)."""

    def __init__(self, port: str, baudrate: int = 115200, find_timeout: float = 0.5,
                 read_timeout: float = 2.0):
        self.port, self.baudrate = port, baudrate
        self.find_timeout, self.read_timeout = find_timeout, read_timeout
        self._serial: serial.SerialBase | None = None
        self._lock = threading.Lock()

    def _device(self) -> serial.SerialBase:
        if self._serial is None:
            try:
                self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, bytesize=8,
                                                     parity="N", stopbits=1, timeout=0.05)
            except (serial.SerialException, ValueError, OSError) as e:
                raise IdCardPortError(f"cannot open {self.port}: {e}") from None
        return self._serial

    def close(self) -> None:
        with self._lock:
            if self._serial is not None:
                try:
                    self._serial.close()
                except (serial.SerialException, OSError):
                    pass
                self._serial = None

    def exchange(self, cmd: tuple[int, int], timeout: float, data: bytes = b"") -> samv.Frame:
        """Send one request, return the checked answer frame (raises IdCardError)."""
        dev = self._device()
        try:
            dev.reset_input_buffer()            # drop stale bytes from an earlier exchange
            dev.write(samv.request(cmd, data))
            return self._receive(dev, timeout)
        except (serial.SerialException, OSError) as e:
            self._serial = None                 # a loose cable: reopen next time
            try:
                dev.close()
            except (serial.SerialException, OSError):
                pass
            raise IdCardPortError(str(e)) from None

    def _receive(self, dev, timeout: float) -> samv.Frame:
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while True:
            found, used, problem = samv.split_frame(bytes(buf), min_len=4)
            if found is not None:
                return found
            if problem == "bad checksum":
                raise IdCardChecksumError("answer checksum does not match")
            if problem is not None:
                raise IdCardFrameError(problem)
            del buf[:used]
            left = deadline - time.monotonic()
            if left <= 0:
                if buf:
                    raise IdCardFrameError(f"incomplete answer ({len(buf)} bytes) before the timeout")
                raise IdCardTimeout(f"no answer within {timeout:.2f} s")
            dev.timeout = min(left, 0.05)
            chunk = dev.read(max(1, dev.in_waiting or 1))
            buf += chunk
            if len(buf) > samv.MAX_LEN * 4:
                raise IdCardFrameError("no frame in a flood of bytes")

    def sam_ok(self) -> bool:
        """The SAM's self-check (11 FF): for the device service's periodic status."""
        with self._lock:
            return self.exchange(samv.SAM_STATUS, self.find_timeout).sw3 == samv.OK

    def read_card(self) -> Card | None:
        with self._lock:
            found = self.exchange(samv.FIND, self.find_timeout)
            if found.sw3 == 0x80:
                return None
            if found.sw3 != samv.FOUND:
                raise IdCardStatusError(found.sw3)
            selected = self.exchange(samv.SELECT, self.find_timeout)
            if selected.sw3 == 0x81:
                return None                     # lifted between find and select
            if selected.sw3 != samv.OK:
                raise IdCardStatusError(selected.sw3)
            read = self.exchange(samv.READ, self.read_timeout)
            if read.sw3 != samv.OK:
                raise IdCardStatusError(read.sw3)
            return card_from_answer(read.body[3:])
