"""A group's lifecycle stage, week by week, with the figures and thresholds that decided it.

Stages (DOMAIN.md): ``new``, ``growing``, ``active``, ``declining``, ``ad-dominated``,
``help-desk`` (only requests and answers left), ``dead``. Each week's figures are measured
over the days the data covers; the rules are tried in a fixed order and the first that holds
names the stage (thresholds in ``[lifecycle]``):

1. dead: fewer than ``dead_messages_per_day`` members' messages a day;
2. new: within the group's first ``new_weeks`` weeks, with at least ``new_join_share`` of its
   members joining that week;
3. ad-dominated: ads are at least ``ad_share`` of the messages;
4. help-desk: questions are at least ``help_desk_question_share`` of the messages and
   objections (the sign of discussion) below ``help_desk_max_objection_share``;
5. declining: under ``declining_messages_per_day`` with under ``declining_speaker_share`` of
   members speaking; or messages a day below ``decline_ratio`` of the group's own reference
   level (its busiest two weeks among the ``reference_weeks`` before); or losing at least
   ``shrink_share`` of its members while below ``shrink_ratio`` of that level;
6. growing: net joins at least ``growth_share`` of its members;
7. active: none of the above.

The health score (0-100) weighs volume (35), participation (35), freedom from ads (15) and
holding up against the reference level (15); see ``health``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import ClassConfig, Config, LifecycleConfig
from ..text.classes import AD, CLASS_NAMES, OBJECTION, QUESTION
from .common import ratio, rounded, week_text
from .context import DAY, WEEK, ReportContext
from .period import Period, local_midnight, week_monday

STAGES: tuple[str, ...] = ("new", "growing", "active", "declining", "ad-dominated", "help-desk", "dead")
# The codes of the rules that decide a stage (``stage_of``), in the order they are tried.
RULES: tuple[str, ...] = ("few_messages", "first_weeks", "questions_left", "ads", "quiet", "below_peak",
                          "shrinking", "joins", "no_other_rule")


@dataclass(frozen=True)
class Check:
    """One comparison a rule made: ``metric`` ``op`` ``threshold`` with the week's ``value``."""

    metric: str
    value: float | None
    op: str
    threshold: float

    @property
    def holds(self) -> bool:
        if self.value is None:
            return False
        return {"<": self.value < self.threshold, ">=": self.value >= self.threshold,
                "<=": self.value <= self.threshold}[self.op]

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "op": self.op, "threshold": self.threshold,
                "holds": self.holds}


# The message classes the stage rules read.
LIFECYCLE_CLASSES: tuple[str, ...] = (AD, QUESTION, OBJECTION)


def lifecycle_config(config: Config) -> Config:
    """``config`` with only the message classes the stage rules read (the user's settings for
    them kept): classifying a group for its stage alone is then about four times faster."""
    classes = {name: rule for name, rule in config.classes.items() if name in LIFECYCLE_CLASSES}
    classes.update({name: ClassConfig(enabled=False) for name in CLASS_NAMES if name not in LIFECYCLE_CLASSES})
    return replace(config, classes=MappingProxyType(classes))


