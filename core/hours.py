"""The hall's opening hours: when tickets may be taken, and when the hall opens next.

Config (`[hall]`): `opening` / `closing` (every open day; `weekday_hours` a weekday's own), `closed_days` (dates the hall is
closed, e.g. the National Day holiday) and `closed_weekdays` (1 = Monday … 7 = Sunday). Outside
them `issue_ticket` refuses with `hall_closed` (409) and a zh-CN message naming the next opening,
for kiosks and staff alike.

Whether a hall keeps its hours is `hall.always_open`: the served hall (`create_app`) sets it to
`demo`, so a real hall keeps them and the demo takes tickets around the clock (and says so). A
bare `Hall` (the simulator, scripts, tests) has none set and is always open.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from .clock import iso
from .errors import Conflict

WEEKDAYS_ZH = "一二三四五六日"
LOOKAHEAD_DAYS = 400        # a hall closed longer than this has no next opening to name


class HallClosed(Conflict):
    """A ticket asked for outside the hall's hours (HTTP 409, code `hall_closed`)."""


def always_open(hall) -> bool:
    return bool(hall.always_open)


def _info(hall):
    return hall.config.hall


def is_open_day(info, day: date) -> bool:
    return day not in info.closed_days and day.isoweekday() not in info.closed_weekdays


def _window(info, day: date) -> tuple[datetime, datetime]:
    tz = info.tz
    opening, closing = info.hours_on(day)
    return (datetime.combine(day, opening, tz), datetime.combine(day, closing, tz))


def _hhmm(info, day: date) -> tuple[str, str]:
    return tuple(t.strftime("%H:%M") for t in info.hours_on(day))


def open_at(info, ts: float) -> bool:
    """Whether the hall takes tickets at `ts` (a Unix time)."""
    now = datetime.fromtimestamp(ts, info.tz)
    if not is_open_day(info, now.date()):
        return False
    start, end = _window(info, now.date())
    return start <= now < end


def next_opening(info, ts: float) -> datetime | None:
    """The first opening strictly after `ts` (today's, if the doors have not opened yet)."""
    now = datetime.fromtimestamp(ts, info.tz)
    for i in range(LOOKAHEAD_DAYS):
        day = now.date() + timedelta(days=i)
        if not is_open_day(info, day):
            continue
        start, _ = _window(info, day)
        if start > now:
            return start
    return None


def when_zh(info, at: datetime, ts: float) -> str:
    """今天 09:00 · 明天 09:00 · 10月8日(周四)09:00"""
    today = datetime.fromtimestamp(ts, info.tz).date()
    hm = at.strftime("%H:%M")
    if at.date() == today:
        return f"今天 {hm}"
    if at.date() == today + timedelta(days=1):
        return f"明天 {hm}"
    return f"{at.month}月{at.day}日(周{WEEKDAYS_ZH[at.weekday()]}){hm}"


def closed_message(info, ts: float) -> str:
    """「本厅营业时间 09:00–18:00,将于 明天 09:00 开始取号」"""
    now = datetime.fromtimestamp(ts, info.tz)
    opening, closing = _hhmm(info, now.date())
    hours = f"本厅营业时间 {opening}–{closing}"
    if not is_open_day(info, now.date()):
        hours += ",今日休息"
    nxt = next_opening(info, ts)
    if nxt is None:
        return hours + ",暂停取号,请咨询客服热线 " + info.hotline
    return f"{hours},将于 {when_zh(info, nxt, ts)} 开始取号"


def state(hall, with_now: bool = True) -> dict:
    """What pages need to follow the hours live (GET /api/hall `hours`, hall_state `hours`):
    open now or not, the day's hours, when it closes (while open) and when it opens next.
    `now` is the hall's clock (Unix seconds), so a page can time the switch by it (left out of
    hall_state, which stays the same from one second to the next)."""
    info = _info(hall)
    ts = hall.clock.now()
    tz = info.tz
    today = datetime.fromtimestamp(ts, tz).date()
    opening, closing = _hhmm(info, today)
    base = {"opening": opening, "closing": closing, "today": today.isoformat()}
    if with_now:
        base["now"] = ts
    if always_open(hall):
        return {"open_now": True, "always_open": True, "closed_today": False,
                "closes_at": None, "next_open": None, "message": None, **base}
    now_open = open_at(info, ts)
    nxt = next_opening(info, ts)
    return {
        "open_now": now_open,
        "always_open": False,
        "closed_today": not is_open_day(info, today),
        "closes_at": iso(_window(info, today)[1].timestamp(), tz) if now_open else None,
        "next_open": iso(nxt.timestamp(), tz) if nxt else None,
        "message": None if now_open else closed_message(info, ts),
        **base,
    }


def check_open(hall) -> None:
    """Refuse a ticket outside the hall's hours (the one hook in Hall.issue_ticket)."""
    if always_open(hall):
        return
    info = _info(hall)
    ts = hall.clock.now()
    if open_at(info, ts):
        return
    nxt = next_opening(info, ts)
    opening, closing = _hhmm(info, datetime.fromtimestamp(ts, info.tz).date())
    raise HallClosed("hall_closed", closed_message(info, ts),
                     next_open=iso(nxt.timestamp(), info.tz) if nxt else None,
                     opening=opening, closing=closing)
