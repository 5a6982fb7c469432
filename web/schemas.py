"""Request bodies and answers of the HTTP API, as pydantic models.

The same models validate requests and generate `/api/openapi.json`. The answers that are a
screen's shape (a ticket, a counter, the catalogue, the desk …) are the presenters' own models
(core/presenters/), imported here: each shape is written once.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The screens' shapes, defined next to the presenters that fill them.
from core.presenters.desk import CallOut, CounterActionOut, DeskOut  # noqa: F401
from core.presenters.kiosk import BusinessOut, CounterOut, HallOut, IssuedTicketOut  # noqa: F401
from core.presenters.parts import CounterStateOut, TicketOut  # noqa: F401
from core.presenters.phone import TicketPageOut  # noqa: F401
from core.presenters.screen import CounterScreenOut  # noqa: F401

Token = Field(min_length=1, max_length=128)
Code = Field(min_length=1, max_length=64)


class Body(BaseModel):
    # Strict: a number where a string belongs is an error, not a silent conversion.
    model_config = ConfigDict(strict=True, extra="ignore")


class IssueTicket(Body):
    business: str = Field(min_length=1, max_length=64, description="business code, e.g. F-NEW")
    request_id: str = Field(min_length=1, max_length=128,
                            description="the kiosk's idempotency key: the same key gives the same ticket")
    kiosk: str | None = Field(None, max_length=64, description="print at this kiosk's printer")
    card_token: str | None = Field(None, max_length=128, description="from POST /api/kiosks/{id}/read-card")
    priority: str | None = Field(None, max_length=64,
                                 description="a priority class code; staff sessions only")


class Pause(Body):
    reason: Literal["break", "meeting", "system_fault", "other"] | None = None


class Tick(Body):
    key: str = Field(min_length=1, max_length=64)
    ticked: bool = True


class HelpRequest(Body):
    business: str | None = Field(None, min_length=1, max_length=64)


class Precheck(Body):
    checked: bool = Field(True, description="the guide checked this waiting customer's documents")


class Recommendation(Body):
    ticket: str = Field(min_length=1, max_length=128, description="the ticket served (current or just finished)")
    what: str = Field(min_length=1, max_length=60, description="the business recommended")
    accepted: bool


class Churn(Body):
    ticket: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=60, description="one of after_service.churn_reasons")
    offer: str | None = Field(None, max_length=60, description="the retention offer made")
    stayed: bool = Field(description="the customer kept the account")


class FollowUp(Body):
    contact: str = Field(min_length=1, max_length=32, description="a phone number to call back")
    question: str = Field(min_length=1, max_length=500)
    kind: Literal["query", "complaint"] = "query"
    ticket: str | None = Field(None, min_length=1, max_length=128,
                               description="at a counter: the ticket served")
    business: str | None = Field(None, min_length=1, max_length=64,
                                 description="without a ticket: the business the question is about")


class Answer(Body):
    answer: str = Field(min_length=1, max_length=500)


class Issuing(Body):
    mode: Literal["normal", "paused", "limited"]
    message: str = Field("", max_length=200, description="shown on every kiosk and display")
    businesses: list[str] = Field(default_factory=list, max_length=64,
                                  description="limited: the businesses still open")


class CounterBusinesses(Body):
    businesses: list[str] | None = Field(..., max_length=64,
                                         description="in order of preference; null: back to the config's")


class Login(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


Role = Literal["clerk", "guide", "manager", "admin"]


# Lengths and characters of usernames and passwords are the core's rules (clearer messages).
class NewStaff(Body):
    username: str = Field(min_length=1, max_length=64, description="2–32 letters, digits, _ . -")
    role: Role
    password: str = Field(min_length=1, max_length=256, description="10+ characters, not a common one")
    display_name: str | None = Field(None, max_length=32, description="shown on the counter screen")
    staff_no: str | None = Field(None, max_length=16, description="工号")


class StaffChange(Body):
    """Only the fields given change; display_name / staff_no null or "" clears them."""
    role: Role | None = None
    disabled: bool | None = None
    display_name: str | None = Field(None, max_length=32)
    staff_no: str | None = Field(None, max_length=16)

    @model_validator(mode="after")
    def _something(self):
        if not self.model_fields_set & {"role", "disabled", "display_name", "staff_no"}:
            raise ValueError("请指明要修改的内容:角色、停用、姓名或工号")
        return self


class NewPassword(Body):
    password: str = Field(min_length=1, max_length=256, description="10+ characters, not a common one")


class Rating(Body):
    score: int = Field(ge=1, le=4, description="4 非常满意 · 3 满意 · 2 一般 · 1 不满意")
    comment: str | None = Field(None, max_length=500)


class CallTicket(Body):
    """Call this waiting ticket out of order: its token, today's number, or its QR link."""
    ticket: str = Field(min_length=1, max_length=300)
    reason: str | None = Field(None, min_length=1, max_length=60)


class Park(Body):
    """Why the customer stepped away (fetching a document, paying …), for the log."""
    reason: str | None = Field(None, min_length=1, max_length=60)


class CallParked(Body):
    """The parked ticket to call back: its token, today's number, or its QR link."""
    ticket: str = Field(min_length=1, max_length=300)


