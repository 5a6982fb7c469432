"""Tickets and counters as the hall knows them, and the rules of a ticket's life."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

# A ticket's life: waiting → called (a recall keeps it called) → serving → done,
# or no_show, or transferred (waiting again in another queue, keeping its number and issue time),
# or parked at its counter (the customer stepped away: called back there, or back in line by
# itself after `routing.park_return_s`).
WAITING, CALLED, SERVING, DONE, NO_SHOW, TRANSFERRED, PARKED = (
    "waiting", "called", "serving", "done", "no_show", "transferred", "parked")
STATUSES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, TRANSFERRED, PARKED)
QUEUED = (WAITING, TRANSFERRED)          # in a queue, waiting to be called
AT_COUNTER = (CALLED, SERVING)           # the counter's current customer
LIVE = QUEUED + AT_COUNTER + (PARKED,)

# Counter states.
CLOSED, OPEN, PAUSED = "closed", "open", "paused"


@dataclass(frozen=True)
class Ticket:
    id: str
    request_id: str
    day: str
    number: str
    business: str
    issued_business: str
    status: str
    issued_at: float
    queued_at: float
    priority: str | None = None
    target_counter: str | None = None
    counter: str | None = None
    clerk: str | None = None
    called_at: float | None = None
    last_called_at: float | None = None
    recalls: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    kiosk: str | None = None
    masked_name: str | None = None
    age_band: str | None = None
    id_hash: str | None = None
    printed: bool | None = None
    print_error: str | None = None
    checklist: str | None = None          # JSON list of ticked key-moment keys
    prechecked_at: float | None = None    # the guide checked the documents (预审)
    prechecked_by: str | None = None
    order_at: float | None = None         # where it stands in its line when re-queued (过号重排)
    requeues: int = 0                     # times a no-show was brought back
    parked_at: float | None = None        # parked at `counter` since (status parked)

    @property
    def place_at(self) -> float:
        """The time its line orders it by: its issue time, or where a re-queue put it."""
        return self.issued_at if self.order_at is None else self.order_at

    @property
    def ticked(self) -> list[str]:
        import json
        return json.loads(self.checklist) if self.checklist else []

    def with_(self, **changes) -> "Ticket":
        return replace(self, **changes)

    @property
    def queued(self) -> bool:
        return self.status in QUEUED


class QueuedTicket(NamedTuple):
    """What routing and estimates need of a ticket in a queue (cheap to load by the hundred)."""
    id: str
    number: str
    business: str
    status: str
    priority: str | None
    issued_at: float
    queued_at: float
    target_counter: str | None
    order_at: float | None = None

    @property
    def place_at(self) -> float:
        return self.issued_at if self.order_at is None else self.order_at

    @property
    def queued(self) -> bool:
        return True


@dataclass(frozen=True)
class CounterState:
    id: str
    state: str = CLOSED
    clerk: str | None = None
    current_ticket: str | None = None
    updated_at: float | None = None

    def with_(self, **changes) -> "CounterState":
        return replace(self, **changes)


@dataclass(frozen=True)
class CardRead:
    """What the hall keeps of an ID card: never the number, the address or the photo."""
    token: str
    at: float
    kiosk: str | None
    masked_name: str
    age_band: str
    senior: bool
    id_hash: str
    star: int | None = None       # the operator's CRM star level (星级客户), None: not known


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: str
    password_hash: str
    disabled: bool = False
    created_at: float = 0.0
    display_name: str | None = None
    staff_no: str | None = None


ROLES = ("clerk", "guide", "manager", "admin")
