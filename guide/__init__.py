"""The floor guide's tablet (/guide): 接一顾二招呼三, the document pre-check, help requests,
alerts, long waits and follow-ups."""
from flask import Blueprint

bp = Blueprint("guide", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/guide/static")

from . import api, page  # noqa: E402,F401
