"""What customers see: the wall display (/display), the counter screen with its rating pad
(/display/counter/<id>), the phone page of a ticket (/t/<token>), and the announcements."""
from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/display/static")

from . import api, pages  # noqa: E402,F401
