"""The duty manager's pages: the live hall and the statistics."""
from __future__ import annotations

from web.context import ctx
from web.pages import staff_page

from . import bp
from .api import MANAGER_ROLES
from .strings import STRINGS


@bp.get("/manager")
def manager_page():
    return staff_page(MANAGER_ROLES, "manager/manager.html", STRINGS)


@bp.get("/manager/stats")
def stats_page():
    def extra() -> dict:
        return {"today": ctx().hall.today(),
                "names": {m.username: (m.display_name or m.username) for m in ctx().accounts.all()}}
    return staff_page(MANAGER_ROLES, "manager/stats.html", STRINGS, extra)
