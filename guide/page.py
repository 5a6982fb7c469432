"""The guide's tablet page."""
from __future__ import annotations

from web.pages import staff_page

from . import bp
from .api import FLOOR_ROLES
from .strings import STRINGS


@bp.get("/guide")
def guide_page():
    return staff_page(FLOOR_ROLES, "guide/guide.html", STRINGS)
