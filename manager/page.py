"""The duty manager's pages: the live hall and the statistics; the admin's staff accounts."""
from __future__ import annotations

from core.tickets import ROLES
from web.auth import current_staff
from web.context import ctx
from web.pages import staff_page

from . import bp
from .api import MANAGER_ROLES
from .staff import ADMIN
from .strings import STRINGS


def _admin() -> dict:
    """Whether the header links to the staff accounts (only an admin may open them)."""
    me = current_staff()
    return {"admin": me is not None and me.role == "admin"}


@bp.get("/manager")
def manager_page():
    return staff_page(MANAGER_ROLES, "manager/manager.html", STRINGS, _admin)


@bp.get("/manager/stats")
def stats_page():
    def extra() -> dict:
        return {**_admin(), "today": ctx().hall.today(),
                "names": {m.username: (m.display_name or m.username) for m in ctx().accounts.all()}}
    return staff_page(MANAGER_ROLES, "manager/stats.html", STRINGS, extra)


@bp.get("/manager/staff")
def staff_accounts_page():
    return staff_page(ADMIN, "manager/staff.html", STRINGS, lambda: {"roles": list(ROLES)})


@bp.get("/manager/settings")
def settings_page():
    """The hall's settings: the admin changes all; the duty manager the notices and thresholds."""
    from core.settings_form import form
    me = current_staff()
    return staff_page(MANAGER_ROLES, "manager/settings.html", STRINGS,
                      lambda: {**_admin(), "form": form(), "me_role": me.role if me else None})


@bp.get("/manager/devices")
def devices_page():
    return staff_page(ADMIN, "manager/devices.html", STRINGS)
