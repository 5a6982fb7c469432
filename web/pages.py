"""What every staff page does first: only signed-in staff of its roles (not signed in: the login,
then back; another role: a 403 page saying whose page it is), and the page's configuration: the
hall, its words in both languages, who is signed in."""
from __future__ import annotations

from typing import Callable

from flask import redirect, render_template, request

from core import views

from . import auth
from .context import ctx
from .i18n import both_languages, select_locale


def staff_page(roles: tuple[str, ...], template: str, strings: dict,
               extra: Callable[[], dict] | None = None):
    staff = auth.current_staff()
    if staff is None:
        return redirect("/login?next=" + request.path)
    if staff.role not in roles:                 # signed in, but not for this page: say so (403)
        return auth.forbidden_page(staff, roles)
    hall = ctx().hall
    page = {"hall": views.hall_view(hall.config, version=hall.plan.version), "strings": both_languages(strings),
            "lang": select_locale(), "me": {"username": staff.username,
                                            "name": staff.display_name or staff.username},
            **(extra() if extra else {})}
    return render_template(template, page=page, hall=hall.config.hall)
