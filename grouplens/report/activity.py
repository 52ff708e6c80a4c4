"""Activity: how much a group talks, when, how many of its members take part, and how evenly.

Counts are of members' messages (speech): platform notices, joins, recalls and pats are left
out. DAU is the mean number of members speaking per day of the period; WAU and MAU count the
members who spoke in the 7 and 30 days up to the period's end (history before the period
included), as operators' dashboards do. The members of a period are those in the group at some
moment of it and everyone who spoke in it, so participation (speakers ÷ members) is never above
100%.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from .common import day_text, gini, member_rows, ratio, rounded, week_text
from .context import DAY, HOUR, WEEK, WEEKDAY, ReportContext, known_during
from .period import Period, local_midnight

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def activity_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``activity`` report's data for ``period`` (the context's period by default)."""
    period = period or ctx.period
    speech = ctx.speech[ctx.in_period(ctx.speech, period)]
    end = min(pd.Timestamp(period.end), ctx.data_end)
    counts = speech.groupby(S.SENDER_ID).size().sort_values(ascending=False, kind="stable")
    members_now = known_during(ctx.members, pd.Timestamp(period.start), end, counts.index)
    days = _covered_days(ctx, period)
    top = ctx.config.report.top
    daily = daily_series(speech, ctx.members, days, period.tz)
    speakers = int(counts.size)
    history = ctx.speech[ctx.speech[S.TS] < end]
    totals = {
        "messages": len(speech),
        "speakers": speakers,
        "members": members_now,
        "participation_rate": ratio(speakers, members_now),
        "days": len(days),
        "messages_per_day": rounded(len(speech) / len(days)) if days else None,
        "messages_per_speaker_per_day": rounded(len(speech) / speakers / len(days)) if days and speakers else None,
        "dau": rounded(float(np.mean([d["speakers"] for d in daily]))) if daily else None,
        "wau": int(history.loc[history[S.TS] >= end - timedelta(days=7), S.SENDER_ID].nunique()),
        "mau": int(history.loc[history[S.TS] >= end - timedelta(days=30), S.SENDER_ID].nunique()),
        "joins": int(sum(d["joins"] for d in daily)),
        "leaves": int(sum(d["leaves"] for d in daily)),
    }
    return {
        "totals": totals,
        "daily": daily,
        "weekly": weekly_series(ctx, period, speech),
        "heatmap": heatmap(speech),
        "kinds": kinds_mix(speech),
        "top_talkers": member_rows(ctx.people, counts.index[:top], messages=counts.to_numpy()[:top],
                                   share=[ratio(c, len(speech)) for c in counts.to_numpy()[:top]],
                                   active_days=speech.groupby(S.SENDER_ID)[DAY].nunique().reindex(counts.index[:top])
                                   .to_numpy(), staff=[ctx.people.is_staff(m) for m in counts.index[:top]]),
        "concentration": {"top5_share": ratio(counts.head(5).sum(), len(speech)), "gini": gini(counts.to_numpy()),
                          "speakers": speakers},
    }


def _covered_days(ctx: ReportContext, period: Period) -> list[pd.Timestamp]:
    first, last = max(period.first_day, ctx.first_day), min(period.last_day, ctx.last_day)
    if last < first:
        return []
    return list(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D"))


def daily_series(speech: pd.DataFrame, members: pd.DataFrame, days: list[pd.Timestamp], tz) -> list[dict[str, Any]]:
    """Per local day: messages, distinct speakers, members who joined and left."""
    index = pd.DatetimeIndex(days)
    messages = speech.groupby(DAY).size().reindex(index, fill_value=0)
    speakers = speech.groupby(DAY)[S.SENDER_ID].nunique().reindex(index, fill_value=0)
    joins = _per_day(members[S.JOINED_AT], tz).reindex(index, fill_value=0)
    leaves = _per_day(members[S.LEFT_AT], tz).reindex(index, fill_value=0)
    return [{"date": day_text(d), "messages": int(m), "speakers": int(s), "joins": int(j), "leaves": int(lv)}
            for d, m, s, j, lv in zip(index, messages, speakers, joins, leaves)]


def _per_day(times: pd.Series, tz) -> pd.Series:
    t = times.dropna()
    if t.empty:
        return pd.Series(dtype=np.int64)
    return t.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().value_counts()


def weekly_series(ctx: ReportContext, period: Period, speech: pd.DataFrame) -> list[dict[str, Any]]:
    """Per ISO week the period touches: messages, speakers (WAU), members (in the group at some
    moment of the week, or speaking in it), participation and messages a day over the days the
    period and the data cover."""
    rows = []
    for monday in period.weeks():
        sunday = monday + timedelta(days=6)
        days = ctx.covered_days(max(monday, period.first_day), min(sunday, period.last_day))
        week = speech[speech[WEEK] == pd.Timestamp(monday)]
        end = min(pd.Timestamp(local_midnight(sunday + timedelta(days=1), period.tz)), ctx.data_end)
        start = pd.Timestamp(local_midnight(monday, period.tz))
        members = known_during(ctx.members, start, end, week[S.SENDER_ID].unique())
        speakers = int(week[S.SENDER_ID].nunique())
        rows.append({"week": week_text(monday), "start": monday.isoformat(), "days": days,
                     "messages": len(week), "speakers": speakers, "members": members,
                     "participation_rate": ratio(speakers, members),
                     "messages_per_day": rounded(len(week) / days) if days else None})
    return rows


def heatmap(speech: pd.DataFrame) -> dict[str, Any]:
    """Messages by local weekday (rows, Monday first) and hour (columns 0-23)."""
    grid = np.zeros((7, 24), dtype=np.int64)
    if len(speech):
        np.add.at(grid, (speech[WEEKDAY].to_numpy(), speech[HOUR].to_numpy()), 1)
    return {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "messages": grid.tolist()}


def kinds_mix(speech: pd.DataFrame) -> list[dict[str, Any]]:
    """Messages per kind (text, image, sticker, …), most frequent first."""
    counts = speech[S.KIND].astype(str).value_counts()
    return [{"kind": k, "messages": int(n), "share": ratio(n, len(speech))} for k, n in counts.items()]
