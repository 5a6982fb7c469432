"""The guide's tablet (issue 6): who is on deck at every counter."""
from flask import Blueprint

bp = Blueprint("guide", __name__, url_prefix="")

from . import api  # noqa: E402,F401
