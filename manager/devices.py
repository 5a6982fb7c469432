"""Enrolled devices for the admin: enrol (the credential shown once), approve a screen's pairing
code, list with last seen and online, revoke at once."""
from __future__ import annotations

from web.api import ok, route
from web.context import ctx
from web.pairing import device_view
from web.schemas import ApprovePairing, DeviceEnrolledOut, DeviceOut, NewDevice
from web.sockets import disconnect_device

from . import bp
from .staff import ADMIN


def pair_url(token: str) -> str:
    return f"{ctx().hall.config.hall.public_url}/pair/{token}"


@route(bp, "/api/devices", "POST", summary="Enrol a kiosk, a counter's screen or a wall display",
       tag="admin", body=NewDevice, roles=ADMIN, answers={201: DeviceEnrolledOut}, errors=(404,))
def enrol(staff, body: NewDevice):
    device, token = ctx().enrolment.enrol(body.kind, body.target, body.name, by=staff.username)
    return ok({**device_view(device), "token": token, "pair_url": pair_url(token)}, 201)


@route(bp, "/api/devices", "GET", summary="Every enrolled device (never a credential)", tag="admin",
       roles=ADMIN, answers={200: None})
def list_devices(staff):
    return ok({"devices": [device_view(d) for d in ctx().enrolment.all()],
               "targets": targets()})


@route(bp, "/api/devices/pair", "POST", summary="Approve the pairing code an unpaired screen shows",
       tag="admin", body=ApprovePairing, roles=ADMIN, answers={201: DeviceOut}, errors=(404, 409))
def approve(staff, body: ApprovePairing):
    device = ctx().enrolment.approve(body.code, body.kind, body.target, body.name, by=staff.username)
    return ok(device_view(device), 201)


@route(bp, "/api/devices/<device_id>", "DELETE", summary="Revoke a device at once", tag="admin",
       roles=ADMIN, answers={204: None}, errors=(404,))
def revoke(device_id: str, staff):
    device = ctx().enrolment.revoke(device_id[:32], by=staff.username)
    disconnect_device(ctx().socketio, device.id)
    return "", 204


def targets() -> dict:
    """What each kind of device may speak for, for the admin's form."""
    config = ctx().hall.config
    return {"kiosk": [{"id": k.id, "name": k.name} for k in config.kiosks],
            "counter_screen": [{"id": c.id, "name": c.name} for c in config.counters],
            "display": [{"id": None, "name": "全厅"}] + [{"id": z.id, "name": z.name} for z in config.zones]}

