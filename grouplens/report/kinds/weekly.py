"""The weekly review: the week beside the week before, the lifecycle strip, key people, the
messages that drew replies, unanswered questions and alerts.
"""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..labels import label, stage_label
from ..page import (
    Alerts,
    Block,
    Chart,
    Fact,
    Facts,
    Note,
    Page,
    Section,
    colon,
    comparison_change,
    metric_label,
    metric_value,
    one_line,
    table,
    word,
)
from ..parts import (
    checkin_blocks,
    compliance_sections,
    daily_lines,
    daily_table,
    distinct_names,
    health_note,
    heatmap_section,
    influence_chart,
    influence_table,
    layers_now_sections,
    names_block,
    rule_note,
    stage_strip,
    unanswered_section,
    week_ranges,
)
from ..period import latest_week
from ..weekly import HISTORY_WEEKS, weekly_section
from . import ReportKind


def weekly_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    cur, prev = d["current"], d["previous"]
    out.stage, out.stage_text = d["stage"], stage_label(d["stage"], lang)
    out.lines.insert(0, f"{label('last_week', lang)} {d['previous_week']}{colon(lang)}"
                        f"{stage_label(d['previous_stage'], lang)}")
    if d.get("no_messages"):
        out.sections.append(Section(word("no_messages_title", lang), [no_messages_note(d, lang)], wide=True))
    alerts: Block = Alerts([(a["severity"], word("severity_" + a["severity"], lang), a["message"])
                            for a in d["alerts"]]) if d["alerts"] else Note(label("no_alerts", lang), "good")
    out.sections.append(Section(label("alerts", lang), [alerts]))
    history = d.get("stage_history") or prev["lifecycle"]["weekly"] + cur["lifecycle"]["weekly"]
    out.sections.append(Section(label("lifecycle", lang), [
        stage_strip(history, lang), rule_note(cur["lifecycle"], lang),
        health_note(cur["lifecycle"]["health"], report["settings"]["lifecycle"], lang)]))

    rows = {r["metric"]: r for r in d["comparison"]}
    kpis = [m for m in ("messages", "speakers", "participation_rate", "members", "core", "health",
                        "answered_share", "unanswered") if m in rows]
    facts = Facts([Fact(metric_label(m, lang), metric_value(m, rows[m]["current"]), comparison_change(rows[m], lang))
                   for m in kpis])
    comparison = table([(label("metric", lang), "l"), (d["week"], "r"), (d["previous_week"], "r"),
                        (label("change", lang), "r")],
                       [(metric_label(r["metric"], lang), metric_value(r["metric"], r["current"]),
                         metric_value(r["metric"], r["previous"]), comparison_change(r, lang))
                        for r in d["comparison"]], caption=word("all_metrics", lang), fold=True)
    out.sections.append(Section(label("comparison", lang) + f" ({d['week']} / {d['previous_week']})",
                                [facts, comparison], wide=True))
    if d.get("no_messages"):
        out.sections += layers_now_sections(cur["members"], prev["members"], lang)
        return  # nothing was said this week: no trend, people or messages to show

    days = prev["activity"]["daily"] + cur["activity"]["daily"]
    trend = functools.partial(
        charts.daily_trend, [x["date"] for x in days], [x["messages"] for x in days], [x["speakers"] for x in days],
        title=word("daily_trend", lang), messages_label=label("messages", lang), speakers_label=label("speakers", lang),
        mark_from=len(prev["activity"]["daily"]), marks=(label("last_week", lang), label("this_week", lang)),
        axis_label=word("axis_day", lang))
    out.sections.append(Section(word("daily_trend", lang), [
        Chart(trend, daily_table(cur["activity"]["daily"], lang), lines=daily_lines(cur["activity"]["daily"], lang))]))
    out.sections.append(heatmap_section(cur["activity"]["heatmap"], lang))
    out.sections += layers_now_sections(cur["members"], prev["members"], lang)

    people: list[Block] = []
    if d["key_people"]:
        people.append(influence_chart(d["key_people"], lang))
        people.append(influence_table(d["key_people"], lang))
    else:
        people.append(Note(label("none", lang), "muted"))
    people.append(names_block(label("core", lang), d["core"]))
    out.sections.append(Section(label("key_people", lang), people, wide=True))

    if d["engaging_messages"]:
        names = distinct_names(d["engaging_messages"])
        engaging: Block = table([(word("member", lang), "l", "name"), (label("distinct_repliers", lang), "r"),
                                 (word("message", lang), "l", "text")],
                                [(name, m["distinct_repliers"], one_line(m["text"]))
                                 for name, m in zip(names, d["engaging_messages"])])
    else:
        engaging = Note(label("none", lang), "muted")
    out.sections.append(Section(label("engaging_messages", lang), [engaging], wide=True))
    unanswered = [q for q in cur["questions"]["questions"] if q["status"] == "unanswered"]
    out.sections.append(unanswered_section(d["unanswered"], lang, every=unanswered[::-1]))
    compliance = cur["compliance"]
    if any(c["messages"] for c in compliance["categories"]):
        out.sections += compliance_sections(compliance, lang, weekly=False)
    if cur["checkins"]["totals"]["checkins"]:
        out.sections.append(Section(label("checkins", lang), checkin_blocks(cur["checkins"], report, lang)))


def no_messages_note(d: dict[str, Any], lang: str) -> Note:
    """The week had no members' messages: say so, and which weeks have some."""
    weeks = d.get("message_weeks") or []
    shown = week_ranges(weeks)
    if lang == "zh":
        text = f"{d['week']} 群里没有成员消息。" + (f"有消息的周：{shown}。" if weeks else "这个群还没有成员消息。")
    else:
        text = f"No member said anything in {d['week']}. " + (f"Weeks with messages: {shown}." if weeks else
                                                              "The group has no members' messages yet.")
    return Note(text, "bad")


KIND = ReportKind(
    name="weekly", titles=("周报", "Weekly review"),
    summary="this week beside last week (deltas with arrows), the stage of the last 12 weeks, key people, messages "
            "that drew replies, unanswered questions, alerts",
    section=weekly_section, page=weekly_page, main_table="comparison", default_period=latest_week,
    history_weeks=HISTORY_WEEKS,
)
