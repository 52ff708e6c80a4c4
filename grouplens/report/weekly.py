"""The weekly review: one week beside the week before, the key people now, the messages that
drew replies, the questions left unanswered, and alerts (DOMAIN.md, "Weekly review").

With a longer period (``--month``, ``--since/--until``) the review compares it with the
same number of days just before it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..analysis.engagement import (
    CONTENT_TYPE,
    DIRECT_REPLIES,
    DISTINCT_REPLIERS,
    ENGAGEMENT,
    THREAD_REPLIES,
    message_engagement,
)
from .actions import actions_section
from .activity import activity_section
from .checkins import checkins_section
from .common import message_rows, rounded
from .compliance import compliance_section
from .context import ReportContext
from .kol import influence_rows, roles_between, without_excluded_tags
from .labels import sentence, stage_label
from .lifecycle import lifecycle_section, lifecycle_weeks
from .members import members_section
from .period import Period, span_period, week_monday, week_period
from .questions import questions_section

SECTIONS = {"activity": activity_section, "members": members_section, "lifecycle": lifecycle_section,
            "questions": questions_section, "checkins": checkins_section, "compliance": compliance_section}

# (metric, section, path in the section, which way is better: "up", "down" or None)
COMPARED: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("messages", "activity", ("totals", "messages"), "up"),
    ("messages_per_day", "activity", ("totals", "messages_per_day"), "up"),
    ("speakers", "activity", ("totals", "speakers"), "up"),
    ("participation_rate", "activity", ("totals", "participation_rate"), "up"),
    ("members", "activity", ("totals", "members"), "up"),
    ("joins", "activity", ("totals", "joins"), "up"),
    ("leaves", "activity", ("totals", "leaves"), "down"),
    ("core", "members", ("totals", "core"), "up"),
    ("newly_active", "members", ("totals", "newly_active"), "up"),
    ("returned", "members", ("totals", "returned"), "up"),
    ("newly_churned", "members", ("people", "newly_churned", "count"), "down"),
    ("health", "lifecycle", ("health", "score"), "up"),
    ("questions", "questions", ("totals", "questions"), None),
    ("answered_share", "questions", ("totals", "answered_share"), "up"),
    ("within_target_share", "questions", ("totals", "within_target_share"), "up"),
    ("median_minutes", "questions", ("totals", "median_minutes"), "down"),
    ("unanswered", "questions", ("totals", "unanswered"), "down"),
    ("checkins", "checkins", ("totals", "checkins"), "up"),
    ("participants", "checkins", ("totals", "participants"), "up"),
    ("ad", "compliance", ("totals", "ad"), "down"),
    ("flooding", "compliance", ("totals", "flooding"), "down"),
    ("risky_claim", "compliance", ("totals", "risky_claim"), "down"),
    ("personal_attack", "compliance", ("totals", "personal_attack"), "down"),
)


def previous_period(period: Period) -> Period:
    """The week before a week; else the same number of days just before the period."""
    if period.week:
        return week_period(period.first_day - timedelta(days=7), period.tz)
    last = period.first_day - timedelta(days=1)
    return span_period(last - timedelta(days=period.days - 1), last, period.tz)


def weekly_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``weekly`` report's data."""
    period = period or ctx.period
    before = previous_period(period)
    current = {name: build(ctx, period) for name, build in SECTIONS.items()}
    previous = {name: build(ctx, before) for name, build in SECTIONS.items()}
    comparison = compare(current, previous)
    quiet = current["activity"]["totals"]["messages"] == 0
    return {
        "no_messages": quiet,
        "message_weeks": ctx.message_weeks() if quiet else None,
        "stage_history": stage_history(ctx, period),
        "week": period.label, "previous_week": before.label, "previous_period": before.to_dict(),
        "stage": current["lifecycle"]["stage"], "previous_stage": previous["lifecycle"]["stage"],
        "comparison": comparison,
        "key_people": key_people(ctx, period),
        "core": current["members"]["people"]["core"],
        "engaging_messages": engaging_messages(ctx, period),
        "unanswered": current["questions"]["unanswered"],
        "alerts": alerts(ctx, current, previous),
        **actions_section(ctx, period),
        "current": current, "previous": previous,
    }


HISTORY_WEEKS = 12  # the lifecycle strip of the weekly review


def stage_history(ctx: ReportContext, period: Period) -> list[dict[str, Any]]:
    """The stage and health of the group's last ``HISTORY_WEEKS`` weeks up to the period's last
    week (weeks before its first message left out): the weekly review's lifecycle strip."""
    last = week_monday(period.last_day)
    first = max(last - timedelta(weeks=HISTORY_WEEKS - 1), week_monday(ctx.first_day))
    mondays = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    return [{"week": w["week"], "stage": w["stage"], "rule": w["rule"],
             "health": w["health"]["score"] if w["health"] else None}
            for w in lifecycle_weeks(ctx, mondays)]


