"""The kiosk's touch page."""
from __future__ import annotations

from flask import abort, render_template, request

from core import hours, views
from web import trust
from web.context import ctx
from web.pairing import pairing_screen
from web.i18n import both_languages

from . import bp
from .strings import STRINGS

IDLE_S = 30            # back to the welcome screen after this long untouched
READ_TIMEOUT_S = 20    # how long the kiosk waits for a card on the reader
SETTLE_MS = 500        # a new screen (or a button just shown) ignores taps this long
FETCH_TIMEOUT_MS = 3000   # a call to the server that has not answered by then has failed


@bp.get("/kiosk")
def kiosk_page():
    c = ctx()
    config = c.hall.config
    device = trust.current_device()
    mine = device.target if device is not None and device.kind == "kiosk" else None
    kiosk_id = request.args.get("k") or mine or (config.kiosks[0].id if config.kiosks else None)
    kiosk = config.kiosk(kiosk_id) if kiosk_id else None
    if kiosk is None:
        abort(404)
    if device is None or not device.speaks_for("kiosk", kiosk.id):
        return pairing_screen("kiosk", kiosk.id, wrong=device)    # only its own kiosk's page
    page = {
        "kiosk": kiosk.id,
        "kiosk_name": kiosk.name,
        "hall": views.hall_view(config, version=c.hall.plan.version),
        "strings": both_languages(STRINGS),
        # Every customer starts in Chinese: the kiosk never keeps the last one's language (not
        # from the hall_lang cookie, and it does not set it: staff pages keep theirs).
        "lang": "zh",
        "remember_lang": False,
        "idle_s": IDLE_S,
        "settle_ms": SETTLE_MS,
        "fetch_timeout_ms": FETCH_TIMEOUT_MS,
        "read_timeout_s": READ_TIMEOUT_S,
        "senior_age": config.hall.senior_age,
        "hours": hours.state(c.hall),
        "demo": c.demo,
    }
    return render_template("kiosk/kiosk.html", page=page, hall=config.hall)
