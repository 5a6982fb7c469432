"""What a request needs of the hall, kept on the app."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context

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
    enrolment: object = None        # core.enrolment.Enrolment: the devices the hall trusts
    demo_devices: dict = None       # the demo's devices: (kind, target) → credential
    sessions: object = None         # core.sessions.Sessions: staff sessions, server-side
    crm: object = None              # drivers.crm.StarLookup: the operator's star levels


def ctx() -> HallContext:
    return current_app.extensions["hall"]


def run(command, *args, **kwargs):
    """Call one command of the core; return its result. Its events go out when the request has
    built its answer (`publish_pending`): once a broadcast is handed to every socket's writer
    thread, any work left in the request competes with them for the interpreter."""
    *result, events = command(*args, **kwargs)
    if has_request_context():
        g.setdefault("hall_events", []).extend(events)
    else:
        ctx().publisher.publish(events)
    return result[0] if len(result) == 1 else tuple(result)


def publish_pending() -> None:
    """Send what the request's commands did (at its end, or before a slow device step)."""
    events = g.pop("hall_events", None)
    if events:
        ctx().publisher.publish(events)
