"""Pairing a screen with the hall: a pairing code an admin approves, or the `pair_url` an admin
opens on the device; and a paired device checking in (`/api/devices/me`)."""
from __future__ import annotations

import threading
import time

from flask import Blueprint, current_app, redirect, render_template, request

from core.enrolment import KIND_NAMES, PAIRING_TTL_S, Device
from core.errors import HallError

from . import trust
from .api import ok, route
from .context import ctx
from .schemas import DeviceOut, PairingCheck, PairingOut

bp = Blueprint("pairing", __name__)
ASKS_PER_ADDRESS = 5          # pairing codes one address may ask for in PAIRING_TTL_S
_asked_lock = threading.Lock()


def _one_screen_at_a_time() -> None:
    """A screen asks again only when its code expires: a phone asking for hundreds would fill
    the hall's pending codes and keep real screens from pairing."""
    now, address = time.monotonic(), request.remote_addr or "-"
    _asked = current_app.extensions.setdefault("pairing_asks", {})      # address → times
    with _asked_lock:
        for key in [k for k, ts in _asked.items() if now - ts[-1] > PAIRING_TTL_S]:
            del _asked[key]
        recent = [t for t in _asked.get(address, []) if now - t <= PAIRING_TTL_S]
        if len(recent) >= ASKS_PER_ADDRESS:
            raise HallError("too_many_pairings", "配对请求过于频繁,请稍后再试", status=429,
                            retry_after_s=int(PAIRING_TTL_S - (now - recent[0])) + 1)
        _asked[address] = recent + [now]


def device_page(device: Device) -> str:
    """Where a paired device goes: its own page."""
    if device.kind == "kiosk":
        return f"/kiosk?k={device.target}"
    if device.kind == "counter_screen":
        return f"/display/counter/{device.target}"
    return f"/display?zone={device.target}" if device.target else "/display"


def device_view(device: Device) -> dict:
    return {"id": device.id, "kind": device.kind, "target": device.target, "name": device.name,
            "created_at": device.created_at, "last_seen": device.last_seen,
            "revoked": device.revoked_at is not None, "online": ctx().enrolment.online(device)}


def pairing_screen(kind: str, target: str | None, wrong: Device | None = None):
    """What an unpaired screen shows instead of its page: a pairing code (made by pair.js)."""
    c = ctx()
    page = {"kind": kind, "target": target, "kind_name": KIND_NAMES.get(kind, kind),
            "wanted": c.enrolment.default_name(kind, target), "ttl_s": PAIRING_TTL_S,
            "wrong": wrong.name if wrong else None}
    return render_template("pair.html", page=page, hall=c.hall.config.hall, demo=c.demo)


@route(bp, "/api/pairings", "POST", summary="An unpaired screen asks for a pairing code",
       tag="devices", answers={201: PairingOut}, errors=(429,))
def start_pairing():
    _one_screen_at_a_time()
    code, secret = ctx().enrolment.start_pairing()
    return ok({"code": code, "secret": secret, "expires_in_s": PAIRING_TTL_S}, 201)


@route(bp, "/api/pairings/check", "POST", summary="Has an admin approved this screen's code?",
       tag="devices", body=PairingCheck, answers={200: PairingOut}, errors=(404,))
def check_pairing(body: PairingCheck):
    device = ctx().enrolment.pairing_state(body.secret)
    if device is None:
        return ok({"paired": False})
    response, status = ok({"paired": True, "device": device_view(device), "next": device_page(device)})
    return trust.set_device_cookie(response, body.secret), status


@bp.get("/pair/<token>")
def pair(token: str):
    """An admin's pair_url opened on the device: the credential goes into an HttpOnly cookie and
    the device goes on to its page."""
    device = ctx().enrolment.verify(token)
    if device is None:
        trust.refuse("device_required", "pair")
    return trust.set_device_cookie(redirect(device_page(device)), token)


@route(bp, "/api/devices/me", "GET", summary="The device sending the request (pages check in)",
       tag="devices", answers={200: DeviceOut}, errors=(401,))
def me():
    device = trust.current_device()
    if device is None:
        trust.refuse("device_required", "any")
    return ok(device_view(device))