def week_metrics(speech: pd.DataFrame, members: pd.DataFrame, mondays: list[date], *, tz, first_day: date,
                 last_day: date, group_start: pd.Timestamp, config: LifecycleConfig) -> list[dict[str, Any]]:
    """The figures the stage rules read, for each week (Monday) in ``mondays`` (ascending).

    ``speech`` is members' messages with the context's local-time columns and the ``ad``,
    ``question`` and ``objection`` class columns. Every figure is computed for all the weeks at
    once (a year-long group has 52 weeks, and the groups overview reads every group).
    """
    data_end = pd.Timestamp(local_midnight(last_day + timedelta(days=1), tz))
    start_week = week_monday(group_start.tz_convert(tz).date())
    n_weeks = len(mondays)
    keys = pd.DatetimeIndex([pd.Timestamp(m) for m in mondays])
    covered = [max((min(m + timedelta(days=6), last_day) - max(m, first_day)).days + 1, 0) for m in mondays]
    starts = pd.DatetimeIndex([pd.Timestamp(local_midnight(m, tz)) for m in mondays])
    ends = pd.DatetimeIndex([min(pd.Timestamp(local_midnight(m + timedelta(days=7), tz)), data_end) for m in mondays])

    week = speech[WEEK].to_numpy()
    by_week = speech.groupby(WEEK)
    counts = by_week.size().reindex(keys, fill_value=0).to_numpy()
    speakers = by_week[S.SENDER_ID].nunique().reindex(keys, fill_value=0).to_numpy()

    def class_count(column: str, rows: pd.Series | None = None) -> np.ndarray | None:
        if column not in speech:
            return None
        flags = speech[column].astype(bool) if rows is None else speech[column].astype(bool) & rows
        return flags.groupby(week).sum().reindex(keys, fill_value=0).to_numpy()

    ads, questions, objections = class_count(AD), class_count(QUESTION), class_count(OBJECTION)
    not_ad = ~speech[AD].astype(bool) if AD in speech else None
    rest = not_ad.groupby(week).sum().reindex(keys, fill_value=0).to_numpy() if not_ad is not None else None
    questions_of_rest = class_count(QUESTION, not_ad) if not_ad is not None else None
    per_day = speech.groupby([WEEK, S.SENDER_ID, DAY]).size()
    flooders = per_day[per_day > config.flood_messages_per_member_day]
    flooding = (flooders.reset_index().groupby(WEEK)[S.SENDER_ID].nunique().reindex(keys, fill_value=0).to_numpy()
                if len(flooders) else np.zeros(n_weeks, dtype=np.int64))

    # Members: a members × weeks grid of who was in the group at the week's start, end, or any
    # moment of it; a week's members are those with everyone who spoke in it added.
    joined = members[S.JOINED_AT].to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))[:, None]
    left = members[S.LEFT_AT].to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))[:, None]
    start_at = starts.tz_convert("UTC").tz_localize(None).to_numpy()[None, :]
    end_at = ends.tz_convert("UTC").tz_localize(None).to_numpy()[None, :]
    no_join, no_leave = np.isnat(joined), np.isnat(left)
    at_end = (no_join | (joined < end_at)) & (no_leave | (left >= end_at))
    at_start = (no_join | (joined < start_at)) & (no_leave | (left >= start_at))
    during = (no_join | (joined < end_at)) & (no_leave | (left >= start_at))
    ids = members[S.MEMBER_ID].astype(str).to_numpy()
    position = {mid: i for i, mid in enumerate(ids)}
    spoke = np.zeros((len(ids), n_weeks), dtype=bool)
    strangers = np.zeros(n_weeks, dtype=np.int64)  # speakers the members table does not know
    week_of = {k: j for j, k in enumerate(keys)}
    for (monday, sender) in speech.groupby([WEEK, S.SENDER_ID]).size().index:
        j = week_of.get(pd.Timestamp(monday))
        if j is None:
            continue
        i = position.get(str(sender))
        if i is None:
            strangers[j] += 1
        else:
            spoke[i, j] = True
    known = (during | spoke).sum(axis=0) + strangers
    members_end = at_end.sum(axis=0)
    members_start = at_start.sum(axis=0)
    joins = ((joined >= start_at) & (joined < end_at)).sum(axis=0)
    leaves = ((left >= start_at) & (left < end_at)).sum(axis=0)

    rows: list[dict[str, Any]] = []
    for j, monday in enumerate(mondays):
        days, n = covered[j], int(counts[j])
        n_speakers = int(speakers[j])
        week_members = int(known[j]) if days else 0
        end_members = int(members_end[j]) if days else 0
        rows.append({
            "week": week_text(monday), "start": monday.isoformat(), "days": days,
            "age_weeks": (monday - start_week).days // 7,
            "messages": n, "messages_per_day": rounded(n / days) if days else None,
            "speakers": n_speakers, "members": week_members, "speaker_share": ratio(n_speakers, week_members),
            "messages_per_speaker_per_day": rounded(n / n_speakers / days) if days and n_speakers else None,
            "ad_share": ratio(int(ads[j]), n) if ads is not None else None,
            "question_share": ratio(int(questions[j]), n) if questions is not None else None,
            "question_share_of_rest": ratio(int(questions_of_rest[j]), int(rest[j]))
            if questions_of_rest is not None and rest is not None else None,
            "objection_share": ratio(int(objections[j]), n) if objections is not None else None,
            "flooding_members": int(flooding[j]),
            "joins": int(joins[j]), "leaves": int(leaves[j]), "join_share": ratio(int(joins[j]), end_members),
            "net_growth_share": ratio(int(joins[j]) - int(leaves[j]), max(int(members_start[j]), end_members)),
        })
    _add_reference_levels(rows, config.reference_weeks)
    return rows


