"""The duty manager (/manager): the live hall, alerts, emergency mode, a counter's businesses
for the day, statistics; the admin's staff accounts (/manager/staff) and devices (/manager/devices)."""
from flask import Blueprint

bp = Blueprint("manager", __name__, url_prefix="", template_folder="templates",
               static_folder="static", static_url_path="/manager/static")

from . import api, devices, page, settings, staff  # noqa: E402,F401
