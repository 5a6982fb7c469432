"""What customers see: the wall display, counter screens and the phone page (issue 5), and the
phone's API."""
from flask import Blueprint

bp = Blueprint("display", __name__, url_prefix="")

from . import api  # noqa: E402,F401
