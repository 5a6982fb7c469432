"""The kiosk's touch page."""
from __future__ import annotations

from flask import abort, render_template, request

from core import views
from web.context import ctx
from web.i18n import both_languages, select_locale

from . import bp
from .strings import STRINGS

IDLE_S = 30            # back to the welcome screen after this long untouched
READ_TIMEOUT_S = 20    # how long the kiosk waits for a card on the reader


@bp.get("/kiosk")
def kiosk_page():
    config = ctx().hall.config
    kiosk_id = request.args.get("k") or (config.kiosks[0].id if config.kiosks else None)
    kiosk = config.kiosk(kiosk_id) if kiosk_id else None
    if kiosk is None:
        abort(404)
    page = {
        "kiosk": kiosk.id,
        "kiosk_name": kiosk.name,
        "hall": views.hall_view(config),
        "strings": both_languages(STRINGS),
        "lang": select_locale(),
        "idle_s": IDLE_S,
        "read_timeout_s": READ_TIMEOUT_S,
        "senior_age": config.hall.senior_age,
    }
    return render_template("kiosk/kiosk.html", page=page, hall=config.hall)
