"""Domain events: what a command changed. The web layer's publisher turns them into emits."""
from __future__ import annotations

from dataclasses import dataclass

from .tickets import CounterState, Ticket


@dataclass(frozen=True)
class TicketIssued:
    ticket: Ticket


@dataclass(frozen=True)
class TicketCalled:
    ticket: Ticket
    counter: str
    recall: bool = False


@dataclass(frozen=True)
class TicketChanged:
    """started, finished, no_show, no_show_undone, transferred, parked, unparked or requeued."""
    ticket: Ticket
    kind: str


@dataclass(frozen=True)
class CounterChanged:
    """opened, closed, paused, resumed or businesses (what it serves today); `current`: the
    ticket at it, if any (only a change of businesses leaves one there)."""
    counter: CounterState
    kind: str
    current: Ticket | None = None


@dataclass(frozen=True)
class DayClosed:
    day: str
    closed_tickets: int


@dataclass(frozen=True)
class TicketRated:
    ticket: Ticket
    score: int


@dataclass(frozen=True)
class IssuingChanged:
    """The manager paused, limited or reopened ticket issuing."""
    issuing: dict


@dataclass(frozen=True)
class HelpChanged:
    """A help request from a kiosk: requested, accepted (a guide is on the way) or closed."""
    request: dict
    kind: str


@dataclass(frozen=True)
class AlertChanged:
    """An alert for staff: raised (or updated), cleared (the condition ended) or acknowledged."""
    alert: dict
    kind: str


@dataclass(frozen=True)
class FollowUpChanged:
    """A follow-up (an unanswered query or a complaint): opened or answered."""
    follow_up: dict
    kind: str


@dataclass(frozen=True)
class TicketPrechecked:
    """The guide checked (or unchecked) the documents of a waiting customer."""
    ticket: Ticket


@dataclass(frozen=True)
class SettingsChanged:
    """A settings version came into force (saved, restored or imported for now): every screen
    follows the hall's new catalogue, windows, notices and texts."""
    version: int


# Events after which queue lengths, positions and estimates may have moved.
QUEUE_EVENTS = (TicketIssued, TicketCalled, TicketChanged, CounterChanged, DayClosed)
