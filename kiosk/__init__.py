"""The kiosk at the door: its touch page (/kiosk?k=<id>) and its API (issuing, card reading,
help requests)."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/kiosk/static")

from . import api, page  # noqa: E402,F401  (routes register on bp)
