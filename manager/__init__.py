"""The duty manager (issue 7): statistics now, the live hall later."""
from flask import Blueprint

bp = Blueprint("manager", __name__, url_prefix="")

from . import api  # noqa: E402,F401
