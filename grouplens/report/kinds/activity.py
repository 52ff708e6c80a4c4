"""Activity: how much the group talks, when, and how evenly."""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..activity import activity_section
from ..labels import label
from ..page import (
    FOLD_ROWS,
    Chart,
    Fact,
    Facts,
    Page,
    Section,
    bar_cell,
    num,
    pct,
    table,
    who,
    word,
)
from ..parts import (
    daily_lines,
    daily_table,
    heatmap_section,
    weekly_lines,
)
from . import ReportKind


def activity_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    t, c = d["totals"], d["concentration"]
    out.sections.append(Section(label("activity", lang), [Facts([
        Fact(label("messages", lang), num(t["messages"])), Fact(label("speakers", lang), num(t["speakers"])),
        Fact(label("members_count", lang), num(t["members"])),
        Fact(label("messages_per_day", lang), num(t["messages_per_day"])),
        Fact(label("participation_rate", lang), pct(t["participation_rate"], 1)), Fact(label("dau", lang), num(t["dau"])),
        Fact(label("wau", lang), num(t["wau"])), Fact(label("mau", lang), num(t["mau"])),
        Fact(label("joins", lang), num(t["joins"])), Fact(label("leaves", lang), num(t["leaves"])),
        Fact(label("top5_share", lang), pct(c["top5_share"])), Fact(label("gini", lang), num(c["gini"], 2))])],
        wide=True))
    daily = d["daily"]
    trend = functools.partial(charts.daily_trend, [x["date"] for x in daily], [x["messages"] for x in daily],
                              [x["speakers"] for x in daily], title=word("daily_trend", lang),
                              messages_label=label("messages", lang), speakers_label=label("speakers", lang),
                              axis_label=word("axis_day", lang))
    out.sections.append(Section(word("daily_trend", lang), [Chart(
        trend, daily_table(daily, lang) if len(daily) <= 14 else None,
        lines=daily_lines(daily, lang) if len(daily) <= 14 else weekly_lines(d["weekly"], lang))]))
    out.sections.append(heatmap_section(d["heatmap"], lang))
    if len(d["weekly"]) > 1:
        top = max((w["messages"] for w in d["weekly"]), default=0)
        out.sections.append(Section(word("weekly_trend", lang), [table(
            [(label("week", lang), "l"), (label("messages", lang), "r"), (label("messages_per_day", lang), "r"),
             (label("speakers", lang), "r"), (label("participation_rate", lang), "r")],
            [(w["week"], bar_cell(w["messages"], top), num(w["messages_per_day"]), w["speakers"],
              pct(w["participation_rate"])) for w in d["weekly"]],
            caption=f"{label('week', lang)} ({len(d['weekly'])})", fold=len(d["weekly"]) > FOLD_ROWS,
            latest_last=True)]))
    top = max((r["messages"] for r in d["top_talkers"]), default=0)
    out.sections.append(Section(label("top_talkers", lang), [table(
        [("#", "r"), (word("member", lang), "l", "name"), (label("messages", lang), "r"), (label("share", lang), "r"),
         (label("active_days", lang), "r")],
        [(i, who(r) + (f" · {label('staff', lang)}" if r["staff"] else ""), bar_cell(r["messages"], top),
          pct(r["share"]), r["active_days"]) for i, r in enumerate(d["top_talkers"], 1)])]))
    kinds_top = max((k["messages"] for k in d["kinds"]), default=0)
    out.sections.append(Section(label("kinds", lang), [table(
        [(word("kind", lang), "l"), (label("messages", lang), "r"), (label("share", lang), "r")],
        [(k["kind"], bar_cell(k["messages"], kinds_top), pct(k["share"], 1)) for k in d["kinds"]])]))


KIND = ReportKind(
    name="activity", titles=("活跃度", "Activity"),
    summary="messages and speakers per day and week, DAU/WAU/MAU, participation, hour × weekday heatmap, message kinds, top talkers, top-5 share and Gini",
    section=activity_section, page=activity_page, main_table="daily",
)
