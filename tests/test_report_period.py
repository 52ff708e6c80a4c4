"""Report periods: ISO weeks, months, spans, and each kind's default."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from grouplens.errors import UsageError
from grouplens.report.kinds import get_kind
from grouplens.report.period import (
    latest_complete_month,
    latest_complete_week,
    latest_month,
    latest_week,
    parse_week,
    resolve_period,
    whole_span,
)

TZ = ZoneInfo("Asia/Shanghai")


def test_iso_weeks_are_read_and_bad_ones_rejected():
    assert parse_week("2024-W14") == date(2024, 4, 1)
    assert parse_week("2020W53") == date(2020, 12, 28)
    with pytest.raises(UsageError, match="e.g. 2024-W14"):
        parse_week("2024-14")
    with pytest.raises(UsageError, match="not a week of 2023"):
        parse_week("2023-W53")


def test_the_latest_complete_week_and_month():
    assert latest_complete_week(date(2024, 3, 1), date(2024, 4, 7)) == date(2024, 4, 1)  # ends on a Sunday
    assert latest_complete_week(date(2024, 3, 1), date(2024, 4, 9)) == date(2024, 4, 1)  # W15 has begun
    assert latest_complete_week(date(2024, 4, 9), date(2024, 4, 10)) == date(2024, 4, 8)  # no whole week
    assert latest_complete_month(date(2024, 1, 5), date(2024, 4, 7)) == "2024-03"
    assert latest_complete_month(date(2024, 4, 2), date(2024, 4, 7)) == "2024-04"


def test_each_kind_has_its_default_and_options_choose_otherwise():
    first, last = date(2024, 3, 1), date(2024, 4, 9)
    assert get_kind("weekly").default_period is latest_week and get_kind("kol").default_period is latest_month
    assert get_kind("activity").default_period is whole_span
    assert resolve_period(latest_week, first, last, TZ).week == "2024-W14"
    assert resolve_period(latest_month, first, last, TZ).month == "2024-03"
    span = resolve_period(whole_span, first, last, TZ)
    assert (span.first_day, span.last_day, span.days) == (first, last, 40)
    since = resolve_period(whole_span, first, last, TZ, since="2024-04-01")
    assert (since.first_day, since.last_day) == (date(2024, 4, 1), last)
    month = resolve_period(latest_week, first, last, TZ, month="2024-02")
    assert (month.first_day, month.last_day, month.label) == (date(2024, 2, 1), date(2024, 2, 29), "2024-02")
    assert resolve_period(whole_span, first, last, TZ, week="2024-W10").weeks() == [date(2024, 3, 4)]


def test_conflicting_or_malformed_periods_are_usage_errors():
    with pytest.raises(UsageError, match="cannot be combined"):
        resolve_period(latest_week, date(2024, 3, 1), date(2024, 4, 9), TZ, week="2024-W10", since="2024-03-01")
    with pytest.raises(UsageError, match="YYYY-MM"):
        resolve_period(latest_month, date(2024, 3, 1), date(2024, 4, 9), TZ, month="2024-13")
    with pytest.raises(UsageError, match="ends"):
        resolve_period(whole_span, date(2024, 3, 1), date(2024, 4, 9), TZ, since="2024-04-05", until="2024-04-01")
