"""What every report of one group starts from: the period, and the messages around it.

Weekly comparisons and member layers need weeks before the period (was this member core last
month? how busy was the group at its peak?), and answer times need a little after it, so the
context loads a wider window than the period and each analysis slices what it needs. Local
day, ISO week, weekday and hour are computed once here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..analysis.engagement import reply_structure
from ..analysis.group import GroupData, load_group, with_classes
from ..config import Config
from ..progress import phase
from ..replies.threads import ReplyStructure
from ..store.store import Store
from .people import People
from .period import Period, local_midnight, week_label, week_monday

# Columns the context adds to the speech (local time of each message).
DAY = "local_day"  # local midnight, naive
WEEK = "week_start"  # Monday of the ISO week, local midnight, naive
WEEKDAY = "local_weekday"  # 0 = Monday
HOUR = "local_hour"


def lookback_weeks(config: Config) -> int:
    """Whole weeks of history loaded before the period's first week."""
    m, lc = config.members, config.lifecycle
    return max(m.core_window_weeks, m.churn_weeks + 1, max(m.retention_weeks), lc.reference_weeks) + 1


@dataclass
class ReportContext:
    """A group's data around a period, prepared for the report analyses."""

    data: GroupData  # the loaded window, message classes added
    period: Period
    people: People
    first_day: date  # local days of the group's first and last stored message
    last_day: date
    group_start: pd.Timestamp  # UTC: the earliest join or message known
    lang: str = "zh"  # the language of sentences the analyses write (reasons, alerts)
    member: str | None = None  # the member id a member's page is about
    speech: pd.DataFrame = field(init=False)
    cache: dict[str, Any] = field(default_factory=dict)  # results analyses share (e.g. the layer table)

    def __post_init__(self) -> None:
        self.speech = with_local_time(self.data.speech.reset_index(drop=True), self.period.tz)

    @property
    def config(self) -> Config:
        return self.data.config

    @property
    def members(self) -> pd.DataFrame:
        return self.data.members

    @cached_property
    def replies(self) -> ReplyStructure:
        """Who answers whom in the window's speech (positions match ``speech`` rows)."""
        rs = reply_structure(self.data, self.config.engagement)
        assert len(rs) == len(self.speech)
        phase("sections")  # back to the report's own figures
        return rs

    @property
    def data_end(self) -> pd.Timestamp:
        """The instant after the last stored day (local midnight), UTC."""
        return pd.Timestamp(local_midnight(self.last_day + timedelta(days=1), self.period.tz))

    def in_period(self, frame: pd.DataFrame, period: Period | None = None) -> pd.Series:
        p = period or self.period
        return (frame[S.TS] >= p.start) & (frame[S.TS] < p.end)

    def message_weeks(self) -> list[str]:
        """Every ISO week (``2024-W14``) in which the group has members' messages, from the whole
        store rather than the loaded window."""
        t = self.data.store.message_table(self.data.group_id, [S.TS, S.SENDER_ID, S.KIND]).to_pandas()
        speech = t[t[S.SENDER_ID].notna() & ~t[S.KIND].isin(S.EVENT_KINDS)]
        local = with_local_time(speech[[S.TS]], self.period.tz)
        return [week_label(d.date()) for d in sorted(local[WEEK].unique())]

    def covered_days(self, first: date, last: date) -> int:
        """Days of ``first``…``last`` that lie within the stored data (for rates per day)."""
        lo, hi = max(first, self.first_day), min(last, self.last_day)
        return max((hi - lo).days + 1, 0)


def with_local_time(frame: pd.DataFrame, tz) -> pd.DataFrame:
    """``frame`` with local day, ISO-week Monday, weekday and hour columns."""
    local = frame[S.TS].dt.tz_convert(tz)
    day = local.dt.tz_localize(None).dt.normalize()
    out = frame.copy()
    out[DAY] = day
    out[WEEKDAY] = local.dt.day_of_week.astype(np.int64)
    out[WEEK] = day - pd.to_timedelta(out[WEEKDAY], unit="D")
    out[HOUR] = local.dt.hour.astype(np.int64)
    return out


def present_at(members: pd.DataFrame, instant: pd.Timestamp) -> pd.Series:
    """Which members were in the group at ``instant``. A member with no known join time counts
    as present from the start; one with no leave time as present to the end."""
    joined, left = members[S.JOINED_AT], members[S.LEFT_AT]
    return (joined.isna() | (joined < instant)) & (left.isna() | (left >= instant))


def known_during(members: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, speakers: Iterable[str]) -> int:
    """How many members the group had in [start, end): those in it at some moment of the span
    (listed or joined, not yet left) and everyone who spoke in it. Every speaker counts, so
    speakers ÷ this is never above 1."""
    joined, left = members[S.JOINED_AT], members[S.LEFT_AT]
    present = (joined.isna() | (joined < end)) & (left.isna() | (left >= start))
    return len(set(members.loc[present, S.MEMBER_ID].astype(str)) | {str(s) for s in speakers})


def load_context(store: Store, group: str | None, period: Period, config: Config, lang: str = "zh", *,
                 extra_weeks: int = 0) -> ReportContext:
    """Load the group's messages from ``lookback_weeks`` (plus ``extra_weeks``) before the period
    to a little after it (for answers that come after the period ends), with message classes."""
    first_monday = week_monday(period.first_day) - timedelta(weeks=lookback_weeks(config) + extra_weeks)
    since = local_midnight(first_monday, period.tz)
    after = timedelta(hours=config.report.answer_window_hours)
    until = period.end + after - timedelta(microseconds=1)  # load_group's bound is inclusive
    data = with_classes(load_group(store, group, since, until, tz=period.tz, config=config))
    return context_for(data, period, store, lang)


def context_for(data: GroupData, period: Period, store: Store, lang: str = "zh") -> ReportContext:
    row = store.groups().set_index(S.GROUP_ID).loc[data.group_id]
    first_ts, last_ts = pd.Timestamp(row[S.FIRST_TS]), pd.Timestamp(row[S.LAST_TS])
    joins = data.members[S.JOINED_AT].dropna()
    start = min(first_ts, joins.min()) if len(joins) else first_ts
    return ReportContext(data=data, period=period, people=People(data.members, store.salt),
                         first_day=first_ts.tz_convert(period.tz).date(), last_day=last_ts.tz_convert(period.tz).date(),
                         group_start=start, lang=lang)
