"""The hall's device service: the one owner of every printer, ID-card reader and call pad.

The web layer calls `read_card`, `print_ticket` and `status`; the service reaches the device
either on this machine (a driver on a serial port) or through a device agent on a kiosk PC
(`attach_agent`), and callers cannot tell the difference. A poller thread per device reads its
status every few seconds and reports changes through `on_status`; a reader thread per call-pad
port turns key presses into `on_key(counter, action, number)`.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from core.errors import Unavailable

from . import callpad as pads
from .idcard import IdCardError, IdCardReader
from .printer import PrinterError, TicketPrinter

log = logging.getLogger("hall.devices")
OFFLINE_AFTER = 2        # unanswered (or garbled) status polls in a row before they are reported
LINE_GLITCHES = ("offline", "timeout", "bad_frame", "bad_checksum")


@dataclass
class Ports:
    """Where each device is: kiosk → printer/reader port, counter → (pad port, pad id)."""
    printers: dict[str, tuple[str, int]]
    readers: dict[str, tuple[str, int]]
    pads: dict[str, tuple[str, str, int]]


def ports_from_config(config, mocks: dict[str, str] | None = None) -> tuple[Ports, list[str]]:
    """Resolve the config's device entries; `mock` entries take the path of a started mock
    (keys like "printer:k1") or are skipped with a warning."""
    mocks = mocks or {}
    warnings: list[str] = []
    printers, readers, pad_ports = {}, {}, {}

    def resolve(kind: str, owner: str, value: str | None) -> str | None:
        if value is None:
            return None
        if value == "mock":
            path = mocks.get(f"{kind}:{owner}")
            if path is None:
                warnings.append(f"{kind} of {owner} is 'mock': not started without --demo")
            return path
        return value

    for k in config.kiosks:
        if (p := resolve("printer", k.id, k.printer)):
            printers[k.id] = (p, k.printer_baud)
        if (p := resolve("idcard", k.id, k.idcard)):
            readers[k.id] = (p, k.idcard_baud)
    for c in config.counters:
        if (p := resolve("callpad", c.id, c.callpad)):
            pad_ports[c.id] = (p, c.callpad_id or c.id, c.callpad_baud)
    return Ports(printers, readers, pad_ports), warnings


def no_devices() -> "DeviceService":
    """A hall with no local devices (device agents may still attach): reading a card says the
    reader is unavailable; a kiosk ticket is answered `printed: false`."""
    return DeviceService(Ports({}, {}, {}))


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def printer_state(st: dict) -> tuple[bool, str]:
    if not st.get("online") and st.get("cover_open"):
        return False, "cover_open"
    if st.get("paper_out"):
        return False, "paper_out"
    if not st.get("online"):
        return False, "offline"
    if st.get("paper_near_end"):
        return True, "paper_near_end"
    return True, "ok"


class DeviceService:
    def __init__(self, ports: Ports, poll_s: float = 5.0,
                 on_status: Callable[[dict], None] | None = None,
                 on_key: Callable[[str, str, str | None], str | None] | None = None):
        self.poll_s = poll_s
        self.on_status = on_status or (lambda payload: None)
        self.on_key = on_key or (lambda counter, action, number=None: None)
        self.printers = {k: TicketPrinter(p, b) for k, (p, b) in ports.printers.items()}
        self.readers = {k: IdCardReader(p, b) for k, (p, b) in ports.readers.items()}
        self._pad_of_counter: dict[str, tuple[pads.CallPad, str]] = {}
        self._counter_of_pad: dict[tuple[str, str], str] = {}
        by_port: dict[str, pads.CallPad] = {}
        for counter, (port, pad_id, baud) in ports.pads.items():
            pad = by_port.setdefault(port, pads.CallPad(port, baud))
            self._pad_of_counter[counter] = (pad, pad_id)
            self._counter_of_pad[(port, pad_id)] = counter
        self._pads = by_port
        self._agents: dict[str, Callable] = {}          # kiosk → call(event, data, timeout)
        self._misses: dict[str, int] = {}               # device → unanswered polls in a row
        self._states: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- life -------------------------------------------------------------------------
    def start(self) -> "DeviceService":
        for kiosk in self.printers:
            self._spawn(f"poll-printer-{kiosk}", self._poll_loop, "printer", kiosk)
        for kiosk in self.readers:
            self._spawn(f"poll-idcard-{kiosk}", self._poll_loop, "idcard", kiosk)
        for port, pad in self._pads.items():
            self._spawn(f"callpad-{port}", self._pad_loop, port, pad)
        return self

    def _spawn(self, name: str, target, *args) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2)
        for d in [*self.printers.values(), *self.readers.values(), *self._pads.values()]:
            d.close()

    # --- status -----------------------------------------------------------------------
    def _report(self, kind: str, owner: str, ok: bool, state: str) -> None:
        device = f"{kind}-{owner}"
        payload = {"device": device, "kind": kind,
                   ("counter" if kind == "callpad" else "kiosk"): owner,
                   "ok": ok, "state": state, "at": _now()}
        with self._lock:
            old = self._states.get(device)
            if old and (old["ok"], old["state"]) == (ok, state):
                return
            self._states[device] = payload
        if old is not None or not ok:
            log.info("device %s: %s", device, state)
        try:
            self.on_status(payload)
        except Exception:                       # a publisher fault must not stop polling
            log.exception("reporting the status of %s", device)

    def poll(self, kind: str, owner: str) -> None:
        """Read one device's status now and report a change."""
        if kind == "printer":
            printer = self.printers.get(owner)
            if printer is None:
                return
            self._polled("printer", owner, *printer_state(printer.status()))
        elif kind == "idcard":
            reader = self.readers.get(owner)
            if reader is None:
                return
            try:
                ok = reader.sam_ok()
                self._polled("idcard", owner, ok, "ok" if ok else "sam_error")
            except IdCardError as e:
                self._polled("idcard", owner, False, "offline" if "offline" in e.code
                             or "timeout" in e.code else e.code.removeprefix("reader_"))

    def _polled(self, kind: str, owner: str, ok: bool, state: str) -> None:
        """A poll's answer. One poll unanswered or garbled is not a device gone (a busy PC
        answers late, a line picks up noise): reported after OFFLINE_AFTER in a row; a real
        answer (ok, paper out, a SAM fault …) counts at once."""
        device = f"{kind}-{owner}"
        with self._lock:
            misses = self._misses[device] = self._misses.get(device, 0) + 1 if state in LINE_GLITCHES else 0
        if 0 < misses < OFFLINE_AFTER:
            return
        self._report(kind, owner, ok, state)

    def _poll_loop(self, kind: str, owner: str) -> None:
        while not self._stop.is_set():
            try:
                self.poll(kind, owner)
            except Exception:
                log.exception("polling %s-%s", kind, owner)
            self._stop.wait(self.poll_s)

    def status(self) -> list[dict]:
        with self._lock:
            return sorted(self._states.values(), key=lambda s: s["device"])

    def agent_status(self, kiosk: str, kind: str, ok: bool, state: str) -> None:
        """A device agent reports one of its devices."""
        self._report(kind, kiosk, ok, state)

    # --- agents -------------------------------------------------------------------------
    def attach_agent(self, kiosk: str, call: Callable) -> None:
        with self._lock:
            self._agents[kiosk] = call

    def detach_agent(self, kiosk: str, call: Callable | None = None) -> None:
        with self._lock:
            if call is None or self._agents.get(kiosk) is call:
                self._agents.pop(kiosk, None)
        for kind in ("printer", "idcard"):
            if f"{kind}-{kiosk}" in self._states:
                self._report(kind, kiosk, False, "agent_disconnected")

    def owned(self) -> set[str]:
        """What this service reaches: "kiosk:<id>" (a printer, reader or agent), "pad:<counter>"."""
        with self._lock:
            agents = set(self._agents)
        return ({f"kiosk:{k}" for k in [*self.printers, *self.readers, *agents]}
                | {f"pad:{c}" for c in self._pad_of_counter})

    def _agent(self, kiosk: str) -> Callable | None:
        with self._lock:
            return self._agents.get(kiosk)

    # --- what the hall asks of its devices ------------------------------------------------
    def print_ticket(self, kiosk: str, ticket: dict, hall: dict) -> tuple[bool, str | None]:
        agent = self._agent(kiosk)
        if agent is not None:
            try:
                answer = agent("print", {"ticket": ticket, "hall": hall}, 10)
            except Exception:
                return False, "agent_unreachable"
            return bool(answer.get("printed")), answer.get("error")
        printer = self.printers.get(kiosk)
        if printer is None:
            return False, "no_printer"
        try:
            printer.print_ticket(ticket, hall)
        except PrinterError as e:
            self._report("printer", kiosk, *printer_state(printer.status()))
            return False, e.code
        return True, None

    def read_card(self, kiosk: str) -> dict | None:
        """The card on the kiosk's reader as {name, id_number, birth_date}, or None."""
        agent = self._agent(kiosk)
        if agent is not None:
            try:
                answer = agent("read_card", {}, 10)
            except Exception:
                raise Unavailable("agent_unreachable", "取号机设备代理无响应,请联系导购") from None
            if answer.get("error"):
                raise Unavailable(answer["error"], "身份证读取失败,请重新放置身份证")
            return answer.get("card")
        reader = self.readers.get(kiosk)
        if reader is None:
            raise Unavailable("reader_unavailable", "本机未连接身份证阅读器,请联系导购")
        try:
            card = reader.read_card()
        except IdCardError as e:
            raise Unavailable(e.code, e.message) from None
        if card is None:
            return None
        return {"name": card.name, "id_number": card.id_number, "birth_date": card.birth_date}

    def show_on_pad(self, counter: str, text: str) -> None:
        found = self._pad_of_counter.get(counter)
        if found is None:
            return
        pad, pad_id = found
        try:
            pad.show(pad_id, text)
        except pads.CallPadError:
            self._report("callpad", counter, False, "offline")

    def _pad_loop(self, port: str, pad: pads.CallPad) -> None:
        counters = [c for (p, _), c in self._counter_of_pad.items() if p == port]
        while not self._stop.is_set():
            try:
                press = pad.read_key(timeout=0.5)
            except pads.CallPadOffline:
                for c in counters:
                    self._report("callpad", c, False, "offline")
                self._stop.wait(2.0)
                continue
            except pads.CallPadError as e:
                log.warning("call pad on %s: %s", port, e)
                continue
            for c in counters:
                self._report("callpad", c, True, "ok")
            if press is None:
                continue
            counter = self._counter_of_pad.get((port, press.pad))
            if counter is None:
                pad.error(press.pad, "unknown_pad")
                continue
            try:
                error = self.on_key(counter, press.action, press.number)
            except Exception:
                log.exception("call pad key %s at counter %s", press.key, counter)
                error = "internal_error"
            if error:
                try:
                    pad.error(press.pad, error)
                except pads.CallPadError:
                    pass
