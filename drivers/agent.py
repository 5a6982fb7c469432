"""The device agent: runs a kiosk PC's printer and ID-card reader for a hall server elsewhere.

    run.py agent --server http://10.0.0.5:5000 --kiosk k1 --key KEY --printer /dev/ttyS0 --reader /dev/ttyUSB0

It connects to the server's `/agent` Socket.IO namespace, answers `print` and `read_card`, and
reports its devices' status. It reconnects by itself when the server goes away.
"""
from __future__ import annotations

import logging
import threading

import socketio

from .idcard import IdCardError, IdCardReader
from .printer import PrinterError, TicketPrinter
from .service import printer_state

log = logging.getLogger("hall.agent")
NAMESPACE = "/agent"


class DeviceAgent:
    def __init__(self, server: str, kiosk: str, key: str, printer: str | None = None,
                 reader: str | None = None, printer_baud: int = 9600, reader_baud: int = 115200,
                 poll_s: float = 5.0):
        self.server, self.kiosk, self.key = server.rstrip("/"), kiosk, key
        self.printer = TicketPrinter(printer, printer_baud) if printer else None
        self.reader = IdCardReader(reader, reader_baud) if reader else None
        self.poll_s = poll_s
        self._last: dict[str, tuple[bool, str]] = {}
        self._stop = threading.Event()
        # Reconnection is this class's own loop (_run): one place that decides to retry.
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("print", self._print, namespace=NAMESPACE)
        self.sio.on("read_card", self._read_card, namespace=NAMESPACE)
        self.sio.on("connect", self._connected, namespace=NAMESPACE)

    def _print(self, data):
        if self.printer is None:
            return {"printed": False, "error": "no_printer"}
        try:
            self.printer.print_ticket(data["ticket"], data["hall"])
            return {"printed": True, "error": None}
        except PrinterError as e:
            return {"printed": False, "error": e.code}
        except (KeyError, TypeError):
            return {"printed": False, "error": "invalid_body"}

    def _read_card(self, _data=None):
        if self.reader is None:
            return {"card": None, "error": "reader_unavailable"}
        try:
            card = self.reader.read_card()
        except IdCardError as e:
            return {"card": None, "error": e.code}
        if card is None:
            return {"card": None, "error": None}
        # Only what the server needs to derive the kept fields; never the address or photo.
        return {"card": {"name": card.name, "id_number": card.id_number,
                         "birth_date": card.birth_date.isoformat()}, "error": None}

    def _connected(self):
        log.info("connected to %s as kiosk %s", self.server, self.kiosk)
        self._last.clear()                 # report everything again to the (new) server

    def poll_once(self) -> None:
        states = {}
        if self.printer is not None:
            states["printer"] = printer_state(self.printer.status())
        if self.reader is not None:
            try:
                ok = self.reader.sam_ok()
                states["idcard"] = (ok, "ok" if ok else "sam_error")
            except IdCardError:
                states["idcard"] = (False, "offline")
        for kind, (ok, state) in states.items():
            if self._last.get(kind) != (ok, state) and self.sio.connected:
                try:
                    self.sio.emit("device_status", {"kind": kind, "ok": ok, "state": state},
                                  namespace=NAMESPACE)
                    self._last[kind] = (ok, state)
                except socketio.exceptions.SocketIOError:
                    pass

    def start(self) -> "DeviceAgent":
        threading.Thread(target=self._run, name="agent", daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.sio.connected:
                try:
                    self.sio.connect(self.server, namespaces=[NAMESPACE], transports=["websocket"],
                                     auth={"kiosk": self.kiosk, "key": self.key}, wait_timeout=5)
                except socketio.exceptions.ConnectionError as e:
                    log.warning("cannot reach %s: %s; retrying", self.server, e)
                    self._stop.wait(2)
                    continue
            self.poll_once()
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        try:
            self.sio.disconnect()
        except Exception:
            pass
        for d in (self.printer, self.reader):
            if d is not None:
                d.close()
