"""A mock ID-card reader speaking the SAM protocol on a pty (idcard-protocol.md §7's state machine).

Cards come from a JSON file (a list of raw text-block fields, see cards.json). A card can be
placed or removed, and the next answer can be made faulty: `garble` (an impossible length),
`badsum` (a wrong checksum), `truncate` (half a frame, then nothing), `status:XX` (an error SW3)
or `silent` (no answer at all); `stick(fault)` makes every answer so until `stick(None)`.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from .. import samv
from .pty import PtyDevice

CARDS_FILE = Path(__file__).with_name("cards.json")
FAULTS = ("garble", "badsum", "truncate", "silent")
COMMANDS = {"find": samv.FIND, "select": samv.SELECT, "read": samv.READ}


def load_cards(path: str | Path | None = None) -> list[dict]:
    return json.loads(Path(path or CARDS_FILE).read_text(encoding="utf-8"))


def read_answer(card: dict) -> bytes:
    """The data of a successful 30 01 answer for a card."""
    text = samv.encode_text(card)
    return (len(text).to_bytes(2, "big") + samv.PHOTO_LEN.to_bytes(2, "big") + text
            + samv.FAKE_WLT)


class MockIdCardReader:
    def __init__(self, cards: list[dict] | None = None, baudrate: int = 115200,
                 rf_delay: float = 0.0, start_pty: bool = True):
        self.cards = cards if cards is not None else load_cards()
        self.card: dict | None = None
        self.state = "no_card"               # no_card · present · found · selected
        self.rf_delay = rf_delay             # seconds of "radio work" before a read answer
        self._faults: list[tuple[str, str]] = []     # (fault, on command name or "any")
        self.stuck: str | None = None        # a fault on every answer until cleared (stick)
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.requests: list[tuple[int, int]] = []    # every command seen, for tests
        self.pty = PtyDevice(self.feed, baudrate=baudrate, name="idcard") if start_pty else None

    @property
    def path(self) -> str:
        return self.pty.path

    # --- what a test or the demo does to the reader ---------------------------------------
    def place(self, card: int | dict = 0) -> None:
        with self._lock:
            self.card = self.cards[card] if isinstance(card, int) else card
            self.state = "present"

    def remove(self) -> None:
        with self._lock:
            self.card, self.state = None, "no_card"

    def inject(self, fault: str, on: str = "any") -> None:
        """Make the next answer (to `on`: find, select, read or any) faulty."""
        if fault not in FAULTS and not fault.startswith("status:"):
            raise ValueError(f"unknown fault {fault!r}")
        if on != "any" and on not in COMMANDS:
            raise ValueError(f"unknown command {on!r}")
        with self._lock:
            self._faults.append((fault, on))

    def stick(self, fault: str | None) -> None:
        """Make every answer faulty (`silent`, `garble`, `badsum` …) until `stick(None)`, which
        also forgets the one-shot faults not yet played."""
        if fault is not None and fault not in FAULTS and not fault.startswith("status:"):
            raise ValueError(f"unknown fault {fault!r}")
        with self._lock:
            self.stuck = fault
            if fault is None:
                self._faults.clear()

    def clear_faults(self) -> None:
        """Forget the faults not yet played."""
        with self._lock:
            self._faults.clear()

    def close(self) -> None:
        if self.pty:
            self.pty.close()

    # --- the protocol -----------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Bytes from the host in, bytes to the host out."""
        out = bytearray()
        with self._lock:
            self._buf += data
            while True:
                frame, used, problem = samv.split_frame(bytes(self._buf), min_len=3)
                del self._buf[:used]
                if problem == "bad checksum":
                    out += samv.answer(0x10)
                    continue
                if problem is not None:
                    out += samv.answer(0x11)
                    continue
                if frame is None:
                    break
                out += self._answer(frame.command)
        return bytes(out)

    def _fault_for(self, command: tuple[int, int]) -> str | None:
        for i, (fault, on) in enumerate(self._faults):
            if on == "any" or COMMANDS[on] == command:
                del self._faults[i]
                return fault
        return None

    def _answer(self, command: tuple[int, int]) -> bytes:
        self.requests.append(command)
        fault = self._fault_for(command) or self.stuck
        good = self._respond(command)
        if fault is None:
            return good
        if fault == "silent":
            return b""
        if fault == "garble":
            return samv.PREAMBLE + b"\xff\xff" + good[7:]
        if fault == "badsum":
            return good[:-1] + bytes([good[-1] ^ 0x5A])
        if fault == "truncate":
            return good[: max(8, len(good) // 2)]
        return samv.answer(int(fault.split(":")[1], 16))      # status:XX

    def _respond(self, command: tuple[int, int]) -> bytes:
        if command in (samv.SAM_STATUS, (0x61, 0xFF)) or command[0] == 0x60:
            return samv.answer(samv.OK)
        if command == samv.RESET:
            self.state = "present" if self.card else "no_card"
            return samv.answer(samv.OK)
        if command == samv.SAM_ID:
            return samv.answer(samv.OK, bytes(16))
        if command == samv.FIND:
            if self.card is None:
                return samv.answer(0x80)
            self.state = "found" if self.state in ("present", "found") else self.state
            return samv.answer(samv.FOUND, bytes(4))
        if command == samv.SELECT:
            if self.state not in ("found", "selected"):
                return samv.answer(0x81)
            self.state = "selected"
            return samv.answer(samv.OK, bytes(8))
        if command in (samv.READ, samv.READ_FP, samv.READ_ADDRESS):
            if self.state != "selected":
                return samv.answer(0x41)
            if command == samv.READ_ADDRESS:
                return samv.answer(0x91)
            if self.rf_delay:
                import time
                time.sleep(self.rf_delay)
            data = read_answer(self.card)
            if command == samv.READ_FP:
                data = data[:4] + b"\x00\x00" + data[4:]
            return samv.answer(samv.OK, data)
        return samv.answer(0x21)
