"""The guide's tablet page."""
from __future__ import annotations

from flask import redirect, render_template, request

from core import views
from web import auth
from web.context import ctx
from web.i18n import both_languages, select_locale

from . import bp
from .api import FLOOR_ROLES
from .strings import STRINGS


@bp.get("/guide")
def guide_page():
    staff = auth.current_staff()
    if staff is None or staff.role not in FLOOR_ROLES:
        return redirect("/login?next=" + request.path)
    hall = ctx().hall
    page = {"hall": views.hall_view(hall.config), "strings": both_languages(STRINGS),
            "lang": select_locale(), "me": {"username": staff.username,
                                            "name": staff.display_name or staff.username}}
    return render_template("guide/guide.html", page=page, hall=hall.config.hall)
