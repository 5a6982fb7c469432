"""The duty manager's page."""
from __future__ import annotations

from flask import redirect, render_template, request

from core import views
from web import auth
from web.context import ctx
from web.i18n import both_languages, select_locale

from . import bp
from .api import MANAGER_ROLES
from .strings import STRINGS


@bp.get("/manager")
def manager_page():
    staff = auth.current_staff()
    if staff is None or staff.role not in MANAGER_ROLES:
        return redirect("/login?next=" + request.path)
    hall = ctx().hall
    page = {"hall": views.hall_view(hall.base_config), "strings": both_languages(STRINGS),
            "lang": select_locale(), "me": {"username": staff.username,
                                            "name": staff.display_name or staff.username}}
    return render_template("manager/manager.html", page=page, hall=hall.config.hall)


@bp.get("/manager/stats")
def stats_page():
    staff = auth.current_staff()
    if staff is None or staff.role not in MANAGER_ROLES:
        return redirect("/login?next=" + request.path)
    hall = ctx().hall
    page = {"hall": views.hall_view(hall.base_config), "strings": both_languages(STRINGS),
            "lang": select_locale(), "today": hall.today(),
            "names": {m.username: (m.display_name or m.username) for m in ctx().accounts.all()},
            "me": {"username": staff.username, "name": staff.display_name or staff.username}}
    return render_template("manager/stats.html", page=page, hall=hall.config.hall)
