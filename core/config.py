"""The hall's configuration: read from TOML, validated with pydantic.

A broken file raises `ConfigError` whose message names each bad key and its problem, so
start-up can print it instead of a traceback.
"""
from __future__ import annotations

import re
import tomllib
from functools import cached_property
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic_core import PydanticCustomError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "hall.toml"

_CODE = r"^[A-Z][A-Z0-9-]{0,31}$"
_ID = r"^[A-Za-z0-9_-]{1,32}$"


class _Strict(BaseModel):
    # Unknown keys are typos in a hand-edited file: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayHours(_Strict):
    """One weekday's own hours (a Saturday's shorter day), over the hall's opening/closing."""
    opening: time
    closing: time

    @model_validator(mode="after")
    def _order(self):
        if self.closing <= self.opening:
            raise problem("closing", "closing must be later than opening", "关门时间应晚于开门时间")
        return self


class Notice(_Strict):
    """A line the wall display scrolls, from `start` to `end` (the hall's local time; unset:
    from now on, until removed). A plain string in the file is a notice without times."""
    text: str = Field(min_length=1, max_length=200)
    text_en: str = ""
    start: datetime | None = None
    end: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, v):
        return {"text": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _order(self):
        if self.start and self.end and self.end <= self.start:
            raise problem("end", "end must be later than start", "结束时间应晚于开始时间")
        return self


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
    # A weekday's own hours (1 = Monday … 7 = Sunday), where it differs from the above.
    weekday_hours: dict[int, DayHours] = {}
    # Days without issuing (core/hours.py): dates ("2026-10-01") and weekdays (1 = Monday … 7).
    closed_days: tuple[date, ...] = ()
    closed_weekdays: tuple[int, ...] = ()
    target_wait_s: int = Field(900, gt=0)
    senior_age: int = Field(65, ge=0, le=150)
    # Other ways to be served, told to a customer who cannot be served here today.
    hotline: str = "10099"
    wechat: str = ""
    notices: tuple[Notice, ...] = ()       # the wall display's scrolling line

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem("", f"unknown time zone {v!r}", f"不认识的时区 {v}(例如 Asia/Shanghai)") from None
        return v

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, v: str | None) -> str | None:
        return v.rstrip("/") if v else v

    @model_validator(mode="after")
    def _hours(self):
        if self.closing <= self.opening:
            raise problem("closing", "closing must be later than opening", "关门时间应晚于开门时间")
        bad = [d for d in self.closed_weekdays if not 1 <= d <= 7]
        if bad:
            raise problem("closed_weekdays", f"closed_weekdays {bad}: use 1 (Monday) … 7 (Sunday)",
                          "每周休息日用 1(周一)… 7(周日)表示")
        if len(set(self.closed_weekdays)) == 7:
            raise problem("closed_weekdays", "closed_weekdays closes every day of the week",
                          "不能每天都休息")
        bad = [d for d in self.weekday_hours if not 1 <= d <= 7]
        if bad:
            raise problem("weekday_hours", f"weekday_hours {bad}: use 1 (Monday) … 7 (Sunday)",
                          "按星期的营业时间用 1(周一)… 7(周日)表示")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> tuple[time, time]:
        """That day's opening and closing (its weekday's own, else the hall's)."""
        own = self.weekday_hours.get(day.isoweekday())
        return (own.opening, own.closing) if own else (self.opening, self.closing)

    def notices_at(self, at: datetime) -> list[Notice]:
        """The notices shown at `at` (aware)."""
        local = at.astimezone(self.tz).replace(tzinfo=None)
        return [n for n in self.notices if (n.start is None or n.start <= local)
                and (n.end is None or local < n.end)]


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
            raise problem("checklist_required", f"checklist_required {missing} not in checklist",
                          "必做的关键时刻应在这项业务的关键时刻里")
        if self.max_s is not None and self.target_s is not None and self.max_s < self.target_s:
            raise problem("max_s", "max_s must not be below target_s", "最长办理时长不能短于标准时长")
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
            raise problem("", "crm.url must be https:// (ID numbers travel over it)",
                          "客户系统地址须以 https:// 开头(身份证号经它传送)")
        return v


