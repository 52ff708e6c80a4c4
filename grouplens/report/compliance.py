"""The ``compliance`` report: ads, flooding (刷屏), risky medical claims and personal attacks —
how many, by whom, with examples, so operators can warn, mute or remove.

Ads, risky claims and attacks are the message classes of the same names. Flooding is a member
posting ``[report] flood_burst_messages`` or more messages within ``flood_burst_seconds``;
every message of such a burst counts. Separately, ``heavy_days`` counts member-days above
``[lifecycle] flood_messages_per_member_day`` (practitioners' rough flooding figure).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..text.classes import AD, PERSONAL_ATTACK, RISKY_CLAIM
from .common import member_rows, message_rows, ratio, week_text
from .context import DAY, WEEK, ReportContext
from .period import Period

FLOODING = "flooding"
CATEGORIES: tuple[str, ...] = (AD, FLOODING, RISKY_CLAIM, PERSONAL_ATTACK)


def flood_bursts(senders: pd.Series, ts: pd.Series, burst_messages: int, burst_seconds: float) -> np.ndarray:
    """Per message: the size of the flooding burst it belongs to (0 when none). A burst is a
    run of one member's messages in which some ``burst_messages`` fall within ``burst_seconds``."""
    n = len(senders)
    if n == 0:
        return np.zeros(0, np.int64)
    codes = pd.factorize(senders.astype(object))[0].astype(np.int64)
    seconds = (pd.to_datetime(ts, utc=True).astype("int64") // 10**6).to_numpy(np.int64)  # µs -> s
    seconds = seconds - seconds.min()
    key = codes * np.int64(10**10) + seconds
    order = np.argsort(key, kind="stable")
    k = key[order]
    reach = np.searchsorted(k, k + int(np.ceil(burst_seconds)), side="left") - np.arange(n)
    start = reach >= burst_messages
    diff = np.zeros(n + 1, np.int64)
    idx = np.flatnonzero(start)
    np.add.at(diff, idx, 1)
    np.add.at(diff, idx + reach[idx], -1)
    flagged = np.cumsum(diff[:-1]) > 0
    # Number the runs of flagged messages (one member's, consecutive in the sorted order).
    new_run = flagged & ~np.r_[False, flagged[:-1] & (codes[order][1:] == codes[order][:-1])]
    run_id = np.where(flagged, np.cumsum(new_run), 0)
    sizes = np.bincount(run_id)
    out_sorted = np.where(flagged, sizes[run_id], 0)
    out = np.zeros(n, np.int64)
    out[order] = out_sorted
    return out


def compliance_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``compliance`` report's data for ``period``."""
    period = period or ctx.period
    cfg = ctx.config.report
    speech = ctx.speech[ctx.in_period(ctx.speech, period)].copy()
    speech[FLOODING] = flood_bursts(speech[S.SENDER_ID], speech[S.TS], cfg.flood_burst_messages,
                                    cfg.flood_burst_seconds)
    flags = pd.DataFrame({c: (speech[c] > 0) if c == FLOODING else speech[c].fillna(False).astype(bool)
                          for c in CATEGORIES if c in speech}, index=speech.index)
    per_day = speech.groupby([S.SENDER_ID, DAY]).size()
    heavy = per_day[per_day > ctx.config.lifecycle.flood_messages_per_member_day]
    categories = [{"category": c, "messages": int(flags[c].sum()),
                   "members": int(speech.loc[flags[c], S.SENDER_ID].nunique()),
                   "share": ratio(int(flags[c].sum()), len(speech))} for c in flags]
    return {
        "totals": {**{c: int(flags[c].sum()) for c in flags}, "messages": len(speech),
                   "flooding_bursts": _burst_count(speech), "heavy_days": len(heavy),
                   "heavy_day_members": int(heavy.index.get_level_values(0).nunique())},
        "categories": categories,
        "offenders": _offenders(ctx, speech, flags),
        "examples": {c: _examples(ctx, speech, flags[c], c) for c in flags},
        "weekly": [{"week": week_text(m), **{c: int(flags.loc[speech[WEEK] == pd.Timestamp(m), c].sum())
                                             for c in flags}} for m in period.weeks()],
    }


def _burst_count(speech: pd.DataFrame) -> int:
    """How many bursts: each flagged message counts 1/size of its burst."""
    sizes = speech[FLOODING].to_numpy()
    return round(float((1.0 / sizes[sizes > 0]).sum())) if (sizes > 0).any() else 0


def _offenders(ctx: ReportContext, speech: pd.DataFrame, flags: pd.DataFrame) -> list[dict[str, Any]]:
    counts = flags.groupby(speech[S.SENDER_ID]).sum().astype(np.int64)
    counts["total"] = counts.sum(axis=1)
    counts = counts[counts["total"] > 0].reset_index(names=S.SENDER_ID)
    counts = counts.sort_values(["total", S.SENDER_ID], ascending=[False, True], kind="stable")
    counts = counts.head(ctx.config.report.top)
    return member_rows(ctx.people, counts[S.SENDER_ID], **{c: counts[c] for c in [*flags.columns, "total"]},
                       staff=[ctx.people.is_staff(m) for m in counts[S.SENDER_ID]])


def _examples(ctx: ReportContext, speech: pd.DataFrame, flag: pd.Series, category: str) -> list[dict[str, Any]]:
    """The latest few messages of a category; for flooding, the first message of the latest
    bursts, with the burst's size."""
    hits = speech[flag]
    if category == FLOODING and len(hits):
        gap = hits.groupby(S.SENDER_ID)[S.TS].diff()
        hits = hits[gap.isna() | (gap > pd.Timedelta(seconds=ctx.config.report.flood_burst_seconds))]
    latest = hits.sort_values(S.TS, ascending=False, kind="stable").head(ctx.config.report.examples)
    extra = {"burst_messages": latest[FLOODING]} if category == FLOODING else {}
    return message_rows(ctx.people, latest, ctx.period.tz, **extra)
