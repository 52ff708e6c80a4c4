"""The weekly review: the week beside the week before, the lifecycle strip, key people, the
messages that drew replies, unanswered questions and alerts.
"""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..actions import record_period_actions
from ..labels import label, sentence, stage_label
from ..page import (
    FOLD_ROWS,
    Alerts,
    Block,
    Cell,
    Chart,
    Fact,
    Facts,
    Note,
    Page,
    Section,
    colon,
    comparison_change,
    listing,
    metric_label,
    metric_value,
    one_line,
    short_time,
    table,
    who,
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
        out.sections += todo_sections(d, lang)
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
    out.sections += todo_sections(d, lang)


def todo_sections(d: dict[str, Any], lang: str) -> list[Section]:
    """The review's end: what became of last week's to-do list, then this week's; one table per
    kind of action, so a long list of questions never hides the rest."""
    out = []
    f = d.get("follow_up")
    if f and f["items"]:
        tones = {True: "good", False: "bad", None: "muted"}
        blocks: list[Block] = [Note(f"{sentence('follow_up_done', lang, done=f['done'], total=f['total'])} · "
                                    f"{label('source_' + f['source'], lang)}",
                                    "good" if f["done"] == f["total"] else None)]
        for kind, items in _by_kind(f["items"]):
            blocks.append(table([(word("member", lang), "l", "name"), (label("what", lang), "l", "text"),
                                 (label("outcome", lang), "l", "text")],
                                [(name, what_text(i, lang), Cell(outcome_text(i, lang), tones[i["done"]]))
                                 for name, i in zip(distinct_names(items), items)],
                                caption=f"{label(kind, lang)} ({len(items)})", fold=len(items) > FOLD_ROWS))
        out.append(Section(f"{label('follow_up', lang)} ({f['week']})", blocks, wide=True))
    a = d.get("actions")
    if a is None:
        return out
    title = f"{label('actions', lang)} ({len(a['items'])})"
    if not a["items"]:
        out.append(Section(title, [Note(label("nothing_to_do", lang), "good")]))
        return out
    blocks = [table([(word("member", lang), "l", "name"), (label("what", lang), "l", "text"),
                     (label("todo", lang), "l", "text")],
                    [(name, what_text(i, lang), todo_text(i, lang)) for name, i in zip(distinct_names(items), items)],
                    caption=f"{label(kind, lang)} ({len(items)})", fold=len(items) > FOLD_ROWS)
              for kind, items in _by_kind(a["items"])]
    blocks.append(Note(label("recorded_note" if a["recorded"] else "not_recorded_note", lang), "muted"))
    out.append(Section(title, blocks, wide=True))
    return out


def _by_kind(items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Actions grouped by kind, kinds in the order they first appear."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for i in items:
        groups.setdefault(i["kind"], []).append(i)
    return list(groups.items())


def what_text(i: dict[str, Any], lang: str) -> str:
    """What an action is about: the question, the newcomer's silence, the core member's move,
    the suspect's posts."""
    kind = i["kind"]
    if kind == "answer_question":
        return one_line(i.get("text")) + (f" ({label('pending', lang)})" if i.get("status") == "pending" else "")
    if kind == "welcome_newcomer":
        return sentence("what_welcome_newcomer", lang, day=(i.get("joined_at") or "")[:10], days="7+")
    if kind == "keep_core":
        return sentence("what_keep_core", lang, to=label(i["to"], lang))
    code = "what_check_shill" if kind == "check_shill" or not i.get("ads") else "what_check_advertiser"
    return sentence(code, lang, ads=i.get("ads"), messages=i.get("messages"), text=one_line(i.get("text")))


def todo_text(i: dict[str, Any], lang: str) -> str:
    """What the operator could do: for a question, the members who answered the like before."""
    if i["kind"] == "answer_question":
        if not i["candidates"]:
            return label("todo_answer_anyone", lang)
        names = [who(c) + (f" ({c['reason']})" if c["reason"] else "") for c in i["candidates"]]
        return sentence("todo_answer_question", lang, names=listing(names, lang))
    return label("todo_" + i["kind"], lang)


def outcome_text(i: dict[str, Any], lang: str) -> str:
    """What became of an action, in words."""
    outcome, when = i["outcome"], short_time(i.get("at")) if i.get("at") else ""
    if outcome == "answered":
        return sentence("answered_by", lang, name=who(i["by"]) if i.get("by") else "?", when=when)
    if outcome == "spoke":
        return sentence("spoke_at", lang, when=when)
    if outcome == "continues":
        return sentence("continues", lang, count=i.get("count") or 0)
    words = {"left": "left_group", "silent": "still_silent", "unanswered": "still_unanswered",
             "active": "still_active"}
    return label(words.get(outcome, outcome), lang)


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
    history_weeks=HISTORY_WEEKS, record=record_period_actions,
)