def _share_without_ads(week: pd.DataFrame, column: str) -> float | None:
    """The share of ``column`` among the week's messages that are not ads."""
    if column not in week or AD not in week:
        return None
    rest = week[~week[AD].astype(bool)]
    return ratio(int(rest[column].sum()), len(rest))


def _add_reference_levels(rows: list[dict[str, Any]], reference_weeks: int) -> None:
    """Each week's reference level: the busiest two consecutive covered weeks (mean messages a
    day) among the ``reference_weeks`` weeks before it, and the week's level against it."""
    mpd = np.array([r["messages_per_day"] if r["messages_per_day"] is not None else np.nan for r in rows])
    pair = np.array([np.nanmean(mpd[max(i - 1, 0): i + 1]) if not np.all(np.isnan(mpd[max(i - 1, 0): i + 1]))
                     else np.nan for i in range(len(rows))])
    for i, row in enumerate(rows):
        earlier = pair[max(i - reference_weeks, 0): i]
        earlier = earlier[~np.isnan(earlier)]
        reference = float(earlier.max()) if len(earlier) else None
        row["reference_messages_per_day"] = rounded(reference)
        row["level_ratio"] = (ratio(row["messages_per_day"], reference, 3)
                              if reference and row["messages_per_day"] is not None else None)


def stage_of(m: dict[str, Any], config: LifecycleConfig) -> tuple[str | None, str, list[Check]]:
    """The stage of a week with its figures ``m``: (stage, the code of the rule that decided,
    the checks it made; ``RULES`` names the codes). A week the data does not cover has no stage."""
    c = config
    if not m["days"]:
        return None, "no_data", []
    rules: list[tuple[str, str, list[Check]]] = [
        ("dead", "few_messages", [Check("messages_per_day", m["messages_per_day"], "<", c.dead_messages_per_day)]),
        ("new", "first_weeks", [Check("age_weeks", m["age_weeks"], "<", c.new_weeks),
                                Check("join_share", m["join_share"], ">=", c.new_join_share)]),
        ("help-desk", "questions_left", [
            Check("question_share_of_rest", m["question_share_of_rest"], ">=", c.help_desk_question_share),
            Check("objection_share", m["objection_share"], "<", c.help_desk_max_objection_share),
            Check("level_ratio", m["level_ratio"], "<", c.help_desk_max_level_ratio),
            Check("ad_share", m["ad_share"], "<", c.help_desk_max_ad_share)]),
        ("ad-dominated", "ads", [Check("ad_share", m["ad_share"], ">=", c.ad_share)]),
        ("declining", "quiet", [
            Check("messages_per_day", m["messages_per_day"], "<", c.declining_messages_per_day),
            Check("speaker_share", m["speaker_share"], "<", c.declining_speaker_share)]),
        ("declining", "below_peak", [Check("level_ratio", m["level_ratio"], "<", c.decline_ratio)]),
        ("declining", "shrinking", [Check("net_growth_share", m["net_growth_share"], "<=", -c.shrink_share),
                                    Check("level_ratio", m["level_ratio"], "<", c.shrink_ratio)]),
        ("growing", "joins", [Check("net_growth_share", m["net_growth_share"], ">=", c.growth_share)]),
    ]
    for stage, rule, checks in rules:
        if all(ch.holds for ch in checks):
            return stage, rule, checks
    return "active", "no_other_rule", []


