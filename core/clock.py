"""Time in the hall: a clock the core can be handed (tests move it) and the business day."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock tests set and advance by hand."""

    def __init__(self, start: float):
        self._t = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds

    def set(self, t: float) -> None:
        with self._lock:
            self._t = float(t)


def business_day(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).date().isoformat()


def iso(ts: float | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the hall's offset, to the second (e.g. 2026-11-25T09:30:00+08:00)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")


def day_start(day: str, tz: ZoneInfo) -> float:
    """The first instant of a business day (YYYY-MM-DD) in the hall's time zone."""
    return datetime.fromisoformat(day).replace(tzinfo=tz).timestamp()
