"""Member layers (用户分层) week by week: new, core, returned, active, churned, silent.

Each week (ISO week, local time) every member in the group at the week's end is in exactly one
layer, first match wins (thresholds from ``[members]``):

- ``new``: joined during the week (needs a join notice or a member list with join times);
- ``core``: spoke in at least ``core_weeks`` of the last ``core_window_weeks`` weeks and engaged
  at least ``core_min_partners`` different people in them (answered them, was answered by them,
  @-mentioned them or was @-mentioned; scripted operator posts do not count);
- ``returned``: speaks this week after ``churn_weeks`` silent weeks, having spoken before;
- ``active``: spoke in the last ``churn_weeks`` weeks;
- ``churned``: has spoken before but not in the last ``churn_weeks`` weeks;
- ``silent``: has never spoken.

Members not in the group at a week's end are ``absent`` that week (before joining, after
leaving); the moves between layers from one week to the next are what operators track.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import MembersConfig
from ..text.classes import OPERATOR_TEMPLATE
from .context import WEEK, ReportContext
from .period import local_midnight, week_monday

LAYERS: tuple[str, ...] = ("new", "core", "returned", "active", "churned", "silent")
ABSENT = "absent"
NEW, CORE, RETURNED, ACTIVE, CHURNED, SILENT = range(len(LAYERS))
ABSENT_CODE = -1


@dataclass
class LayerTable:
    """Layers of every member (rows, ``member_ids``) in every week of the window (columns)."""

    member_ids: np.ndarray  # object
    weeks: list[date]  # Mondays, ascending
    layer: np.ndarray  # int8 [members, weeks]: a LAYERS index, ABSENT_CODE when not in the group
    spoke: np.ndarray  # bool [members, weeks]
    messages: np.ndarray  # int64 [members, weeks]
    partners: np.ndarray  # int64 [members, weeks]: people engaged in the core window up to the week
    joined_week: np.ndarray  # int64: index of the week the member joined in, -1 if not in the window
    left_week: np.ndarray  # int64: index of the week the member left in, -1 if not in the window

    def week_index(self, monday: date) -> int:
        return self.weeks.index(monday)


def window_weeks(ctx: ReportContext) -> list[date]:
    """Every Monday from the loaded window's first week to the period's last week."""
    first = week_monday(ctx.data.start.astimezone(ctx.period.tz).date()) if ctx.data.start else \
        week_monday(ctx.first_day)
    last = week_monday(ctx.period.last_day)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def layers_of(ctx: ReportContext) -> LayerTable:
    """The context's layer table, computed once and shared by the reports that need it."""
    if "layers" not in ctx.cache:
        ctx.cache["layers"] = layer_table(ctx)
    return ctx.cache["layers"]