def health(m: dict[str, Any], config: LifecycleConfig) -> dict[str, Any] | None:
    """A 0-100 score for ranking groups: volume and participation against the healthy levels
    (35 each), ads against the ad threshold (15), and the level against the group's own
    reference (15). Null for a week without data."""
    if not m["days"]:
        return None
    volume = min(1.0, (m["messages_per_day"] or 0) / config.healthy_messages_per_day) \
        if config.healthy_messages_per_day else 1.0
    participation = min(1.0, (m["speaker_share"] or 0) / config.healthy_speaker_share) \
        if config.healthy_speaker_share else 1.0
    clean = 1.0 - min(1.0, (m["ad_share"] or 0) / config.ad_share) if config.ad_share else 1.0
    level = min(1.0, m["level_ratio"]) if m["level_ratio"] is not None else 1.0
    score = 100 * (0.35 * volume + 0.35 * participation + 0.15 * clean + 0.15 * level)
    return {"score": math.floor(score + 0.5), "volume": round(volume, 3), "participation": round(participation, 3),
            "clean": round(clean, 3), "level": round(level, 3)}


def classify_weeks(metrics: list[dict[str, Any]], config: LifecycleConfig) -> list[dict[str, Any]]:
    """Each week's figures with its stage, deciding rule, checks and health."""
    out = []
    for m in metrics:
        stage, why, checks = stage_of(m, config)
        out.append({"week": m["week"], "start": m["start"], "days": m["days"], "stage": stage, "rule": why,
                    "checks": [ch.to_dict() for ch in checks], "health": health(m, config),
                    "metrics": {k: v for k, v in m.items() if k not in ("week", "start", "days")}})
    return out


def lifecycle_weeks(ctx: ReportContext, mondays: list[date]) -> list[dict[str, Any]]:
    """Classified weeks of the context's group (``mondays`` within the loaded window). The
    figures of every week in the window are computed once (the reference level reads the
    weeks before each week) and shared by the reports that ask."""
    cfg = ctx.config.lifecycle
    cached = ctx.cache.get("lifecycle", {})
    if any(m.isoformat() not in cached for m in mondays):
        first = min(week_monday(ctx.data.start.astimezone(ctx.period.tz).date()) if ctx.data.start else
                    week_monday(ctx.first_day), *mondays)
        last = max(week_monday(ctx.period.last_day), *mondays)
        weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
        metrics = week_metrics(ctx.speech, ctx.members, weeks, tz=ctx.period.tz, first_day=ctx.first_day,
                               last_day=ctx.last_day, group_start=ctx.group_start, config=cfg)
        ctx.cache["lifecycle"] = {m["start"]: w for m, w in zip(metrics, classify_weeks(metrics, cfg))}
    by_start = ctx.cache["lifecycle"]
    return [by_start[m.isoformat()] for m in mondays]


def lifecycle_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``lifecycle`` report's data: the stage now, week by week, and what changed."""
    period = period or ctx.period
    weeks = lifecycle_weeks(ctx, period.weeks())
    staged = [w for w in weeks if w["stage"]]
    changes = [{"week": b["week"], "from": a["stage"], "to": b["stage"]}
               for a, b in pairwise(staged) if a["stage"] != b["stage"]]
    latest = staged[-1] if staged else None
    return {
        "stage": latest["stage"] if latest else None,
        "week": latest["week"] if latest else None,
        "rule": latest["rule"] if latest else None,
        "health": latest["health"] if latest else None,
        "stages": list(STAGES),
        "weeks_by_stage": dict(Counter(w["stage"] for w in staged)),
        "changes": changes,
        "weekly": weeks,
        "thresholds": _thresholds(ctx.config.lifecycle),
    }


def _thresholds(config: LifecycleConfig) -> dict[str, float]:
    return {k: v for k, v in vars(config).items()}
