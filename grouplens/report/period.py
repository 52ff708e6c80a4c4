"""The period a report covers: an ISO week, a calendar month, or a span of days, in local time.

Operators think in weeks (the weekly review) and months (the monthly ranking), so a period is
always a whole number of local days, and reports are broken down by ISO week (Monday to
Sunday). Bounds are kept both as local dates (for labels) and as UTC instants (for reading
the store).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ..errors import UsageError

_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """Local days ``first_day`` … ``last_day`` (inclusive) in ``tz``; ``label`` names it."""

    first_day: date
    last_day: date
    tz: ZoneInfo
    label: str
    week: str | None = None  # the ISO week, when the period is exactly one
    month: str | None = None  # YYYY-MM, when the period is exactly one calendar month

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise UsageError(f"the period ends ({self.last_day}) before it starts ({self.first_day})")

    @property
    def start(self) -> datetime:
        """The first instant of the period, UTC."""
        return local_midnight(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        """The instant after the period, UTC (exclusive)."""
        return local_midnight(self.last_day + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def weeks(self) -> list[date]:
        """The Monday of every ISO week the period touches, in order."""
        monday = week_monday(self.first_day)
        out = []
        while monday <= self.last_day:
            out.append(monday)
            monday += timedelta(days=7)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(),
                "days": self.days, "week": self.week, "month": self.month, "tz": str(self.tz),
                "start": self.start.astimezone(self.tz).isoformat(), "end": self.end.astimezone(self.tz).isoformat()}


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """The ISO week of a day, e.g. ``2024-W14``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2024-W14`` (or ``2024W14``)."""
    m = _WEEK.match(text.strip())
    if not m:
        raise UsageError(f"cannot read week {text!r}; write it as an ISO week, e.g. 2024-W14")
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise UsageError(f"{text!r} is not a week of {m.group(1)} (ISO weeks run from W01 to W52 or W53)") from None


def week_period(monday: date, tz: ZoneInfo) -> Period:
    return Period(monday, monday + timedelta(days=6), tz, week_label(monday), week=week_label(monday))


def month_period(text: str, tz: ZoneInfo) -> Period:
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UsageError(f"cannot read month {text!r}; write it as YYYY-MM, e.g. 2024-03")
    first = date(int(m.group(1)), int(m.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    label = f"{first.year}-{first.month:02d}"
    return Period(first, following - timedelta(days=1), tz, label, month=label)


def span_period(first: date, last: date, tz: ZoneInfo) -> Period:
    label = f"{first.isoformat()}…{last.isoformat()}" if first != last else first.isoformat()
    return Period(first, last, tz, label)


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"cannot read {option} {text!r}; use YYYY-MM-DD") from None


def local_day(ts: datetime | pd.Timestamp, tz: ZoneInfo) -> date:
    return pd.Timestamp(ts).tz_convert(tz).date()


def latest_complete_week(first_day: date, last_day: date) -> date:
    """The Monday of the last ISO week the data covers to its Sunday; the week of the last day
    when the data covers no whole week. The weekly review looks back at a finished week."""
    monday = week_monday(last_day)
    if last_day - monday < timedelta(days=6) and monday - timedelta(days=7) >= week_monday(first_day):
        return monday - timedelta(days=7)
    return monday


def latest_complete_month(first_day: date, last_day: date) -> str:
    """``YYYY-MM`` of the last calendar month the data covers to its end; the month of the last
    day when the data covers no whole month (the monthly ranking looks back at a month)."""
    month_start = last_day.replace(day=1)
    following = date(month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1)
    if last_day < following - timedelta(days=1):
        previous = month_start - timedelta(days=1)
        if previous.replace(day=1) >= first_day.replace(day=1):
            month_start = previous.replace(day=1)
    return f"{month_start.year}-{month_start.month:02d}"


def whole_span(first_day: date, last_day: date, tz: ZoneInfo) -> Period:
    """Every stored day: the default period of most report kinds."""
    return span_period(first_day, last_day, tz)


def latest_week(first_day: date, last_day: date, tz: ZoneInfo) -> Period:
    """The latest complete ISO week: the weekly review's default."""
    return week_period(latest_complete_week(first_day, last_day), tz)


def latest_month(first_day: date, last_day: date, tz: ZoneInfo) -> Period:
    """The latest complete calendar month: the monthly ranking's default."""
    return month_period(latest_complete_month(first_day, last_day), tz)


def resolve_period(default: Callable[[date, date, ZoneInfo], Period], first_day: date, last_day: date,
                   tz: ZoneInfo, *, week: str | None = None, month: str | None = None, since: str | None = None,
                   until: str | None = None) -> Period:
    """The period a report covers, from the options given, else the kind's ``default``
    (``whole_span``, ``latest_week`` or ``latest_month``, from the kind's record).

    ``first_day``/``last_day`` are the local days of the group's first and last message.
    """
    chosen = [name for name, v in (("--week", week), ("--month", month)) if v]
    if since or until:
        chosen.append("--since/--until")
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be combined; choose one way to give the period")
    if week:
        return week_period(parse_week(week), tz)
    if month:
        return month_period(month, tz)
    if since or until:
        first = parse_day(since, "--since") if since else first_day
        last = parse_day(until, "--until") if until else last_day
        return span_period(first, last, tz)
    return default(first_day, last_day, tz)
