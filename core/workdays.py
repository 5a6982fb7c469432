"""Due dates in Chinese working days: weekends, public holidays and the make-up working days
(调休) the State Council announces each year, from the chinese-calendar package.

The package knows the years published when it was released. For a later year the hall still
gives a date, counting Monday to Friday, and says so, so that a person checks it.
"""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_working_day(d: date) -> tuple[bool, bool]:
    """(working day?, known from the official calendar?)."""
    try:
        return chinese_calendar.is_workday(d), True
    except NotImplementedError:
        return d.weekday() < 5, False


def add_working_days(start: date, days: int) -> tuple[date, str | None]:
    """The day `days` working days after `start` (start itself not counted), and a zh-CN
    warning when part of the count could not use the official holiday calendar."""
    if days < 1:
        raise ValueError("days must be at least 1")
    d, counted, unknown_years = start, 0, set()
    while counted < days:
        d += timedelta(days=1)
        working, known = is_working_day(d)
        if not known:
            unknown_years.add(d.year)
        if working:
            counted += 1
    warning = None
    if unknown_years:
        years = "、".join(str(y) for y in sorted(unknown_years))
        warning = f"{years} 年的法定节假日安排尚未收录,按周一至周五计算,请人工核对回复期限"
    return d, warning
