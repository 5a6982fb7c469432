"""Due dates in Chinese working days (core/workdays.py) on chinese_calendar's published data."""
from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from core.workdays import add_working_days, is_working_day

KNOWN_2026 = date(2026, 2, 16) in chinese_calendar.holidays


def test_the_installed_calendar_knows_2025_national_day():
    # The data the tests below rely on (State Council notice for 2025).
    for d in range(1, 9):
        assert chinese_calendar.is_holiday(date(2025, 10, d))
    assert chinese_calendar.is_workday(date(2025, 9, 28))      # a Sunday, 调休
    assert chinese_calendar.is_workday(date(2025, 10, 11))     # a Saturday, 调休


@pytest.mark.parametrize("day,expected", [
    (date(2025, 9, 28), (True, True)),      # Sunday make-up working day
    (date(2025, 10, 11), (True, True)),     # Saturday make-up working day
    (date(2025, 10, 6), (False, True)),     # Monday in the National Day holiday
    (date(2025, 10, 9), (True, True)),      # Thursday after it
    (date(2025, 10, 12), (False, True)),    # an ordinary Sunday
    (date(2027, 1, 1), (True, False)),      # unknown year: a Friday counts as working
    (date(2027, 1, 2), (False, False)),     # unknown year: a Saturday does not
    (date(2003, 6, 2), (True, False)),      # before the package's data too
])
def test_is_working_day(day, expected):
    assert is_working_day(day) == expected


@pytest.mark.parametrize("start,days,due", [
    (date(2025, 9, 26), 1, date(2025, 9, 28)),    # Fri → the make-up Sunday
    (date(2025, 9, 26), 2, date(2025, 9, 29)),
    (date(2025, 9, 29), 1, date(2025, 9, 30)),
    (date(2025, 9, 30), 1, date(2025, 10, 9)),    # over the whole Oct 1–8 holiday
    (date(2025, 9, 30), 2, date(2025, 10, 10)),
    (date(2025, 9, 30), 3, date(2025, 10, 11)),   # the make-up Saturday counts
    (date(2025, 9, 30), 4, date(2025, 10, 13)),   # Sunday 12th does not
    (date(2025, 10, 3), 1, date(2025, 10, 9)),    # opened on a holiday
    (date(2025, 11, 26), 3, date(2025, 12, 1)),   # an ordinary weekend
])
def test_add_working_days_over_national_day_2025(start, days, due):
    assert add_working_days(start, days) == (due, None)


@pytest.mark.skipif(not KNOWN_2026, reason="the installed chinese_calendar has no 2026 data")
@pytest.mark.parametrize("start,days,due", [
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # Fri → the make-up Saturday
    (date(2026, 2, 13), 2, date(2026, 2, 24)),    # Feb 15–23 Spring Festival
    (date(2026, 2, 12), 3, date(2026, 2, 24)),
    (date(2026, 2, 27), 1, date(2026, 2, 28)),    # the second make-up Saturday
    (date(2026, 2, 27), 2, date(2026, 3, 2)),
    (date(2026, 9, 30), 1, date(2026, 10, 8)),    # National Day 2026 (Oct 1–7)
])
def test_add_working_days_over_spring_festival_2026(start, days, due):
    assert add_working_days(start, days) == (due, None)


def test_fixed_line_gets_three_working_days_and_mobile_two(config):
    fixed, mobile = config.business("F-NEW"), config.business("M-NEW")
    assert config.after_service.follow_up_days == {"fixed": 3, "mobile": 2}
    assert config.follow_up_days(fixed) == 3 and config.follow_up_days(mobile) == 2
    # The query businesses set it themselves, to the same values.
    assert config.follow_up_days(config.business("F-QUERY")) == 3
    assert config.follow_up_days(config.business("M-QUERY")) == 2
    opened = date(2025, 9, 30)
    assert add_working_days(opened, config.follow_up_days(fixed)) == (date(2025, 10, 11), None)
    assert add_working_days(opened, config.follow_up_days(mobile)) == (date(2025, 10, 10), None)


def test_an_unknown_year_counts_monday_to_friday_and_warns():
    due, warning = add_working_days(date(2027, 3, 5), 1)       # Friday
    assert due == date(2027, 3, 8)                              # Monday
    assert warning is not None and "2027" in warning and "周一至周五" in warning
    assert "人工核对" in warning


def test_crossing_into_an_unknown_year_warns_about_that_year_only():
    # Thu Dec 31 2026 is known; Fri Jan 1 2027 is counted as working (it will be a holiday).
    due, warning = add_working_days(date(2026, 12, 30), 3)
    assert due == date(2027, 1, 4)
    assert warning is not None and "2027" in warning and "2026" not in warning


def test_no_warning_when_the_unknown_year_is_not_reached():
    assert add_working_days(date(2026, 12, 29), 2) == (date(2026, 12, 31), None)


@pytest.mark.parametrize("days", [0, -1, -10])
def test_days_must_be_at_least_one(days):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 9, 30), days)