class TicketTexts(_Strict):
    """What the printed ticket says beyond its number (drivers/printer.py)."""
    header: str = Field("", max_length=40)           # under the hall's name: a slogan, a branch
    qr_caption: str = Field("扫码查看排队进度", max_length=40)
    footer: tuple[str, ...] = ("请在休息区等候,留意叫号及大屏显示",)

    @field_validator("footer")
    @classmethod
    def _short_lines(cls, v):
        if any(len(line) > 40 for line in v):
            raise problem("", "a footer line is longer than 40 characters", "每行不超过 40 个字(票宽所限)")
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
    ticket: TicketTexts = TicketTexts()

    @field_validator("counter_keys")
    @classmethod
    def _known_actions(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(a for a in v.values() if a not in COUNTER_ACTIONS)
        if bad:
            raise problem("", f"unknown counter action(s) {bad}; use {', '.join(COUNTER_ACTIONS)}",
                          f"不认识的窗口操作 {'、'.join(bad)}")
        return v

    @model_validator(mode="after")
    def _cross_refs(self):
        found = []          # (field, in English for the file, in the hall's words for the page)
        codes = [b.code for b in self.businesses]
        for dup in _duplicates(codes):
            i = len(codes) - 1 - codes[::-1].index(dup)
            found.append((f"businesses.{i}.code", f"businesses: code {dup!r} appears twice",
                          f"业务代码 {dup} 重复了"))
        for part, key, what in (("counters", "id", "窗口编号"), ("kiosks", "id", "取号机编号"),
                                ("priority_classes", "code", "优先类别代码")):
            items = [getattr(x, key) for x in getattr(self, part)]
            for dup in _duplicates(items):
                i = len(items) - 1 - items[::-1].index(dup)
                found.append((f"{part}.{i}.{key}", f"{part}: {key} {dup!r} appears twice", f"{what} {dup} 重复了"))
        for i, b in enumerate(self.businesses):
            for key in b.checklist:
                if key not in self.checklist:
                    found.append((f"businesses.{i}.checklist",
                                  f"businesses[{i}].checklist: {key!r} is not a key of [checklist]",
                                  f"关键时刻 {key} 不在关键时刻清单里"))
        for i, c in enumerate(self.counters):
            for code in c.businesses:
                if code not in codes:
                    found.append((f"counters.{i}.businesses", f"counters[{i}].businesses: unknown business {code!r}",
                                  f"没有代码为 {code} 的业务"))
            for dup in _duplicates(list(c.businesses)):
                found.append((f"counters.{i}.businesses", f"counters[{i}].businesses: {dup!r} appears twice",
                              f"业务 {dup} 列了两次"))
        counter_ids = {c.id for c in self.counters}
        for i, z in enumerate(self.zones):
            for cid in z.counters:
                if cid not in counter_ids:
                    found.append((f"zones.{i}.counters", f"zones[{i}].counters: unknown counter {cid!r}",
                                  f"没有编号为 {cid} 的窗口"))
        if self.crm.url and self.priority_class(self.crm.priority) is None:
            found.append(("crm.priority", f"crm.priority: {self.crm.priority!r} is not a code of [[priority_classes]]",
                          f"{self.crm.priority} 不是优先类别的代码"))
        if self.voice.engine == "piper" and not self.voice.piper_model:
            found.append(("voice.piper_model", "voice.piper_model: needed when voice.engine is 'piper'",
                          "使用 piper 语音时要填写语音模型文件"))
        served = {code for c in self.counters for code in c.businesses}
        for i, b in enumerate(self.businesses):
            if b.code not in served:
                found.append((f"businesses.{i}", f"businesses[{i}]: no counter serves {b.code!r}",
                              f"业务「{b.name}」没有窗口办理:请给至少一个窗口加上它"))
        if found:
            raise problems(found)
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


def problem(field: str, en: str, zh: str) -> PydanticCustomError:
    """A model's own check: in English for the file's reader, in the hall's words for the
    settings page, next to `field` (a path under the model that raised it)."""
    return problems([(field, en, zh)])


def problems(found: list[tuple[str, str, str]]) -> PydanticCustomError:
    return PydanticCustomError("hall_problem", "{en}", {
        "en": "; ".join(en for _, en, _ in found),
        "problems": [{"field": f, "zh": zh} for f, _, zh in found]})


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
