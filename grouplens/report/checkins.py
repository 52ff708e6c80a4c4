"""The ``checkins`` report: who checks in (打卡), their streaks, and how many finish an N-day
challenge (``[report] challenge_days``, e.g. a 21-day early-sleep challenge).

A check-in is a message in the ``checkin`` class; a member checks in on a day if they post one
that local day. A streak is a run of check-in days with at most ``checkin_grace_days`` missed
days between two of them; its length counts check-in days. A participant has *completed* the
challenge once a streak reaches ``challenge_days``; is *in progress* while their latest streak
is still alive at the period's end; else has *dropped*. Streaks read the weeks before the
period too, so a challenge begun earlier is counted whole.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import schema as S
from ..text.classes import CHECKIN
from .common import day_text, member_rows, ratio
from .context import DAY, ReportContext
from .period import Period

COMPLETED, IN_PROGRESS, DROPPED = "completed", "in_progress", "dropped"


def streaks(days: list[pd.Timestamp], grace: int) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Runs of check-in days (sorted, distinct): (first day, last day, check-in days)."""
    runs: list[tuple[pd.Timestamp, pd.Timestamp, int]] = []
    for d in days:
        if runs and (d - runs[-1][1]).days <= grace + 1:
            first, _, n = runs[-1]
            runs[-1] = (first, d, n + 1)
        else:
            runs.append((d, d, 1))
    return runs


def checkins_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``checkins`` report's data for ``period``."""
    period = period or ctx.period
    cfg = ctx.config.report
    speech = ctx.speech
    checks = speech[speech[CHECKIN].fillna(False).astype(bool)] if CHECKIN in speech else speech.iloc[0:0]
    upto = checks[checks[S.TS] < period.end]
    in_period = upto[upto[S.TS] >= period.start]
    as_of = pd.Timestamp(min(period.last_day, ctx.last_day))
    rows = []
    for member, group in in_period.groupby(S.SENDER_ID, sort=False):
        days = sorted(upto.loc[upto[S.SENDER_ID] == member, DAY].unique())
        runs = streaks([pd.Timestamp(d) for d in days], cfg.checkin_grace_days)
        last_first, last_end, last_len = runs[-1]
        alive = (as_of - last_end).days <= cfg.checkin_grace_days + 1
        longest = max(n for _, _, n in runs)
        status = COMPLETED if longest >= cfg.challenge_days else IN_PROGRESS if alive else DROPPED
        rows.append({"id": member, "checkins": len(group), "days": int(group[DAY].nunique()),
                     "first_day": day_text(group[DAY].min()), "last_day": day_text(group[DAY].max()),
                     "current_streak": last_len if alive else 0, "longest_streak": longest,
                     "streak_start": day_text(last_first), "status": status})
    rows.sort(key=lambda r: (-r["longest_streak"], -r["days"], r["id"]))
    counts = {s: sum(r["status"] == s for r in rows) for s in (COMPLETED, IN_PROGRESS, DROPPED)}
    participants = len(rows)
    members = member_rows(ctx.people, [r["id"] for r in rows],
                          **{k: [r[k] for r in rows] for k in rows[0] if k != "id"} if rows else {})
    return {
        "challenge_days": cfg.challenge_days,
        "grace_days": cfg.checkin_grace_days,
        "totals": {"checkins": len(in_period), "participants": participants, **counts,
                   "completion_rate": ratio(counts[COMPLETED], participants),
                   "finished_rate": ratio(counts[COMPLETED], counts[COMPLETED] + counts[DROPPED])},
        "daily": _daily(in_period, period, ctx),
        "members": members,
    }


def _daily(checks: pd.DataFrame, period: Period, ctx: ReportContext) -> list[dict[str, Any]]:
    first, last = max(period.first_day, ctx.first_day), min(period.last_day, ctx.last_day)
    if last < first:
        return []
    index = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    per_day = checks.groupby(DAY)
    n = per_day.size().reindex(index, fill_value=0)
    who = per_day[S.SENDER_ID].nunique().reindex(index, fill_value=0)
    return [{"date": day_text(d), "checkins": int(a), "members": int(b)} for d, a, b in zip(index, n, who)]

