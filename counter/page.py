"""The clerk's counter page."""
from __future__ import annotations

from web.pages import staff_page

from . import bp
from .strings import STRINGS

ROLES = ("clerk", "manager", "admin")


@bp.get("/counter")
def counter_page():
    return staff_page(ROLES, "counter/counter.html", STRINGS)
