"""Enrolled devices: the kiosks, counter screens and wall displays the hall trusts.

An admin enrols a device (or approves the short code an unpaired screen shows); the device then
proves itself with a random credential of which the store keeps only the SHA-256 hash. Every
enrolment, revocation and refused request goes into the event log."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable
from zoneinfo import ZoneInfo

from .clock import SystemClock, business_day
from .config import HallConfig
from .errors import HallError, NotFound
from .store import Store

KINDS = ("kiosk", "counter_screen", "display")
KIND_NAMES = {"kiosk": "取号机", "counter_screen": "窗口屏", "display": "大屏"}
PAIRING_TTL_S = 600          # a pairing code shown on a screen is good for ten minutes
MAX_PENDING = 200            # screens waiting at once, hall-wide: more is a flood, not a hall
SEEN_EVERY_S = 60            # last_seen is written at most this often per device
ONLINE_S = 150               # a device seen this recently is online (its pages check in each minute)
CODE_DIGITS = 6
# A proven credential is trusted this long without asking the store again (every kiosk request
# proves one: a read per ticket otherwise). A revocation here forgets them all at once; one made
# by another server process (run.py --workers) takes effect here within this time.
TRUSTED_FOR_S = 1.0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Device:
    id: str
    kind: str
    target: str | None
    name: str
    created_at: float
    created_by: str | None = None
    last_seen: float | None = None
    revoked_at: float | None = None
    revoked_by: str | None = None

    def speaks_for(self, kind: str, target: str | None) -> bool:
        return self.revoked_at is None and self.kind == kind and (target is None or self.target == target)


class Enrolment:
    def __init__(self, store: Store, config: HallConfig | Callable[[], HallConfig], clock=None,
                 tz: ZoneInfo | None = None):
        # A getter: the settings in force (a kiosk added on the settings page is enrolled at once).
        self.store = store
        self._config_of = config if callable(config) else (lambda: config)
        self.clock = clock or SystemClock()
        self.tz = tz or ZoneInfo(self.config.hall.timezone)
        self._seen: dict[str, float] = {}
        self._trusted: dict[str, tuple[float, Device]] = {}    # token hash → (proven at, device)
        self._revocations = 0       # a proof read across a revocation is not kept
        self._lock = threading.Lock()

    @property
    def config(self) -> HallConfig:
        return self._config_of()

    # --- enrolling --------------------------------------------------------------------
    def _check_target(self, kind: str, target: str | None) -> str | None:
        if kind not in KINDS:
            raise HallError("bad_device_kind", "设备类别应为 kiosk、counter_screen 或 display")
        if kind == "kiosk":
            if not target or self.config.kiosk(target) is None:
                raise HallError("unknown_kiosk", f"没有编号为 {target} 的取号机", status=404)
        elif kind == "counter_screen":
            if not target or self.config.counter(target) is None:
                raise HallError("unknown_counter", f"没有编号为 {target} 的窗口", status=404)
        elif target not in (None, ""):
            if self.config.zone(target) is None:
                raise HallError("unknown_zone", f"没有编号为 {target} 的显示区域", status=404)
        return target or None

    def default_name(self, kind: str, target: str | None) -> str:
        """What a device is called when the admin names it nothing (the target must exist)."""
        if kind == "kiosk":
            return self.config.kiosk(target).name
        if kind == "counter_screen":
            return f"{self.config.counter(target).name}显示屏"
        return "大屏" if not target else f"大屏({target})"

    def enrol(self, kind: str, target: str | None, name: str | None = None, *, by: str | None,
              token: str | None = None) -> tuple[Device, str]:
        """A new device → (the device, its credential). The credential is shown this once."""
        target = self._check_target(kind, target)
        token = token or secrets.token_urlsafe(32)
        with self.store.write() as tx:
            device = self._insert(tx, kind, target, name, by, token_hash(token))
        return device, token

    def _insert(self, tx, kind, target, name, by, hashed) -> Device:
        now = self.clock.now()
        device_id = "d" + secrets.token_hex(4)
        name = (name or "").strip()[:40] or self.default_name(kind, target)
        tx.insert_device(id=device_id, kind=kind, target=target, name=name, token_hash=hashed,
                         created_at=now, created_by=by)
        self._log(tx, "device_enrolled", by, device=device_id, kind=kind, target=target, name=name)
        return Device(id=device_id, kind=kind, target=target, name=name, created_at=now, created_by=by)

    def ensure(self, kind: str, target: str | None, token: str, name: str | None = None, *,
               by: str) -> Device:
        """The device with this credential, enrolled now if it is not yet (the demo's devices,
        whose credentials are derived from the hall's key and so stay the same across restarts)."""
        hashed, target = token_hash(token), self._check_target(kind, target)
        with self.store.write() as tx:
            row = tx.device_by_token_hash(hashed)
            if row is not None:         # known (and if an admin revoked it, it stays revoked)
                return Device(**row)
            return self._insert(tx, kind, target, name, by, hashed)

    def revoke(self, device_id: str, *, by: str | None) -> Device:
        with self.store.write() as tx:
            row = tx.device(device_id) if isinstance(device_id, str) else None
            if row is None:
                raise NotFound("unknown_device", f"没有编号为 {device_id} 的设备")
            if row["revoked_at"] is None:
                now = self.clock.now()
                tx.revoke_device(device_id, now, by)
                self._log(tx, "device_revoked", by, device=device_id, kind=row["kind"],
                          target=row["target"], name=row["name"])
                row.update(revoked_at=now, revoked_by=by)
        with self._lock:
            self._seen.pop(device_id, None)
            self._trusted.clear()
            self._revocations += 1
        return Device(**row)

    def all(self, include_revoked: bool = False) -> list[Device]:
        with self.store.read() as tx:
            return [Device(**r) for r in tx.devices(include_revoked)]

    def online(self, device: Device) -> bool:
        seen = max(device.last_seen or 0.0, self._seen.get(device.id, 0.0))
        return device.revoked_at is None and self.clock.now() - seen <= ONLINE_S

    # --- proving ------------------------------------------------------------------------
    def verify(self, token: str | None) -> Device | None:
        """The live device holding this credential, or None. Notes when it was last seen."""
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            return None
        hashed = token_hash(token)
        proven = self._trusted.get(hashed)
        if proven is not None and time.monotonic() - proven[0] < TRUSTED_FOR_S:
            device = proven[1]
        else:
            revocations = self._revocations
            with self.store.read() as tx:
                row = tx.device_by_token_hash(hashed)
            if row is None or row["revoked_at"] is not None:
                return None
            device = Device(**row)
            with self._lock:
                if revocations != self._revocations:
                    return device               # proven, but not kept: it may be the one revoked
                if len(self._trusted) > 1000:       # a hall has tens of devices: expired ones only
                    self._trusted = {h: v for h, v in self._trusted.items()
                                     if time.monotonic() - v[0] < TRUSTED_FOR_S}
                self._trusted[hashed] = (time.monotonic(), device)
        self._note_seen(device)
        return device

    def _note_seen(self, device: Device) -> None:
        now = self.clock.now()
        with self._lock:
            last = max(self._seen.get(device.id, 0.0), device.last_seen or 0.0)
            if now - last < SEEN_EVERY_S:
                return
            self._seen[device.id] = now
        with self.store.write() as tx:
            tx.touch_device(device.id, now)

    def refused(self, code: str, *, path: str, address: str | None, device: Device | None = None,
                wanted: str | None = None) -> None:
        """A refused device request, in the log (at most one per path, address and minute: a
        flood of refusals must not become a flood of writes)."""
        now = self.clock.now()
        key = f"refused:{code}:{path}:{address}"
        with self._lock:
            if now - self._seen.get(key, -1e9) < 60:
                return
            if len(self._seen) > 5000:     # expired notes only; devices' own notes stay
                for k in [k for k, t in self._seen.items() if k.startswith("refused:") and now - t >= 60]:
                    del self._seen[k]
            self._seen[key] = now
        with self.store.write() as tx:
            self._log(tx, "device_refused", None, code=code, path=path[:120], address=address,
                      device=device.id if device else None, wanted=wanted)

    # --- pairing a screen by a short code ----------------------------------------------------
    def start_pairing(self) -> tuple[str, str]:
        """A screen asks to be paired → (the code it shows, the secret it keeps). The secret
        becomes its credential once an admin approves the code."""
        now = self.clock.now()
        secret = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.drop_pairings_before(now - PAIRING_TTL_S)
            if tx.pending_pairings() >= MAX_PENDING:
                raise HallError("too_many_pairings", "待配对的设备过多,请稍后再试", status=429,
                                retry_after_s=60)
            for _ in range(20):
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                if tx.pairing_by_code(token_hash(code)) is None:
                    break
            tx.insert_pairing(token_hash(code), token_hash(secret), now)
        return code, secret

    def approve(self, code: str, kind: str, target: str | None, name: str | None = None, *,
                by: str) -> Device:
        code = "".join(ch for ch in str(code or "") if ch.isdigit())
        target = self._check_target(kind, target)
        now = self.clock.now()
        with self.store.write() as tx:
            tx.drop_pairings_before(now - PAIRING_TTL_S)
            pairing = tx.pairing_by_code(token_hash(code)) if len(code) == CODE_DIGITS else None
            if pairing is None:
                raise NotFound("unknown_pairing_code", "配对码无效或已过期,请在设备上重新获取")
            if pairing["device"] is not None:
                raise HallError("already_paired", "此配对码已使用", status=409)
            device = self._insert(tx, kind, target, name, by, pairing["secret_hash"])
            tx.approve_pairing(pairing["code_hash"], kind, target, device.id)
        return device

    def pairing_state(self, secret: str) -> Device | None:
        """What became of a screen's pairing: its device once approved (the pairing is then
        spent), None while it waits. An unknown or expired secret is a 404."""
        if not isinstance(secret, str) or not 16 <= len(secret) <= 128:
            raise NotFound("unknown_pairing", "配对已过期,请刷新页面重新获取配对码")
        now = self.clock.now()
        with self.store.write() as tx:
            pairing = tx.pairing_by_secret(token_hash(secret))
            if pairing is None or (pairing["device"] is None
                                   and now - pairing["created_at"] > PAIRING_TTL_S):
                raise NotFound("unknown_pairing", "配对已过期,请刷新页面重新获取配对码")
            if pairing["device"] is None:
                return None
            tx.delete_pairing(pairing["code_hash"])
            row = tx.device(pairing["device"])
        return Device(**row) if row and row["revoked_at"] is None else None

    # ---------------------------------------------------------------------------------
    def _log(self, tx, event: str, by: str | None, **data) -> None:
        now = self.clock.now()
        if "kind" in data:                   # the device's kind, beside the event's
            data["device_kind"] = data.pop("kind")
        tx.append_event(at=now, day=business_day(now, self.tz), kind=event, clerk=by, **data)


def demo_token(key: str, kind: str, target: str | None) -> str:
    """The demo's credential for one of its devices: the same across restarts (its banner's
    links keep working) and unknown to anyone without the hall's key."""
    return hmac.new(key.encode(), f"demo-device:{kind}:{target or ''}".encode(),
                    hashlib.sha256).hexdigest()[:43]
