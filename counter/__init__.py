"""The clerk's counter: its page (/counter) and its API (calling and serving)."""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/counter/static")

from . import api, page  # noqa: E402,F401