class SaveSettings(Body):
    """The whole config (as GET /api/settings gives it), edited."""
    config: dict
    base_version: int | None = Field(None, description="the version edited: a change saved since is refused")
    when: Literal["now", "next_day"] = "now"


class RestoreSettings(Body):
    when: Literal["now", "next_day"] = "now"


class ImportSettings(Body):
    toml: str = Field(min_length=1, max_length=60_000, description="a hall.toml file's text")
    when: Literal["now", "next_day"] = "now"


class AddBusiness(Body):
    """A second business in the same visit: served here at once, or sent to its queue."""
    business: str = Field(min_length=1, max_length=64)
    how: Literal["serve", "queue"] = "serve"


class GivePriority(Body):
    """A priority class of the hall's (`priority_classes`), or null to take one back."""
    priority: str | None = Field(max_length=64, description="a priority class code, or null")
    note: str | None = Field(None, min_length=1, max_length=60, description="why, for the log")


class PriorityOut(BaseModel):
    ticket: TicketOut = Field(description="the ticket in its class now, with its new place (`ahead`)")


class RequeuedOut(BaseModel):
    ticket: TicketOut
    requeues: int = Field(description="times this ticket was brought back, this one included")
    requeue_limit: int


class Transfer(Body):
    business: str | None = Field(None, min_length=1, max_length=64)
    counter: str | None = Field(None, min_length=1, max_length=64)
    reason: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _one_target(self):
        if self.business is None and self.counter is None:
            raise ValueError("请选择转往的业务或窗口")
        return self


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    from_: date = Field(alias="from")
    to: date
    table: Literal["businesses", "counters", "clerks", "hours", "recommendations", "churn", "hand"] = Field(
        "businesses", description="for the CSV export: which table")

    @model_validator(mode="after")
    def _ordered(self):
        if self.to < self.from_:
            raise ValueError("结束日期早于开始日期")
        if (self.to - self.from_).days > 366:
            raise ValueError("一次最多查询一年")
        return self


# --- answers (documentation) ----------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="machine code, e.g. unknown_business")
    message: str = Field(description="for people, zh-CN")


class ErrorOut(BaseModel):
    error: ErrorDetail


class StaffOut(BaseModel):
    username: str
    role: Literal["clerk", "guide", "manager", "admin"]
    counter: str | None = None


class StaffAccountOut(BaseModel):
    username: str
    role: Role
    disabled: bool
    display_name: str | None = None
    staff_no: str | None = None
    created_at: str = Field(description="ISO 8601 with the hall's offset")


class StaffListOut(BaseModel):
    staff: list[StaffAccountOut]


class CardOut(BaseModel):
    masked_name: str
    age_band: str
    senior: bool


class ReadCardOut(BaseModel):
    card: CardOut | None
    card_token: str | None = None


class BusinessStats(BaseModel):
    issued: int
    called: int = Field(description="first calls in this queue (for a counter or clerk: the tickets they called)")
    served: int
    no_show: int
    unserved: int
    transferred_out: int
    wait_mean_s: float | None
    wait_median_s: float | None
    wait_p90_s: float | None
    wait_within_target: float | None
    service_mean_s: float | None
    service_p90_s: float | None
    within_target: float | None
    rating_mean: float | None
    ratings: int


class StatsOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    businesses: dict[str, BusinessStats]
    total: BusinessStats
    counters: dict[str, BusinessStats] = Field(description="what each counter called, served and lost")
    clerks: dict[str, BusinessStats] = Field(description="the same per clerk (username)")
    hours: dict[str, BusinessStats] = Field(
        description='per hour of the day ("09"): arrivals, and the waits of the tickets issued then')
    recommendations: dict = Field(description="offered, accepted, uptake; by_what")
    churn: dict = Field(description="asked (to close an account), stayed, retention; by_reason")
    ratings: dict = Field(description="count, scores {1..4}, mean, satisfied (share of 3 and 4)")
    follow_ups: dict = Field(description="opened, answered, answered_in_time, open, overdue")


class RatingOut(BaseModel):
    ticket: str
    score: int


# --- enrolled devices (docs/security.md) ------------------------------------------------------
DeviceKind = Literal["kiosk", "counter_screen", "display"]


class NewDevice(Body):
    kind: DeviceKind
    target: str | None = Field(None, min_length=1, max_length=64,
                               description="the kiosk id, the counter id, or a display zone (or none)")
    name: str | None = Field(None, max_length=40)


class ApprovePairing(NewDevice):
    code: str = Field(min_length=4, max_length=16, description="the code the screen shows")


class PairingCheck(Body):
    secret: str = Field(min_length=16, max_length=128)


class DeviceOut(BaseModel):
    id: str
    kind: DeviceKind
    target: str | None
    name: str
    created_at: float
    last_seen: float | None
    revoked: bool
    online: bool


class DeviceEnrolledOut(DeviceOut):
    token: str = Field(description="the credential, shown this once")
    pair_url: str = Field(description="open on the device to pair it")


class PairingOut(BaseModel):
    code: str | None = None
    secret: str | None = None
    expires_in_s: int | None = None
    paired: bool | None = None
    device: DeviceOut | None = None
    next: str | None = None
