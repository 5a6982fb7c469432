"""Wiring the device service into the app: status changes to the event log and staff pages,
call-pad keys to counter commands."""
from __future__ import annotations

import logging

from core.errors import HallError

from .context import HallContext

log = logging.getLogger("hall.devices")

PAD_COMMANDS = {"call-next": "call_next", "recall": "recall", "no-show": "no_show",
                "start": "start", "finish": "finish", "park": "park"}


def wire(ctx: HallContext) -> None:
    service = ctx.devices
    hall, publisher = ctx.hall, ctx.publisher

    def on_status(payload: dict) -> None:
        _, events = hall.record_device(payload)
        publisher.device_status(payload)
        publisher.publish(events)

    def on_key(counter: str, action: str, number: str | None = None) -> str | None:
        """A call-pad key: the command, done as the clerk holding that counter. Returns an
        error code for the pad's display, or None."""
        state = hall.counters().get(counter)
        if state is None or state.clerk is None:
            return "counter_closed"
        try:
            if action == "pause":
                command = hall.resume if state.state == "paused" else hall.pause
            elif action == "call":                   # CALL A012: out of order, from the pad
                *_, events = hall.call_ticket(counter, state.clerk, number, None)
                publisher.publish(events)
                return None
            elif action == "call-parked":            # BACK: the one parked here longest
                parked = hall.parked(counter)
                if not parked:
                    return "nothing_parked"
                *_, events = hall.call_parked(counter, state.clerk, parked[0].id)
                publisher.publish(events)
                return None
            else:
                command = getattr(hall, PAD_COMMANDS[action])
            *_, events = command(counter, state.clerk)
        except HallError as e:
            # The clerk's page says why too: a pad's two-line display only shows the code.
            publisher.counter_notice(counter, state.clerk, e.code, e.message)
            return e.code
        publisher.publish(events)
        return None

    service.on_status = on_status
    service.on_key = on_key
    if ctx.crm is not None:                 # the CRM's state shows and alerts like a device's
        ctx.crm.on_status = on_status
    publisher.pads = service
    if hasattr(service, "start"):
        service.start()