def _dig(section: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(section, dict):
            return None
        section = section.get(key)
    return section


def compare(current: dict[str, Any], previous: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per compared metric: now, before, the difference and whether that is better."""
    rows = []
    for metric, section, path, better in COMPARED:
        now, then = _dig(current[section], path), _dig(previous[section], path)
        delta = change = direction = verdict = None
        if now is not None and then is not None:
            delta = rounded(now - then, 4)
            change = rounded((now - then) / then, 4) if then else None
            direction = "up" if delta > 0 else "down" if delta < 0 else "same"
            if better is not None:
                verdict = "same" if direction == "same" else "better" if direction == better else "worse"
        rows.append({"metric": metric, "section": section, "current": now, "previous": then, "delta": delta,
                     "change": change, "direction": direction, "better": better, "verdict": verdict})
    return rows


def key_people(ctx: ReportContext, period: Period) -> list[dict[str, Any]]:
    """The most influential members over the ``[members] core_window_weeks`` weeks up to the
    period's end (a week is too short to judge influence), advertisers and shills left out."""
    weeks = ctx.config.members.core_window_weeks
    end = pd.Timestamp(period.end)
    start = min(pd.Timestamp(period.start), end - pd.Timedelta(weeks=weeks))
    roles = roles_between(ctx, start, end, ctx.lang)
    return influence_rows(ctx, roles[without_excluded_tags(roles)], ctx.config.report.top)


def engaging_messages(ctx: ReportContext, period: Period) -> list[dict[str, Any]]:
    """The period's messages that drew the most response (``grouplens.engagement``), ads left out."""
    per = message_engagement(ctx.replies, ctx.config.engagement)
    inside = ctx.in_period(ctx.speech, period).to_numpy() & (per[THREAD_REPLIES].to_numpy() > 0)
    inside &= per[CONTENT_TYPE].to_numpy() != "ad"
    idx = np.flatnonzero(inside)
    order = np.lexsort((idx, -per[THREAD_REPLIES].to_numpy()[idx], -per[ENGAGEMENT].to_numpy()[idx]))
    idx = idx[order][: ctx.config.report.top]
    frame = ctx.speech.iloc[idx]
    return message_rows(ctx.people, frame, ctx.period.tz, content_type=per[CONTENT_TYPE].to_numpy()[idx],
                        engagement=[rounded(v) for v in per[ENGAGEMENT].to_numpy()[idx]],
                        direct_replies=per[DIRECT_REPLIES].to_numpy()[idx],
                        thread_replies=per[THREAD_REPLIES].to_numpy()[idx],
                        distinct_repliers=per[DISTINCT_REPLIERS].to_numpy()[idx])


def alerts(ctx: ReportContext, current: dict[str, Any], previous: dict[str, Any]) -> list[dict[str, Any]]:
    """What an operator should look at: stage changes, core members lost, ads rising, a drop in
    messages, unanswered questions, risky claims, attacks and flooding. Each alert has a
    ``code``, a ``severity`` (high, warning, info), its figures and a sentence in the report's
    language."""
    lang, lc = ctx.lang, ctx.config.lifecycle
    out: list[dict[str, Any]] = []

    def add(code: str, severity: str, words: dict[str, Any] | None = None, **params: Any) -> None:
        out.append({"code": code, "severity": severity, **params,
                    "message": sentence("alert_" + code, lang, **params, **(words or {}))})

    now, then = current["lifecycle"]["stage"], previous["lifecycle"]["stage"]
    if now and then and now != then:
        bad = now in ("declining", "ad-dominated", "help-desk", "dead")
        add("stage_changed", "high" if bad else "info", {"from_label": stage_label(then, lang), "to_label": stage_label(now, lang)},
            **{"from": then, "to": now})
    lost = current["members"]["people"]["churned_core"]
    if lost["count"]:
        names = ("、" if lang == "zh" else ", ").join(str(m[S.NAME]) for m in lost["members"])
        add("core_churned", "high", {"names": names}, count=lost["count"], members=lost["members"])
    ad_now = _ad_share(current)
    ad_then = _ad_share(previous)
    if ad_now is not None and ad_then is not None and ad_now >= ad_then + 0.02 and ad_now >= 0.05:
        add("ads_rising", "high" if ad_now >= lc.ad_share else "warning", current=ad_now, previous=ad_then)
    m_now, m_then = current["activity"]["totals"]["messages_per_day"], previous["activity"]["totals"]["messages_per_day"]
    if m_now is not None and m_then and m_now <= 0.7 * m_then:
        add("activity_drop", "warning", drop=round(1 - m_now / m_then, 4), current=m_now, previous=m_then)
    for code, section, key, severity in (("unanswered", "questions", "unanswered", "warning"),
                                         ("risky_claims", "compliance", "risky_claim", "high"),
                                         ("personal_attacks", "compliance", "personal_attack", "warning"),
                                         ("flooding", "compliance", "flooding_bursts", "info")):
        count = current[section]["totals"].get(key) or 0
        if count:
            add(code, severity, count=count)
    return out


def _ad_share(sections: dict[str, Any]) -> float | None:
    totals = sections["compliance"]["totals"]
    return round(totals.get("ad", 0) / totals["messages"], 4) if totals.get("messages") else None
