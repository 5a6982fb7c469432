"""Devices when the hall runs as several server processes (`run.py --workers N`).

A serial port has one owner: worker 0 opens the hall's printers, readers and call pads; a
kiosk's device agent belongs to whichever worker its socket reached. Each worker keeps a
`DeviceService` for what it owns and says so in Redis; a request for a device another worker
owns goes to that worker's request list and waits for the answer (a print, a card read, a
pad's text). An owner that does not answer in time is reported like an unplugged device, and a
request it finds too late is dropped: a ticket never prints minutes after the customer left.

Redis runs without persistence (the tests and `make run-scaled` start it so): a card read in
flight to the worker that asked never lands on disk, and is deleted as it is taken.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import date
from typing import Callable

from core.errors import HallError, Unavailable

from .service import DeviceService

log = logging.getLogger("hall.devices")

ANSWER_S = 15.0             # a print may take 10 s at a slow printer, plus the trip
KEEP_ANSWER_S = 30


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a device answer")


class DeviceRelay:
    def __init__(self, local: DeviceService, url: str, prefix: str, worker: int,
                 answer_s: float = ANSWER_S):
        import redis
        self.local = local
        self.worker = worker
        self.answer_s = answer_s
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=answer_s + 5)
        self._owners = f"{prefix}:device-owners"        # "kiosk:k1" / "pad:c1" → worker
        self._statuses = f"{prefix}:device-status"      # worker → JSON list of its devices
        self._prefix = prefix
        self._stop = threading.Event()
        self.on_status: Callable[[dict], None] = lambda payload: None    # set by the app's wiring
        local.on_status = self._on_local_status

    @property
    def on_key(self):
        return self.local.on_key

    @on_key.setter
    def on_key(self, fn) -> None:
        self.local.on_key = fn

    def _on_local_status(self, payload: dict) -> None:
        self._share_status()
        self.on_status(payload)

    # --- life -------------------------------------------------------------------------
    def start(self) -> "DeviceRelay":
        self.local.start()
        try:
            self._redis.delete(self._requests(self.worker))     # left by this worker's last life
        except Exception as e:      # noqa: BLE001 — Redis away: the keeper thread retries
            log.warning("device relay: Redis unreachable at start (%s)", e)
        threading.Thread(target=self._serve, name="device-relay", daemon=True).start()
        threading.Thread(target=self._keep_claims, name="device-claims", daemon=True).start()
        return self

    def close(self) -> None:
        self._stop.set()
        try:
            mine = [k for k, v in self._redis.hgetall(self._owners).items() if int(v) == self.worker]
            if mine:
                self._redis.hdel(self._owners, *mine)
            self._redis.hdel(self._statuses, str(self.worker))
        except Exception:           # noqa: BLE001 — shutting down with Redis away
            pass
        self.local.close()

    def _keep_claims(self) -> None:
        """Say what this worker owns now and every few seconds: a restarted Redis forgets."""
        while not self._stop.is_set():
            try:
                claims = {key: self.worker for key in self.local.owned()}
                if claims:
                    self._redis.hset(self._owners, mapping=claims)
                self._share_status()
            except Exception:       # noqa: BLE001 — Redis restarting
                pass
            self._stop.wait(5.0)

    def _share_status(self) -> None:
        try:
            self._redis.hset(self._statuses, str(self.worker), json.dumps(self.local.status()))
        except Exception:           # noqa: BLE001 — the keeper thread shares it again
            pass

    # --- agents (a kiosk PC's devices, on this worker's socket) --------------------------
    def attach_agent(self, kiosk: str, call: Callable) -> None:
        self.local.attach_agent(kiosk, call)
        try:
            self._redis.hset(self._owners, f"kiosk:{kiosk}", self.worker)
        except Exception:           # noqa: BLE001 — claimed again by the keeper thread
            pass

    def detach_agent(self, kiosk: str, call: Callable | None = None) -> None:
        self.local.detach_agent(kiosk, call)
        if f"kiosk:{kiosk}" not in self.local.owned():
            try:
                if self._redis.hget(self._owners, f"kiosk:{kiosk}") == str(self.worker).encode():
                    self._redis.hdel(self._owners, f"kiosk:{kiosk}")
            except Exception:       # noqa: BLE001
                pass

    def agent_status(self, kiosk: str, kind: str, ok: bool, state: str) -> None:
        self.local.agent_status(kiosk, kind, ok, state)

    # --- what the hall asks of its devices ------------------------------------------------
    def status(self) -> list[dict]:
        try:
            shared = self._redis.hgetall(self._statuses)
        except Exception:           # noqa: BLE001 — only this worker's devices, then
            return self.local.status()
        merged = {s["device"]: s for s in self.local.status()}
        for worker, text in shared.items():
            if int(worker) != self.worker:
                for s in json.loads(text):
                    merged.setdefault(s["device"], s)
        return sorted(merged.values(), key=lambda s: s["device"])

    def print_ticket(self, kiosk: str, ticket: dict, hall: dict) -> tuple[bool, str | None]:
        owner = self._owner(f"kiosk:{kiosk}")
        if owner is None:
            return self.local.print_ticket(kiosk, ticket, hall)
        try:
            answer = self._ask(owner, "print_ticket", [kiosk, ticket, hall])
        except Unavailable as e:
            return False, e.code
        return bool(answer[0]), answer[1]

    def read_card(self, kiosk: str) -> dict | None:
        owner = self._owner(f"kiosk:{kiosk}")
        if owner is None:
            return self.local.read_card(kiosk)
        card = self._ask(owner, "read_card", [kiosk])
        if card and card.get("birth_date"):
            card["birth_date"] = date.fromisoformat(card["birth_date"])     # a date in JSON
        return card

    def show_on_pad(self, counter: str, text: str) -> None:
        owner = self._owner(f"pad:{counter}")
        if owner is None:
            self.local.show_on_pad(counter, text)
        else:
            self._send(owner, "show_on_pad", [counter, text])

    def _owner(self, key: str) -> int | None:
        """Another worker that owns this device, or None when this one does (or none does)."""
        try:
            found = self._redis.hget(self._owners, key)
        except Exception:           # noqa: BLE001 — Redis away: what this worker has
            return None
        if found is None or int(found) == self.worker:
            return None
        return int(found)

    def _requests(self, worker: int) -> str:
        return f"{self._prefix}:device-requests:{worker}"

    def _send(self, owner: int, op: str, args: list, answer_to: str | None = None) -> None:
        request = {"op": op, "args": args, "answer_to": answer_to,
                   "until": time.time() + self.answer_s}
        try:
            self._redis.rpush(self._requests(owner), json.dumps(request, ensure_ascii=False))
        except Exception as e:      # noqa: BLE001
            log.warning("device request %s to worker %s not sent: %s", op, owner, e)
            raise Unavailable("device_owner_unreachable", "设备所在的服务进程无响应,请联系导购") from None

    def _ask(self, owner: int, op: str, args: list):
        box = f"{self._prefix}:device-answer:{uuid.uuid4().hex}"
        self._send(owner, op, args, box)
        try:
            found = self._redis.blpop([box], timeout=self.answer_s)
        except Exception:           # noqa: BLE001
            found = None
        if found is None:
            log.warning("device request %s: worker %s did not answer in %.0f s", op, owner, self.answer_s)
            raise Unavailable("device_owner_unreachable", "设备所在的服务进程无响应,请联系导购")
        answer = json.loads(found[1])
        if "error" in answer:
            code, message, status = answer["error"]
            raise HallError(code, message, status)
        return answer["result"]

    def _serve(self) -> None:
        """Answer the other workers' requests for this worker's devices, each in its own thread
        (a print must not hold up a card read at another kiosk)."""
        while not self._stop.is_set():
            try:
                found = self._redis.blpop([self._requests(self.worker)], timeout=1)
            except Exception:       # noqa: BLE001 — Redis restarting
                self._stop.wait(1.0)
                continue
            if found is not None:
                threading.Thread(target=self._answer, args=(json.loads(found[1]),), daemon=True).start()

    def _answer(self, request: dict) -> None:
        if time.time() > request.get("until", 0):
            log.warning("device request %s came too late; dropped", request.get("op"))
            return
        op, args, box = request["op"], request["args"], request.get("answer_to")
        try:
            if op == "print_ticket":
                answer = {"result": list(self.local.print_ticket(*args))}
            elif op == "read_card":
                answer = {"result": self.local.read_card(*args)}
            elif op == "show_on_pad":
                self.local.show_on_pad(*args)
                answer = {"result": None}
            else:
                answer = {"error": ["invalid_body", f"unknown device request {op}", 400]}
        except HallError as e:
            answer = {"error": [e.code, e.message, e.status]}
        except Exception as e:      # noqa: BLE001 — a driver fault, reported to the asker
            log.exception("device request %s", op)
            answer = {"error": ["device_error", f"设备出错:{type(e).__name__}", 503]}
        if box:
            try:
                self._redis.rpush(box, json.dumps(answer, ensure_ascii=False, default=_iso))
                self._redis.expire(box, KEEP_ANSWER_S)
            except Exception as e:  # noqa: BLE001 — the asker times out and says so
                log.warning("device request %s: answer not sent: %s", op, e)
