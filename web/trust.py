"""Who sends a request: an enrolled device (its credential in the `hall_device` cookie or an
`Authorization: Bearer` header), signed-in staff, or a stranger (docs/security.md)."""
from __future__ import annotations

import hashlib

from flask import current_app, g, request

from core.enrolment import Device
from core.errors import Forbidden

from . import auth
from .context import ctx

DEVICE_COOKIE = "hall_device"
COOKIE_AGE_S = 10 * 365 * 86400     # a paired screen stays paired until an admin revokes it


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.cookies.get(DEVICE_COOKIE) or None


def current_device() -> Device | None:
    """The enrolled, unrevoked device sending this request (read once per request)."""
    if "hall_device" not in g:
        token = presented_token()
        g.hall_device = ctx().enrolment.verify(token) if token else None
    return g.hall_device


def refuse(code: str, wanted: str, device: Device | None = None):
    """Log the refusal and raise it: 401 for a stranger, 403 for another device."""
    ctx().enrolment.refused(code, path=request.path, address=request.remote_addr,
                            device=device, wanted=wanted)
    if code == "wrong_device":
        raise Forbidden("wrong_device", "此设备无权使用该功能(它登记为别的取号机或窗口)")
    raise auth.Unauthorized("device_required", "此功能仅限本厅登记的设备使用")


def require_device(kind: str, target: str | None = None, *, staff: bool = False):
    """That device (of `kind`, for `target` when given), or signed-in staff when `staff`;
    anyone else is refused: → the device or the staff member."""
    device = current_device()
    if device is not None and device.speaks_for(kind, target):
        return device
    if staff:
        member = auth.current_staff()
        if member is not None:
            return member
    refuse("wrong_device" if device is not None else "device_required",
           f"{kind}:{target or '*'}", device)


def source_of_request() -> str:
    """A stranger's source for the remote-ticket quota: a keyed hash of the address (never the
    address itself in the database)."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hashlib.blake2s((request.remote_addr or "-").encode(), key=key[:32]).hexdigest()[:24]


def set_device_cookie(response, token: str):
    response.set_cookie(DEVICE_COOKIE, token, max_age=COOKIE_AGE_S, httponly=True, samesite="Lax",
                        secure=auth.cookie_secure())
    return response


# Guards for web.api.route: checked before the body is read.
def kiosk_at(kiosk_id: str, **_) -> None:
    require_device("kiosk", kiosk_id)


def counter_screen_at(counter_id: str, **_) -> None:
    require_device("counter_screen", counter_id)


def kiosk_or_staff(**_) -> None:
    """Some kiosk or staff (which kiosk: the route's own rule, once the body is read)."""
    require_device("kiosk", None, staff=True)


def issuer(**_) -> None:
    """A ticket: a kiosk, staff, or anyone where the hall allows remote tickets."""
    if not ctx().hall.config.remote.tickets:
        require_device("kiosk", None, staff=True)
