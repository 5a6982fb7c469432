"""The clerk's counter: calling and serving (the page comes with issue 6)."""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="")

from . import api  # noqa: E402,F401