def layer_table(ctx: ReportContext) -> LayerTable:
    """The layers of the context's members over the window's weeks."""
    cfg: MembersConfig = ctx.config.members
    rs = ctx.replies
    ids = rs.member_ids
    k, weeks = len(ids), window_weeks(ctx)
    n_weeks = len(weeks)
    mondays = pd.DatetimeIndex([pd.Timestamp(w) for w in weeks])
    week_of = mondays.get_indexer(ctx.speech[WEEK]).astype(np.int64)  # -1: after the last week (lookahead)
    keep = week_of >= 0
    messages = np.zeros((k, n_weeks), np.int64)
    np.add.at(messages, (rs.author[keep], week_of[keep]), 1)
    spoke = messages > 0
    partners = _partner_counts(ctx, week_of, k, n_weeks, cfg.core_window_weeks)

    members = ctx.members.set_index(S.MEMBER_ID).reindex(ids)
    ends = pd.DatetimeIndex([min(pd.Timestamp(local_midnight(w + timedelta(days=7), ctx.period.tz)), ctx.data_end)
                             for w in weeks])
    starts = pd.DatetimeIndex([pd.Timestamp(local_midnight(w, ctx.period.tz)) for w in weeks])
    joined, left, first = (utc_naive(members[c]) for c in (S.JOINED_AT, S.LEFT_AT, S.FIRST_MESSAGE))
    end_v, start_v = utc_naive(pd.Series(ends)), utc_naive(pd.Series(starts))

    present = (np.isnat(joined)[:, None] | (joined[:, None] < end_v[None, :])) & \
              (np.isnat(left)[:, None] | (left[:, None] >= end_v[None, :]))
    new = ~np.isnat(joined)[:, None] & (joined[:, None] >= start_v[None, :]) & (joined[:, None] < end_v[None, :])
    spoke_before = ~np.isnat(first)[:, None] & (first[:, None] < end_v[None, :])
    recent = _rolling_any(spoke, cfg.churn_weeks)  # spoke in the last churn_weeks weeks
    silent_before = ~_rolling_any(np.roll(spoke, 1, axis=1) & (np.arange(n_weeks) > 0)[None, :], cfg.churn_weeks)
    # spoke before the churn gap: first message before the first of the silent weeks
    gap_start = np.array([start_v[max(i - cfg.churn_weeks, 0)] for i in range(n_weeks)])
    spoke_before_gap = ~np.isnat(first)[:, None] & (first[:, None] < gap_start[None, :])
    returned = spoke & silent_before & spoke_before_gap
    core = (_rolling_sum(spoke, cfg.core_window_weeks) >= cfg.core_weeks) & (partners >= cfg.core_min_partners)

    layer = np.full((k, n_weeks), SILENT, np.int8)
    layer[spoke_before & ~recent] = CHURNED
    layer[recent] = ACTIVE
    layer[returned] = RETURNED
    layer[core] = CORE
    layer[new] = NEW
    layer[~present] = ABSENT_CODE
    return LayerTable(ids, weeks, layer, spoke, messages, partners, _week_index(joined, start_v, end_v),
                      _week_index(left, start_v, end_v))


def utc_naive(times: pd.Series) -> np.ndarray:
    """Aware times as naive UTC datetime64[us] (NaT kept), for fast numpy comparisons."""
    t = pd.to_datetime(times, utc=True)
    return t.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _week_index(times: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    out = np.full(len(times), -1, np.int64)
    ok = ~np.isnat(times)
    pos = np.searchsorted(starts, times[ok], side="right") - 1
    valid = (pos >= 0) & (times[ok] < ends[np.clip(pos, 0, None)])
    out[np.flatnonzero(ok)[valid]] = pos[valid]
    return out


def _rolling_sum(matrix: np.ndarray, width: int) -> np.ndarray:
    """Per row, the sum over the ``width`` columns ending at each column."""
    c = np.cumsum(matrix.astype(np.int64), axis=1)
    out = c.copy()
    out[:, width:] = c[:, width:] - c[:, :-width]
    return out


def _rolling_any(matrix: np.ndarray, width: int) -> np.ndarray:
    return _rolling_sum(matrix, width) > 0


def _partner_counts(ctx: ReportContext, week_of: np.ndarray, k: int, n_weeks: int, width: int) -> np.ndarray:
    """Per member and week: distinct people engaged in the ``width`` weeks ending that week."""
    rs = ctx.replies
    parent_author = rs.parent_author
    has = (parent_author >= 0) & (parent_author != rs.author) & (week_of >= 0)
    template = ctx.speech[OPERATOR_TEMPLATE].to_numpy(bool) if OPERATOR_TEMPLATE in ctx.speech else np.zeros(len(rs), bool)
    mm = rs.mention_message
    mention_ok = (~template[mm]) & (week_of[mm] >= 0) & (rs.author[mm] != rs.mention_member)
    a = np.concatenate([rs.author[has], parent_author[has], rs.author[mm][mention_ok], rs.mention_member[mention_ok]])
    b = np.concatenate([parent_author[has], rs.author[has], rs.mention_member[mention_ok], rs.author[mm][mention_ok]])
    w = np.concatenate([week_of[has], week_of[has], week_of[mm][mention_ok], week_of[mm][mention_ok]])
    out = np.zeros((k, n_weeks), np.int64)
    if not len(a):
        return out
    pair = a.astype(np.int64) * k + b
    for i in range(n_weeks):
        sel = (w > i - width) & (w <= i)
        if sel.any():
            unique = np.unique(pair[sel])
            out[:, i] = np.bincount(unique // k, minlength=k)
    return out


def layer_name(code: int) -> str:
    return ABSENT if code == ABSENT_CODE else LAYERS[code]
