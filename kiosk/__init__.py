"""The kiosk at the door: issuing tickets (and, with issue 4, its touch pages)."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="")

from . import api  # noqa: E402,F401  (routes register on bp)
