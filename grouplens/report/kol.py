"""The ``kol`` report: who the group listens to, and the two rankings operators post in groups.

- ``influence``: members by influence (PageRank over replies and mentions,
  ``grouplens.influence``) with their role, tags, the reason in a sentence, the figures
  behind it (``grouplens.roles.member_roles`` over the period) and, for KOLs, what of theirs
  others took up (``taken_up``);
- ``activity_ranking`` (活跃榜): members by messages in the period, ads left out;
- ``contribution_ranking`` (贡献榜): members by content contribution = content posts
  (opinions, objections, knowledge cards, links, files, pictures, videos) + 2 x answers to
  others' questions + replies their posts drew.

Rankings leave out owners and admins (unless ``[report] rank_staff``) and accounts tagged as
advertisers or shills: they are for the members operators want to encourage.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..analysis.engagement import content_types
from ..analysis.group import GroupData
from ..analysis.influence import INFLUENCE
from ..roles import EVIDENCE, REASON, ROLE, TAGS_COLUMN, member_roles
from ..roles import features as F
from ..roles.classifier import ADVERTISER, KOL, SHILL
from ..roles.explain import kol_uptake
from ..text.classes import AD
from .common import member_rows, rounded
from .context import DAY, ReportContext
from .period import Period

CONTENT_POSTS: frozenset[str] = frozenset({"opinion", "objection", "knowledge_card", "link", "file", "image",
                                           "video"})
EXCLUDED_TAGS: frozenset[str] = frozenset({ADVERTISER, SHILL})  # never in rankings or key people
EVIDENCE_SHOWN: tuple[str, ...] = (F.MESSAGES, F.ACTIVE_DAYS, F.CONVERSATIONS_STARTED, F.REPLIES_DRAWN,
                                   F.PEOPLE_REACHED, F.SOURCES, F.ANSWERS, F.OBJECTIONS, F.DISCUSSIONS,
                                   F.AGREEMENT_DRAWN, F.QUESTIONS_DRAWN, F.MENTIONS_DRAWN, F.ASKERS_ANSWERED)


def period_data(ctx: ReportContext, start: pd.Timestamp, end: pd.Timestamp) -> GroupData:
    """The context's group data cut to [start, end), message classes kept."""
    m = ctx.data.messages
    cut = m[(m[S.TS] >= start) & (m[S.TS] < end)].reset_index(drop=True)
    return replace(ctx.data, messages=cut, start=start.to_pydatetime(), end=end.to_pydatetime())


def roles_between(ctx: ReportContext, start: pd.Timestamp, end: pd.Timestamp, lang: str) -> pd.DataFrame:
    """Members' roles, tags and influence over [start, end), computed once per span."""
    key = ("roles", start, end, lang)
    if key not in ctx.cache:
        ctx.cache[key] = member_roles(period_data(ctx, start, end), lang=lang)
    return ctx.cache[key]


def influence_rows(ctx: ReportContext, roles: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """The most influential speakers with role, tags, reason and evidence."""
    speakers = roles[roles[F.MESSAGES] > 0].sort_values([INFLUENCE, S.MEMBER_ID], ascending=[False, True],
                                                         kind="stable").head(limit)
    return member_rows(
        ctx.people, speakers[S.MEMBER_ID], rank=range(1, len(speakers) + 1),
        influence=[rounded(v, 3) for v in speakers[INFLUENCE]], role=speakers[ROLE],
        tags=[list(t) for t in speakers[TAGS_COLUMN]], reason=speakers[REASON],
        taken_up=[kol_uptake(row, ctx.lang) if KOL in row[TAGS_COLUMN] else None for row in speakers.to_dict("records")],
        **{EVIDENCE: [{c: _num(row[c]) for c in EVIDENCE_SHOWN} for row in speakers.to_dict("records")]})


def kol_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``kol`` report's data for ``period``."""
    period = period or ctx.period
    cfg = ctx.config.report
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    roles = roles_between(ctx, start, end, ctx.lang)
    ranked = _rankable(ctx, roles)
    speech = ctx.speech[ctx.in_period(ctx.speech, period)]
    own = speech[ranked.reindex(speech[S.SENDER_ID].astype(str)).fillna(False).to_numpy(bool)]
    own = own[~own[AD].fillna(False).astype(bool)] if AD in own else own
    return {
        "influence": influence_rows(ctx, roles, cfg.top),
        "kols": influence_rows(ctx, roles[[(KOL in t) for t in roles[TAGS_COLUMN]]], cfg.top),
        "activity_ranking": _activity_ranking(ctx, own),
        "contribution_ranking": _contribution_ranking(ctx, own, roles),
    }


def without_excluded_tags(roles: pd.DataFrame) -> pd.Series:
    """Per member (row of ``roles``): not tagged advertiser or shill."""
    return ~roles[TAGS_COLUMN].map(lambda t: bool(EXCLUDED_TAGS & set(t)))


def _rankable(ctx: ReportContext, roles: pd.DataFrame) -> pd.Series:
    """member_id -> may appear in the rankings."""
    ok = without_excluded_tags(roles)
    if not ctx.config.report.rank_staff:
        ok &= ~roles[S.MEMBER_ID].map(ctx.people.is_staff)
    return pd.Series(ok.to_numpy(), index=roles[S.MEMBER_ID].astype(str))


def _activity_ranking(ctx: ReportContext, speech: pd.DataFrame) -> list[dict[str, Any]]:
    g = speech.groupby(S.SENDER_ID)
    stats = pd.DataFrame({"messages": g.size(), "active_days": g[DAY].nunique()}).reset_index()
    stats = stats.sort_values(["messages", "active_days", S.SENDER_ID], ascending=[False, False, True],
                              kind="stable").head(ctx.config.report.top)
    return member_rows(ctx.people, stats[S.SENDER_ID], rank=range(1, len(stats) + 1), messages=stats["messages"],
                       active_days=stats["active_days"])


def _contribution_ranking(ctx: ReportContext, speech: pd.DataFrame, roles: pd.DataFrame) -> list[dict[str, Any]]:
    types = content_types(speech, ctx.config.engagement.opinion_min_chars)
    posts = speech[types.isin(CONTENT_POSTS).to_numpy()].groupby(S.SENDER_ID).size()
    by_id = roles.set_index(S.MEMBER_ID)
    ids = pd.Index(speech[S.SENDER_ID].astype(str).unique())
    stats = pd.DataFrame({S.SENDER_ID: ids, "content_posts": posts.reindex(ids, fill_value=0).to_numpy(),
                          "answers": by_id[F.ANSWERS].reindex(ids, fill_value=0).to_numpy(),
                          "replies_drawn": by_id[F.REPLIES_DRAWN].reindex(ids, fill_value=0).to_numpy()})
    stats["score"] = stats["content_posts"] + 2 * stats["answers"] + stats["replies_drawn"]
    stats = stats[stats["score"] > 0].sort_values(["score", S.SENDER_ID], ascending=[False, True], kind="stable")
    stats = stats.head(ctx.config.report.top)
    return member_rows(ctx.people, stats[S.SENDER_ID], rank=range(1, len(stats) + 1), score=stats["score"],
                       content_posts=stats["content_posts"], answers=stats["answers"],
                       replies_drawn=stats["replies_drawn"])


def _num(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if np.isnan(v) else round(v, 4)
    return v
