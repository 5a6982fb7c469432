"""What each domain event says, and to whom: the one table the publisher reads (in the spirit of
cosmicpython's message bus: event type → handler).

A handler is given the event and an `Outbox` and says what goes where: `send(name, payload,
room)` (room None: everyone), `pad(counter, text)` (what that counter's call pad shows),
`followed(ticket)` (the phones following that ticket are told its own change), `moved()`
(queues, places or estimates may have moved: the screens' picture is drawn again and every
screen pushed) and `staff_moved()` (only what the guide's and the manager's boards show: help,
alerts, follow-ups, the pre-check; those two are drawn again and pushed).
Payloads are shaped from the event alone, no read of the store: they go out before anything
else is worked out.

Rooms: PUBLIC_ROOM ("everyone": every socket but the phones that read `places`, which are told
what concerns them by `places` and their own `ticket_update`), PHONES_ROOM (those phones),
STAFF_ROOM (every staff page), counter_room(id) (that counter's own screen).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core import hours
from core.presenters import kiosk, parts
from core.clock import iso
from core.events import (AlertChanged, CounterChanged, DayClosed, FollowUpChanged, HelpChanged,
                         IssuingChanged, SettingsChanged, TicketCalled, TicketChanged, TicketIssued,
                         TicketPrechecked, TicketRated)

STAFF_ROOM = "staff"
PUBLIC_ROOM = "public"
PHONES_ROOM = "phones"


def counter_room(counter_id: str) -> str:
    return f"counter:{counter_id}"


def staff_member_room(username: str) -> str:
    """Every socket a staff member's pages opened: ended when the account changes; a clerk's
    desk is pushed there."""
    return f"u:{username}"


@dataclass
class Outbox:
    config: object                      # the hall's config of the moment
    announcer: object                   # display.voice.Announcer: what a call or a pause says
    hall: object                        # for the staff views of alerts and follow-ups
    sends: list = field(default_factory=list)       # (event name, payload, room)
    pads: list = field(default_factory=list)        # (counter, text)
    tickets: list = field(default_factory=list)     # tickets whose own state changed
    queue_moved: bool = False
    staff_moved: bool = False
    issued: list = field(default_factory=list)      # tickets issued
    moved_otherwise: bool = False                   # the queues moved by more than issues
    settings: int | None = None                     # a settings version came into force

    def send(self, name: str, payload: dict, room=PUBLIC_ROOM) -> None:
        self.sends.append((name, payload, room))

    def pad(self, counter: str | None, text: str) -> None:
        if counter:
            self.pads.append((counter, text))

    def followed(self, ticket) -> None:
        self.tickets.append(ticket)

    def moved(self, issued=None) -> None:
        self.queue_moved = True
        if issued is None:
            self.moved_otherwise = True
        else:
            self.issued.append(issued)

    def counted_after(self):
        """The ticket after whose issue the waiting counts are to be told, when only issues
        moved the queues (the picture its issue kept already counts it), else None."""
        return self.issued[-1] if self.issued and not self.moved_otherwise else None

    def staff_changed(self) -> None:
        self.staff_moved = True


def ticket_issued(e: TicketIssued, out: Outbox) -> None:
    t, b = e.ticket, out.config.business(e.ticket.business)
    out.send("ticket_issued", {
        "id": t.id, "number": t.number, "business": t.business,
        "business_name": b.name if b else t.business, "priority": t.priority,
        "masked_name": t.masked_name, "age_band": t.age_band,
        "at": iso(t.issued_at, out.config.hall.tz)}, STAFF_ROOM)
    out.moved(issued=t)


def ticket_called(e: TicketCalled, out: Outbox) -> None:
    payload = parts.call(out.config, e.ticket, e.counter, e.recall)
    payload.update(out.announcer.call(e.ticket.number, e.counter, e.recall))
    out.send("ticket_called", payload)
    out.pad(e.counter, e.ticket.number)
    out.followed(e.ticket)                      # its phone says 重呼 on a recall
    out.moved()


def ticket_changed(e: TicketChanged, out: Outbox) -> None:
    """started, finished, no_show, no_show_undone, transferred, parked, unparked (back in
    line by itself) or requeued."""
    t = e.ticket
    if e.kind in ("finished", "no_show", "transferred", "parked"):
        out.pad(t.counter, "----")
    elif e.kind == "no_show_undone":
        out.pad(t.counter, t.number)            # called here again
    if e.kind == "finished" and t.counter:
        # The counter's rating pad asks the customer who just left; staff pages refresh.
        out.send("service_finished", {"counter": t.counter, "number": t.number},
                 [STAFF_ROOM, counter_room(t.counter)])
    out.followed(t)
    out.moved()


def counter_changed(e: CounterChanged, out: Outbox) -> None:
    """opened, closed, paused, resumed or businesses (the day's change of what it serves)."""
    c = e.counter
    if e.kind != "businesses":                  # the pad keeps the number it shows
        out.pad(c.id, {"paused": "PAUSE", "closed": "CLOSED"}.get(e.kind, "----"))
    payload = {**parts.counter(out.config, c, e.current), "change": e.kind}
    if e.kind == "paused":
        payload.update(out.announcer.pause(c.id))
    out.send("counter_changed", payload)
    out.moved()


def day_closed(e: DayClosed, out: Outbox) -> None:
    out.moved()


def issuing_changed(e: IssuingChanged, out: Outbox) -> None:
    out.send("issuing_changed", e.issuing, [PUBLIC_ROOM, PHONES_ROOM])   # the phone's notice too
    out.moved()


def ticket_prechecked(e: TicketPrechecked, out: Outbox) -> None:
    t = e.ticket
    out.send("ticket_prechecked", {"ticket": t.id, "number": t.number,
                                   "prechecked": t.prechecked_at is not None,
                                   "by": t.prechecked_by}, STAFF_ROOM)
    out.staff_changed()


def ticket_rated(e: TicketRated, out: Outbox) -> None:
    """The counter's rating pad stops asking a customer who rated on their phone."""
    t = e.ticket
    rooms = [STAFF_ROOM] + ([counter_room(t.counter)] if t.counter else [])
    out.send("ticket_rated", {"counter": t.counter, "number": t.number, "score": e.score}, rooms)


def help_changed(e: HelpChanged, out: Outbox) -> None:
    if e.kind == "requested":
        out.send("help_requested", e.request, STAFF_ROOM)
    out.send("help_changed", {**e.request, "change": e.kind}, STAFF_ROOM)
    out.staff_changed()


def alert_changed(e: AlertChanged, out: Outbox) -> None:
    out.send("alert_changed", {**out.hall.alert_view(e.alert), "change": e.kind}, STAFF_ROOM)
    out.staff_changed()


def follow_up_changed(e: FollowUpChanged, out: Outbox) -> None:
    out.send("follow_up_changed", {**out.hall.follow_up_view(e.follow_up), "change": e.kind},
             STAFF_ROOM)
    out.staff_changed()


def settings_changed(e: SettingsChanged, out: Outbox) -> None:
    """Every page follows the hall's new catalogue (names, windows, notices, texts, hours); the
    screens are drawn again with it. The other server processes read the version when told."""
    hall = kiosk.hall_view(out.config, hours.state(out.hall), e.version)
    out.send("hall_changed", {"version": e.version, "hall": hall}, [PUBLIC_ROOM, PHONES_ROOM])
    out.settings = e.version
    out.moved()


HANDLERS = {
    TicketIssued: ticket_issued,
    TicketCalled: ticket_called,
    TicketChanged: ticket_changed,
    CounterChanged: counter_changed,
    DayClosed: day_closed,
    IssuingChanged: issuing_changed,
    TicketPrechecked: ticket_prechecked,
    TicketRated: ticket_rated,
    HelpChanged: help_changed,
    AlertChanged: alert_changed,
    FollowUpChanged: follow_up_changed,
    SettingsChanged: settings_changed,
}
