"""What a request needs of the hall, kept on the app."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from core.hall import Hall
from core.staff import StaffAccounts


@dataclass
class HallContext:
    hall: Hall
    accounts: StaffAccounts
    publisher: object
    devices: object
    throttle: object
    socketio: object
    demo: bool = False


def ctx() -> HallContext:
    return current_app.extensions["hall"]


def run(command, *args, **kwargs):
    """Call one command of the core and publish its events; return the command's result."""
    *result, events = command(*args, **kwargs)
    ctx().publisher.publish(events)
    return result[0] if len(result) == 1 else tuple(result)
