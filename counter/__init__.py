"""The clerk's counter: its page (/counter) and its API (calling and serving)."""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/counter/static")

SERVING_ROLES = ("clerk", "manager", "admin")   # a manager may staff a counter in a small hall
ERRORS = (403, 404, 409)

from . import api, page, records  # noqa: E402,F401
