"""The hall's configuration: read from TOML, validated with pydantic.

A broken file raises `ConfigError` whose message names each bad key and its problem, so
start-up can print it instead of a traceback.
"""
from __future__ import annotations

import re
import tomllib
from functools import cached_property
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "hall.toml"

_CODE = r"^[A-Z][A-Z0-9-]{0,31}$"
_ID = r"^[A-Za-z0-9_-]{1,32}$"


class _Strict(BaseModel):
    # Unknown keys are typos in a hand-edited file: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class HallInfo(_Strict):
    name: str = Field(min_length=1)
    name_en: str = ""
    # Names the hall in the company's central copy (run.py sync): unique per company.
    code: str = Field("hall", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
    # None: run.py uses this machine's LAN address and port at start-up.
    public_url: str | None = Field(None, pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    timezone: str = "Asia/Shanghai"
    opening: time = time(9, 0)
    closing: time = time(18, 0)
    # Days without issuing (core/hours.py): dates ("2026-10-01") and weekdays (1 = Monday … 7).
    closed_days: tuple[date, ...] = ()
    closed_weekdays: tuple[int, ...] = ()
    target_wait_s: int = Field(900, gt=0)
    senior_age: int = Field(65, ge=0, le=150)
    # Other ways to be served, told to a customer who cannot be served here today.
    hotline: str = "10099"
    wechat: str = ""
    notices: tuple[str, ...] = ()          # the wall display's scrolling line

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, v: str | None) -> str | None:
        return v.rstrip("/") if v else v

    @model_validator(mode="after")
    def _hours(self):
        if self.closing <= self.opening:
            raise ValueError("closing must be later than opening")
        bad = [d for d in self.closed_weekdays if not 1 <= d <= 7]
        if bad:
            raise ValueError(f"closed_weekdays {bad}: use 1 (Monday) … 7 (Sunday)")
        if len(set(self.closed_weekdays)) == 7:
            raise ValueError("closed_weekdays closes every day of the week")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Routing(_Strict):
    starvation_cap_s: int = Field(600, gt=0)
    estimate_window: int = Field(200, ge=2)
    estimate_horizon_s: int = Field(3600, gt=0)
    repeat_call_s: float = Field(2.0, ge=0, le=30)   # a second call-next this soon changes nothing
    no_show_undo_s: int = Field(60, ge=0, le=600)    # a no-show can be undone this long after
    # A customer who missed their call, brought back (过号重排): placed after this many of the
    # tickets then waiting in its line, at most `requeue_limit` times a ticket, the same day.
    requeue_after: int = Field(3, ge=0, le=50)
    requeue_limit: int = Field(1, ge=0, le=10)
    # A customer who steps away from the window (to fetch a document, to pay) is parked there:
    # the clerk calls them back ahead of the line, or after `park_return_s` the ticket is back
    # in line by itself, first for that counter. At most `park_limit` at a counter (0: none).
    park_return_s: int = Field(900, ge=60, le=4 * 3600)
    park_limit: int = Field(3, ge=0, le=20)
    # Why a clerk may call a chosen ticket out of order (logged with who and why).
    call_reasons: tuple[str, ...] = ("客户已到窗口", "预约客户", "特殊群体优先", "导购安排", "业务衔接", "其他")


class PriorityClass(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1)
    name_en: str = ""
    rank: int = Field(1, ge=0)
    min_age: int | None = Field(None, ge=0, le=150)


class Business(_Strict):
    code: str = Field(pattern=_CODE)
    line: Literal["fixed", "mobile"]
    name: str = Field(min_length=1)
    name_en: str = ""
    hint: str = ""                 # one line in the customer's words, under the kiosk button
    hint_en: str = ""
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    target_s: int | None = Field(None, gt=0)
    max_s: int | None = Field(None, gt=0)
    id_required: bool
    self_service: bool
    follow_up_days: int | None = Field(None, ge=1, le=30)
    checklist: tuple[str, ...] = ()
    # Key moments that must be ticked before the clerk may finish (a subset of `checklist`).
    checklist_required: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _max_over_target(self):
        missing = [k for k in self.checklist_required if k not in self.checklist]
        if missing:
            raise ValueError(f"checklist_required {missing} not in checklist")
        if self.max_s is not None and self.target_s is not None and self.max_s < self.target_s:
            raise ValueError("max_s must not be below target_s")
        return self


class Counter(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    businesses: tuple[str, ...] = Field(min_length=1)
    # A serial call pad: a port (or `mock`), the pad's id on that line (default: the counter id).
    callpad: str | None = None
    callpad_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,16}$")
    callpad_baud: int = Field(9600, gt=0)


class Kiosk(_Strict):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    # A serial device path, a pyserial URL (socket://10.1.2.3:9100), or `mock` (demo only).
    printer: str | None = None
    printer_baud: int = Field(9600, gt=0)
    idcard: str | None = None
    idcard_baud: int = Field(115200, gt=0)
    # A kiosk PC whose devices are run by a device agent (run.py agent) leaves printer and
    # idcard out; the agent proves itself with the kiosk's enrolled credential (run.py devices).
    agent_key: str | None = None

    @field_validator("agent_key")
    @classmethod
    def _no_key_here(cls, v):
        if v is not None:     # a secret does not belong in the config: the device model holds it
            raise ValueError("agent_key is no longer read: enrol the kiosk (run.py devices add kiosk "
                             "<id>) and give its agent that credential (run.py agent --key)")
        return v


COUNTER_ACTIONS = ("call-next", "recall", "start", "finish", "no-show", "pause", "resume", "transfer",
                   "park", "call")
# A USB call pad that types keys (a keyboard wedge) reaches the counter page through these
# shortcuts: key name (as the browser's KeyboardEvent.key reports it) → counter action.
DEFAULT_COUNTER_KEYS = {"F1": "call-next", "F2": "recall", "F3": "no-show", "F4": "start",
                        "F5": "finish", "F6": "pause"}


class Voice(_Strict):
    """How the wall display announces calls: rendered on the server, offline."""
    engine: Literal["espeak-ng", "piper", "browser"] = "espeak-ng"
    piper_model: str | None = None        # a .onnx voice file for piper-tts
    repeat: int = Field(2, ge=1, le=3)    # each call said this many times
    english: bool = False                 # also say it in English
    speed: int = Field(165, ge=80, le=300)
    # The rendered announcements on disk (var/voice/) are capped: oldest out first.
    cache_mb: int = Field(64, ge=1, le=4096)


class AfterService(_Strict):
    """What the counter records after service (SPEC §3 flows 4, 6, 7): the lists it offers."""
    # A query not answerable on the spot is answered within this many Chinese working days.
    follow_up_days: dict[Literal["fixed", "mobile"], int] = {"fixed": 3, "mobile": 2}
    recommendations: tuple[str, ...] = ()
    churn_reasons: tuple[str, ...] = ("其他",)
    retention_offers: tuple[str, ...] = ()


class Alerts(_Strict):
    """When the floor is told that something needs a person (raised by the server, kept in the
    event log, shown on the guide's tablet and the manager's page until acknowledged)."""
    wait_s: int = Field(1200, gt=0)       # a ticket waiting longer than this
    queue_length: int = Field(15, gt=0)   # more than this many waiting for one business
    pause_s: int = Field(900, gt=0)       # a counter paused longer than this
    called_s: int = Field(180, gt=0)      # a customer called and not started longer than this
    check_s: float = Field(5.0, gt=0, le=60)   # how often the server looks


class Zone(_Strict):
    """A part of the hall with its own display (/display?zone=<id>)."""
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    counters: tuple[str, ...] = Field(min_length=1)


class Backup(_Strict):
    """The nightly online copy of the hall's database (docs: README, "Backups")."""
    dir: str = "backups"           # a folder; relative paths are beside the database file
    at: time = time(2, 0)          # the hall's local time, after the day's end
    keep: int = Field(14, ge=1, le=3650)   # how many nightly copies are kept


class Remote(_Strict):
    """Tickets taken without a kiosk or staff, e.g. from a phone on the hall's Wi-Fi (off unless
    the hall enables them): at most this many per source (an address) and day."""
    tickets: bool = False
    per_source_per_day: int = Field(2, ge=1, le=50)


class Crm(_Strict):
    """The operator's own customer service, asked for a customer's star level (星级客户) when a
    card is read at a kiosk: over HTTPS, within `timeout_s`, the ID number in the request's body
    (never in a URL, never logged). Its bearer token is read from the environment variable
    `token_env`, never from this file. Empty `url`: no look-up; "mock": the demo's mock CRM
    (drivers/mock/crm.py). The hall works the same while it
    is down (no star priority, a device alert); drivers/crm.py asks it."""
    url: str = ""
    timeout_s: float = Field(0.8, gt=0, le=5)
    ca_file: str = ""              # the operator's CA (PEM); empty: the system's
    token_env: str = Field("HALL_CRM_TOKEN", pattern=r"^[A-Z_][A-Z0-9_]{0,63}$")
    star_min: int = Field(4, ge=1, le=7)        # this level and above get `priority`
    priority: str = "star"
    retry_after_s: int = Field(30, ge=1, le=3600)   # after a failure, not asked again for this long

    @field_validator("url")
    @classmethod
    def _https(cls, v: str) -> str:
        if v and v != "mock" and not v.startswith("https://"):
            raise ValueError("crm.url must be https:// (ID numbers travel over it)")
        return v


class IdleTimeouts(_Strict):
    """Minutes without a request after which a role's session ends: long for the counter and the
    floor (a clerk serves for hours without touching the screen), short for the powerful roles."""
    clerk: int = Field(480, ge=1, le=1440)
    guide: int = Field(480, ge=1, le=1440)
    manager: int = Field(120, ge=1, le=1440)
    admin: int = Field(30, ge=1, le=1440)


class Security(_Strict):
    """How long staff sessions last (docs/security-sessions.md)."""
    session_hours: float = Field(12, gt=0, le=24)     # from sign-in; use does not extend it
    idle_timeout_min: IdleTimeouts = IdleTimeouts()


class HallConfig(_Strict):
    hall: HallInfo
    routing: Routing = Routing()
    priority_classes: tuple[PriorityClass, ...] = ()
    checklist: dict[str, str] = {}
    businesses: tuple[Business, ...] = Field(min_length=1)
    counters: tuple[Counter, ...] = Field(min_length=1)
    kiosks: tuple[Kiosk, ...] = ()
    counter_keys: dict[str, str] = DEFAULT_COUNTER_KEYS
    voice: Voice = Voice()
    zones: tuple[Zone, ...] = ()
    after_service: AfterService = AfterService()
    alerts: Alerts = Alerts()
    backup: Backup = Backup()
    security: Security = Security()
    remote: Remote = Remote()
    crm: Crm = Crm()

    @field_validator("counter_keys")
    @classmethod
    def _known_actions(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(a for a in v.values() if a not in COUNTER_ACTIONS)
        if bad:
            raise ValueError(f"unknown counter action(s) {bad}; use {', '.join(COUNTER_ACTIONS)}")
        return v

    @model_validator(mode="after")
    def _cross_refs(self):
        problems = []
        codes = [b.code for b in self.businesses]
        for dup in _duplicates(codes):
            problems.append(f"businesses: code {dup!r} appears twice")
        for dup in _duplicates([c.id for c in self.counters]):
            problems.append(f"counters: id {dup!r} appears twice")
        for dup in _duplicates([k.id for k in self.kiosks]):
            problems.append(f"kiosks: id {dup!r} appears twice")
        for dup in _duplicates([p.code for p in self.priority_classes]):
            problems.append(f"priority_classes: code {dup!r} appears twice")
        for i, b in enumerate(self.businesses):
            for key in b.checklist:
                if key not in self.checklist:
                    problems.append(f"businesses[{i}].checklist: {key!r} is not a key of [checklist]")
        for i, c in enumerate(self.counters):
            for code in c.businesses:
                if code not in codes:
                    problems.append(f"counters[{i}].businesses: unknown business {code!r}")
            for dup in _duplicates(list(c.businesses)):
                problems.append(f"counters[{i}].businesses: {dup!r} appears twice")
        counter_ids = {c.id for c in self.counters}
        for i, z in enumerate(self.zones):
            for cid in z.counters:
                if cid not in counter_ids:
                    problems.append(f"zones[{i}].counters: unknown counter {cid!r}")
        if self.crm.url and self.priority_class(self.crm.priority) is None:
            problems.append(f"crm.priority: {self.crm.priority!r} is not a code of [[priority_classes]]")
        if self.voice.engine == "piper" and not self.voice.piper_model:
            problems.append("voice.piper_model: needed when voice.engine is 'piper'")
        served = {code for c in self.counters for code in c.businesses}
        for i, b in enumerate(self.businesses):
            if b.code not in served:
                problems.append(f"businesses[{i}]: no counter serves {b.code!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups the core uses all the time.
    def business(self, code: str) -> Business | None:
        return self._by_code.get(code)

    def counter(self, counter_id: str) -> Counter | None:
        return self._by_counter.get(counter_id)

    def kiosk(self, kiosk_id: str) -> Kiosk | None:
        return next((k for k in self.kiosks if k.id == kiosk_id), None)

    def zone(self, zone_id: str) -> Zone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    def follow_up_days(self, business: Business) -> int:
        return business.follow_up_days or self.after_service.follow_up_days.get(business.line, 3)

    @staticmethod
    def asks_retention(business: Business) -> bool:
        """Account closing (销户/销号) businesses carry the retention key moment."""
        return "retention" in business.checklist

    def priority_class(self, code: str) -> PriorityClass | None:
        return next((p for p in self.priority_classes if p.code == code), None)

    def counters_serving(self, business: str) -> list[Counter]:
        return [c for c in self.counters if business in c.businesses]

    def age_priority(self, age: int) -> PriorityClass | None:
        """The best class an ID card's age grants, if any (the senior green channel)."""
        granted = [p for p in self.priority_classes if p.min_age is not None and age >= p.min_age]
        return min(granted, key=lambda p: p.rank, default=None)

    @cached_property
    def _by_code(self) -> dict[str, Business]:
        return {b.code: b for b in self.businesses}

    @cached_property
    def _by_counter(self) -> dict[str, Counter]:
        return {c.id: c for c in self.counters}

    @cached_property
    def _priority_ranks(self) -> dict[str, int]:
        return {p.code: p.rank for p in self.priority_classes}

    def priority_rank(self, code: str | None) -> int | None:
        return self._priority_ranks.get(code) if code is not None else None


def _duplicates(items: list[str]) -> list[str]:
    seen, dups = set(), []
    for item in items:
        if item in seen and item not in dups:
            dups.append(item)
        seen.add(item)
    return dups


def _describe(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = _dotted(e["loc"])
        msg = re.sub(r"^Value error, ", "", e["msg"])
        lines.append(f"  {key or '(top level)'}: {msg}")
    return "\n".join(lines)


def _dotted(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_config(path: str | Path | None = None) -> HallConfig:
    """Read and validate the hall's TOML; raise ConfigError with a readable message."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return parse_config(raw, source=str(path))


def parse_config(raw: dict, source: str = "config") -> HallConfig:
    try:
        return HallConfig.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(f"{source}: the configuration has problems:\n{_describe(e)}") from None
